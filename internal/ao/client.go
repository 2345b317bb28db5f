package ao

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// Response size bounds: the slot is a few bytes. The latest message is
// about 3.5 KB but carries the message's data, up to 10 MiB (more once
// escaped in JSON): it is streamed, never held (readLatest), and this
// bounds only the bytes read.
const (
	maxSlotBody  = 64 << 10
	maxNonceBody = 64 << 20
)

// Client reads nonces from state servers and the scheduler router.
type Client struct {
	HTTP      *retryhttp.Client
	RouterURL string
	// AheadIsError: a state slot this many slots or more ahead of every
	// scheduler nonce the check could read fails the check (Behind)
	// instead of reading as a distance; 0 reads every lead as a distance.
	AheadIsError int64
}

// Check reads both nonces of one process at the same time, asking the
// router where its scheduler is.
func (c *Client) Check(ctx context.Context, processID, stateURL string) check.Result {
	return c.CheckAt(ctx, processID, stateURL, Where{})
}

// CheckAt is Check asking the scheduler where.SU (an SU base URL an
// earlier pass learned from the router; "" for none) directly: one round
// trip instead of two. The router is asked too within the check when that
// SU fails in any way, when where.Confirm says its hourly re-check is due,
// or when what the SU said is out of step with the state slot (outOfStep).
// check.Result.Scheduler and SchedulerFromRouter say what to remember.
func (c *Client) CheckAt(ctx context.Context, processID, stateURL string, where Where) check.Result {
	// Only the credential-free form leaves the client: results reach
	// outputs, files and payloads.
	r := check.Result{ProcessID: processID, StateURL: escape.URL(stateURL)}
	return c.read(ctx, r, stateURL, where, true, true)
}

// Recheck reads again the sides of r that got no answer (a host that
// stopped answering in the middle of the pass and is back), keeping what
// the other side read. A state server that was computing the process is
// never asked again: that would restart its work, or read the slot the
// monitor's own abandoned request left.
func (c *Client) Recheck(ctx context.Context, r check.Result, stateURL string, where Where) check.Result {
	state := check.NoAnswer(r.StateErr)
	sched := check.NoAnswer(r.SUErr)
	if !state && !sched {
		return r
	}
	if state {
		r.StateNonce, r.StateErr, r.SlotSeen = nil, nil, nil
	}
	if sched {
		r.SUNonce, r.SUErr = nil, nil
		if !r.SchedulerFromRouter {
			// What the failed attempt kept was the remembered location:
			// ask it again, as the first attempt did.
			where.SU = orRemembered(r.Scheduler, where.SU)
		}
	}
	return c.read(ctx, r, stateURL, where, state, sched)
}

func orRemembered(kept, remembered string) string {
	if kept != "" {
		return kept
	}
	return remembered
}

// read reads the state slot and the scheduler's nonce at the same time
// (either may be skipped: Recheck keeps one).
func (c *Client) read(ctx context.Context, r check.Result, stateURL string, where Where, state, sched bool) check.Result {
	start := time.Now()
	if ctx.Err() != nil {
		r.Interrupted = true
		return r
	}
	// The nonce a state-only read keeps is read against the new slot too.
	var got suRead
	var at located
	keep := !sched && r.SUNonce != nil
	if keep {
		got, at = kept(r)
	}
	var wg sync.WaitGroup
	if state {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, seen, err := c.stateSlot(ctx, stateURL, r.ProcessID)
			r.SlotSeen = seen
			if err != nil {
				r.StateErr = err
				return
			}
			r.StateNonce = &n
		}()
	}
	if sched {
		got, at = c.schedulerNonce(ctx, r.ProcessID, where)
	}
	wg.Wait()
	if sched || keep {
		c.againstState(ctx, &r, where, got, at)
	}
	r.Duration += time.Since(start)
	noMessages(&r)
	// A failure that ends after the pass was cut short may be the cut
	// itself: it proves nothing about the process.
	r.Interrupted = !r.BothRead() && ctx.Err() != nil
	return r
}

// noMessages reads the SU's "Latest message not available" beside the state
// server's slot: with slot 0 or -1 (nothing computed yet) the process has
// nothing to compute and is in step; past 0 the scheduler lost what the
// node computed, an error of the scheduler's naming its text.
func noMessages(r *check.Result) {
	var e *check.Error
	if r.StateNonce == nil || !errors.As(r.SUErr, &e) || e.Kind != check.NoMessages {
		return
	}
	if *r.StateNonce <= 0 {
		same := *r.StateNonce
		r.SUNonce, r.SUErr = &same, nil
		return
	}
	e.Blame = answer.Host
	e.Detail += fmt.Sprintf(", while the state server has computed slot %d", *r.StateNonce)
}

// stateSlot returns the latest slot stateURL computed for the process,
// and a slot it answered that is no evidence of progress (seen). A state
// server's redirect is never followed: a node named in a process map could
// point the monitor anywhere, an internal address included.
//
// How a HyperBEAM node answers is in docs/ao-endpoints.md: its own 404
// names the process; a computation that fails answers 500 once, to the
// request that ran it, and the last good slot to every request after.
func (c *Client) stateSlot(ctx context.Context, stateURL, processID string) (slot int64, seen *int64, err error) {
	u := strings.TrimRight(stateURL, "/") + "/" + processID + "~process@1.0/compute/at-slot"
	host := escape.Host(u)
	req := retryhttp.Request{URL: u, MaxBody: maxSlotBody, Endpoint: answer.StateSlot, NoRedirects: true}
	resp, err := c.HTTP.Do(ctx, req)
	if err != nil {
		return 0, nil, transportError(check.StateServer, host, err)
	}
	v := resp.Verdict
	if v.Kind == check.NotFound && answer.NodeLacks(resp.Header, resp.Body, processID) {
		v.Blame, v.Detail = answer.Process, "this node does not have this process (HTTP 404, the node's own answer)"
	}
	if v.Failed() {
		e := answerError(check.StateServer, host, v, resp.Attempts)
		if v.Kind == check.Failing {
			seen = c.lastGood(ctx, req)
			if seen != nil {
				e.Detail += fmt.Sprintf("; the last slot it kept is %d", *seen)
			} else {
				e.Detail += "; it has no slot of this process computed"
			}
		}
		return 0, seen, e
	}
	n, bad := parseSlot(resp.Header.Get("Content-Type"), resp.Body)
	if bad != nil {
		return 0, nil, answerError(check.StateServer, host, *bad, 1)
	}
	return n, nil, nil
}

// lastGood reads the slot a node kept after a failed computation: asked
// again, it answers that slot at once (the failure is not cached). Another
// failure, or anything but a slot, is no slot.
func (c *Client) lastGood(ctx context.Context, req retryhttp.Request) *int64 {
	resp, err := c.HTTP.Do(ctx, req)
	if err != nil || resp.Verdict.Failed() {
		return nil
	}
	n, bad := parseSlot(resp.Header.Get("Content-Type"), resp.Body)
	if bad != nil {
		return nil
	}
	return &n
}
