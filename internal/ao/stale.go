package ao

import (
	"context"
	"fmt"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
)

// outOfStep asks again, within the check, when what it read cannot be
// the process's current scheduler:
//
//   - the state slot is ahead of the nonce: a state server computes only
//     what a scheduler assigned, so the SU asked is not (or no longer) the
//     one the state server reads. The same SU is asked once more first (the
//     state server may have computed a slot assigned after the SU
//     answered; a later answer includes it), then the router;
//   - the nonce is where it was in the pass before (w.Last) while the
//     state slot moved: an SU the process left answers with a nonce that
//     no longer moves. The router is asked, unless it was in this check.
//
// What the router says is settled as in settle: the higher nonce stands.
func (c *Client) outOfStep(ctx context.Context, processID string, w Where, state int64, mine suRead, at located) (suRead, located) {
	if mine.err != nil || ctx.Err() != nil {
		return mine, at
	}
	ahead := state > mine.nonce
	still := w.Last != nil && mine.nonce == w.Last.Nonce && state > w.Last.State && !at.routerAsk
	if !ahead && !still {
		return mine, at
	}
	if ahead {
		u := mine.url
		if u == "" { // the router answered itself: it is the scheduler asked
			u = c.routerLatest(processID)
		}
		if n, err := c.askSU(ctx, u, processID); err == nil && n > mine.nonce {
			mine.nonce = n
		}
		if mine.nonce >= state {
			return mine, at
		}
	}
	return c.settle(ctx, processID, mine, at, c.askRouter(ctx, processID))
}

// againstState reads the scheduler's answer got (from at) beside the
// state slot r read, looking again where they are out of step, and puts
// the outcome in r.
func (c *Client) againstState(ctx context.Context, r *check.Result, w Where, got suRead, at located) {
	if r.StateNonce != nil {
		got, at = c.outOfStep(ctx, r.ProcessID, w, *r.StateNonce, got, at)
		got.err = c.behindState(r.ProcessID, *r.StateNonce, got)
	}
	r.Scheduler, r.SchedulerFromRouter, r.RouterAsked = at.base, at.fromRouter, at.routerAsk || r.RouterAsked
	if got.err != nil {
		r.SUNonce, r.SUErr = nil, got.err
	} else {
		r.SUNonce, r.SUErr = &got.nonce, nil
	}
}

// kept is the scheduler's answer an earlier read of r kept, when only the
// state slot is read again (Recheck): a slot read later is as much
// evidence against it as one read beside it.
func kept(r check.Result) (suRead, located) {
	got := suRead{base: r.Scheduler, nonce: *r.SUNonce}
	if r.Scheduler != "" {
		got.url = r.Scheduler + "/" + r.ProcessID + "/latest"
	}
	return got, located{base: r.Scheduler, fromRouter: r.SchedulerFromRouter, routerAsk: r.RouterAsked}
}

// behindState is the failure of a check whose scheduler nonce n, after
// its second look, is still limit or more slots behind the state slot
// (limit 0: never). It is no distance to page on: the state server cannot
// have computed what no scheduler assigned, so the scheduler read is not
// where the process's messages are assigned now (it moved and the router
// does not say so yet, or this SU is a copy that stopped), or the state
// server computes another schedule. Either way how far behind the state
// server is cannot be read: the process cannot be checked, and says why.
func (c *Client) behindState(processID string, state int64, mine suRead) error {
	if mine.err != nil || c.AheadIsError <= 0 || state-mine.nonce < c.AheadIsError {
		return mine.err
	}
	u := mine.url
	if u == "" {
		u = c.routerLatest(processID)
	}
	return &check.Error{Endpoint: check.Scheduler, Host: escape.Host(u), Kind: check.Behind, Blame: answer.Process,
		Detail: fmt.Sprintf("nonce %d is %d behind the state server's slot %d, also when asked again, and the router names no SU further on: "+
			"the process's messages are assigned elsewhere (it moved, or this SU is a copy that stopped), or the state server computes another schedule; "+
			"how far behind the state server is cannot be read", mine.nonce, state-mine.nonce, state)}
}
