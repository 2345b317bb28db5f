package ao

import (
	"context"
	"net/url"
	"strings"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// located is where a check found the process's scheduler.
type located struct {
	base       string // SU base URL to remember; "" for none
	fromRouter bool   // the router said so in this check
	routerAsk  bool   // the router was asked
}

// schedulerNonce returns the latest nonce the process's scheduler
// assigned, and where that scheduler is. A remembered SU is asked
// directly; the router only when none is remembered or the remembered one
// fails (no answer, a 4xx, a redirect, an answer for another process:
// any of them may mean the process moved).
func (c *Client) schedulerNonce(ctx context.Context, processID, remembered string) (int64, located, error) {
	base, ok := answer.SchedulerURL(remembered)
	if !ok {
		return c.viaRouter(ctx, processID, "", nil)
	}
	n, err := c.askSU(ctx, base+"/"+processID+"/latest", processID)
	if err == nil || ctx.Err() != nil {
		return n, located{base: base}, err
	}
	return c.viaRouter(ctx, processID, base, err)
}

// viaRouter asks the router and follows its 307, as a request of its own
// to the SU: the SU is its own host, charged with its own failures. tried
// is the remembered SU that just failed with triedErr ("" and nil for
// none): if the router points there again, that answer stands, unasked
// twice; if the router does not answer, or answers with trouble of its
// own, the SU's failure stands and its location is kept.
func (c *Client) viaRouter(ctx context.Context, processID, tried string, triedErr error) (int64, located, error) {
	u := strings.TrimRight(c.RouterURL, "/") + "/" + processID + "/latest"
	host := escape.Host(u)
	kept := located{base: tried, routerAsk: true}
	req := retryhttp.Request{URL: u, MaxBody: maxNonceBody, Endpoint: answer.Router, NoRedirects: true, Reduce: readLatest}
	resp, err := c.HTTP.Do(ctx, req)
	switch {
	case err != nil && triedErr != nil:
		return 0, kept, triedErr
	case err != nil:
		return 0, kept, transportError(Scheduler, host, err)
	case resp.Verdict.Failed() && resp.Verdict.Kind != answer.Redirect && resp.Verdict.Blame == answer.Host && triedErr != nil:
		return 0, kept, triedErr
	}
	// The router answered: what it says replaces what was remembered.
	at := located{fromRouter: true, routerAsk: true}
	if resp.Verdict.Kind == answer.Redirect {
		location := resp.Header.Get("Location")
		su, ok := redirectTarget(u, location)
		if !ok {
			return 0, at, &Error{Endpoint: Scheduler, Host: host, Kind: BadResponse, Blame: answer.Config,
				Detail: "the router redirected to a URL that is not http(s) without credentials, not followed"}
		}
		at.base, _ = answer.SchedulerBase(u, location, processID)
		if at.base != "" && at.base == tried {
			return 0, at, triedErr
		}
		n, err := c.askSU(ctx, su, processID)
		return n, at, err
	}
	if resp.Verdict.Failed() {
		return 0, at, answerError(Scheduler, host, resp.Verdict, resp.Attempts)
	}
	// A router that answers itself (an su-router-url naming an SU): no
	// location to remember, nothing to save by remembering.
	n, err := nonceOf(host, resp, processID)
	return n, at, err
}

// askSU asks the SU at u (its /{pid}/latest) for the latest assignment.
// An SU never redirects: a redirect is an unexpected answer.
func (c *Client) askSU(ctx context.Context, u, processID string) (int64, error) {
	host := escape.Host(u)
	resp, err := c.HTTP.Do(ctx, retryhttp.Request{URL: u, MaxBody: maxNonceBody, Endpoint: answer.SU, NoRedirects: true, Reduce: readLatest})
	if err != nil {
		return 0, transportError(Scheduler, host, err)
	}
	if resp.Verdict.Failed() {
		return 0, answerError(Scheduler, host, resp.Verdict, resp.Attempts)
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
		return 0, answerError(Scheduler, host, *bad, 1)
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
