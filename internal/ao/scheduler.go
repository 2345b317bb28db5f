package ao

import (
	"context"
	"net/url"
	"strings"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// Where is what a pass knows, before a check, of where the process's
// scheduler is and what it said last.
type Where struct {
	// SU is the SU base URL the router named in an earlier pass ("" for
	// none): asked directly, one round trip instead of two.
	SU string
	// Confirm asks the router too, at the same time as SU: a location is
	// believed only while the router still names it, so it is re-checked
	// hourly (history.Scheduler.Ask) however well it answers.
	Confirm bool
	// Last is the process's reading in the pass before, if any: a nonce
	// still at Last.Nonce while the state slot moved past Last.State is
	// evidence that the SU asked no longer holds the process.
	Last *Reading
}

// Reading is a process's two numbers as one pass read them.
type Reading struct{ State, Nonce int64 }

// located is where a check found the process's scheduler.
type located struct {
	base       string // SU base URL to remember; "" for none
	fromRouter bool   // the router named base in this check (it is confirmed now)
	routerAsk  bool   // the router was asked
}

// suRead is one scheduler answer within a check: the /latest URL asked
// ("" for none, or the router answering itself), its base URL to
// remember, and the nonce or the failure.
type suRead struct {
	url, base string
	nonce     int64
	err       error
	// moved: the nonce is past the one this SU gave in the pass before
	// (Where.Last): it assigns the process's messages now, which an SU
	// the process left, or a copy that stopped, cannot.
	moved bool
}

// routed is the router's answer for a process.
type routed struct {
	// su is the /latest URL of the SU it named ("" for none); base that
	// SU's base URL to remember ("" when the redirect is not of the usual
	// shape).
	su, base string
	// Otherwise the router answered for itself: a nonce (an su-router-url
	// naming an SU), or err.
	nonce int64
	err   error
	// trouble: the router gave no answer, or one in trouble of its own
	// (err says which): it said nothing about the process.
	trouble bool
}

// schedulerNonce reads the latest nonce the process's scheduler assigned,
// and where that scheduler is. A remembered SU is asked directly, and the
// router with it when w.Confirm; the router alone when none is
// remembered, or after the remembered one failed (no answer, a 4xx, a
// redirect, an answer for another process: any of them may mean the
// process moved).
func (c *Client) schedulerNonce(ctx context.Context, processID string, w Where) (suRead, located) {
	base, ok := answer.SchedulerURL(w.SU)
	if !ok {
		return c.settle(ctx, processID, suRead{}, located{}, c.askRouter(ctx, processID))
	}
	mine, at := suRead{url: base + "/" + processID + "/latest", base: base}, located{base: base}
	if !w.Confirm {
		mine.nonce, mine.err = c.askSU(ctx, mine.url, processID)
		mine.moved = movedSince(w, mine)
		if mine.err == nil || ctx.Err() != nil {
			return mine, at
		}
		return c.settle(ctx, processID, mine, at, c.askRouter(ctx, processID))
	}
	// Both at once: a re-check costs the router a request, not the check
	// a round trip, unless the router names another SU.
	done := make(chan struct{})
	go func() {
		defer close(done)
		mine.nonce, mine.err = c.askSU(ctx, mine.url, processID)
	}()
	rt := c.askRouter(ctx, processID)
	<-done
	mine.moved = movedSince(w, mine)
	return c.settle(ctx, processID, mine, at, rt)
}

// movedSince reports whether got answered with a nonce past the one of the
// pass before.
func movedSince(w Where, got suRead) bool {
	return got.err == nil && w.Last != nil && got.nonce > w.Last.Nonce
}

// settle decides between mine (the answer the check holds, from at; url
// "" for none yet) and the router's answer rt. The router's word is where
// the process is, but a lower nonce is not believed over a higher one:
// nonces only grow, so of two SUs that answer for the process, the lower
// has not seen assignments the higher has, and is the SU the process left
// or a copy that stopped. So:
//
//   - the router said nothing about the process (no answer, its own
//     trouble): mine stands, its location kept unconfirmed (a failure of
//     mine stands too: nothing says the process moved);
//   - it names no SU (it answers itself, or refuses the process): its
//     answer replaces a failed mine, and the location is forgotten; mine
//     that answered stands, unconfirmed;
//   - it names mine's SU: mine stands, confirmed (not asked twice);
//   - it names another: that SU is asked; its failure stands (the process
//     is where the router says, and that SU is charged with it), unless
//     mine's nonce moved since the pass before (mine assigns the process's
//     messages: the router named a replica that is down, or an SU it
//     retired), and then mine stands, unconfirmed; of two nonces the
//     higher stands (the router's on a tie), and the router's SU is
//     remembered only when it is the one believed.
func (c *Client) settle(ctx context.Context, processID string, mine suRead, at located, rt routed) (suRead, located) {
	at.routerAsk = true
	switch {
	case rt.trouble && mine.url == "":
		return suRead{err: rt.err}, at
	case rt.trouble:
		return mine, at
	case rt.su == "" && (mine.url == "" || mine.err != nil):
		return suRead{nonce: rt.nonce, err: rt.err}, located{fromRouter: true, routerAsk: true}
	case rt.su == "":
		return mine, at
	case rt.su == mine.url || (rt.base != "" && rt.base == mine.base):
		return mine, located{base: mine.base, fromRouter: true, routerAsk: true}
	}
	theirs := suRead{url: rt.su, base: rt.base}
	theirs.nonce, theirs.err = c.askSU(ctx, rt.su, processID)
	switch {
	case theirs.err != nil && mine.moved:
		return mine, at
	case theirs.err == nil && mine.url != "" && mine.err == nil && mine.nonce > theirs.nonce:
		return mine, at
	}
	return theirs, located{base: rt.base, fromRouter: true, routerAsk: true}
}

// askRouter asks the router where the process's SU is. Its 307 is not
// followed here: the SU is asked as a request of its own, to its own
// host, charged with its own failures.
func (c *Client) askRouter(ctx context.Context, processID string) routed {
	u := c.routerLatest(processID)
	host := escape.Host(u)
	req := retryhttp.Request{URL: u, MaxBody: maxNonceBody, Endpoint: answer.Router, NoRedirects: true, Reduce: readLatest}
	resp, err := c.HTTP.Do(ctx, req)
	switch {
	case err != nil:
		return routed{err: transportError(check.Scheduler, host, err), trouble: true}
	case resp.Verdict.Kind == answer.Redirect:
		location := resp.Header.Get("Location")
		su, ok := redirectTarget(u, location)
		if !ok {
			return routed{err: &check.Error{Endpoint: check.Scheduler, Host: host, Kind: check.BadResponse, Blame: answer.Config,
				Detail: "the router redirected to a URL that is not http(s) without credentials, not followed"}}
		}
		base, _ := answer.SchedulerBase(u, location, processID)
		return routed{su: su, base: base}
	case resp.Verdict.Failed():
		return routed{err: answerError(check.Scheduler, host, resp.Verdict, resp.Attempts), trouble: resp.Verdict.Blame == answer.Host}
	}
	// A router that answers itself (an su-router-url naming an SU): no
	// location to remember, nothing to save by remembering.
	n, err := nonceOf(host, resp, processID)
	return routed{nonce: n, err: err}
}

func (c *Client) routerLatest(processID string) string {
	return strings.TrimRight(c.RouterURL, "/") + "/" + processID + "/latest"
}

// askSU asks the SU at u (its /{pid}/latest) for the latest assignment.
// An SU never redirects: a redirect is an unexpected answer.
func (c *Client) askSU(ctx context.Context, u, processID string) (int64, error) {
	host := escape.Host(u)
	resp, err := c.HTTP.Do(ctx, retryhttp.Request{URL: u, MaxBody: maxNonceBody, Endpoint: answer.SU, NoRedirects: true, Reduce: readLatest})
	if err != nil {
		return 0, transportError(check.Scheduler, host, err)
	}
	if resp.Verdict.Failed() {
		return 0, answerError(check.Scheduler, host, resp.Verdict, resp.Attempts)
	}
	return nonceOf(host, resp, processID)
}

// nonceOf reads the nonce from a scheduler's 200, which must be the
// assignment of the process asked about: an SU answering for another one
// is not its scheduler (any more).
func nonceOf(host string, resp *retryhttp.Response, processID string) (int64, error) {
	n, process, bad := parseAssignment(resp.Header.Get("Content-Type"), resp.Body)
	if bad == nil && process != "" && process != processID {
		bad = notAO("answered with the assignment of another process, " + quoteSnippet(process))
		bad.Blame = answer.Host
	}
	if bad != nil {
		return 0, answerError(check.Scheduler, host, *bad, 1)
	}
	return n, nil
}

// redirectTarget is the router's Location resolved against the request,
// if it is an http(s) URL with a host, no credentials, and bounded.
func redirectTarget(from, location string) (string, bool) {
	if len(location) > 2*answer.MaxSchedulerURL {
		return "", false
	}
	base, err := url.Parse(from)
	if err != nil {
		return "", false
	}
	to, err := base.Parse(location)
	if err != nil || (to.Scheme != "http" && to.Scheme != "https") || to.Host == "" || to.User != nil {
		return "", false
	}
	return to.String(), true
}
