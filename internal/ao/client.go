package ao

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
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

// Result is one process's check.
type Result struct {
	ProcessID  string
	StateURL   string
	StateNonce *int64 // latest slot the state server computed (-1: none yet)
	SUNonce    *int64 // latest nonce the scheduler assigned
	StateErr   error
	SUErr      error
	// SlotSeen is a slot the state server answered that is not evidence
	// of its progress: the last slot it kept when a computation failed,
	// or the slot a computation abandoned by the monitor's own request
	// reached (docs/ao-endpoints.md). nil: none.
	SlotSeen *int64
	Duration time.Duration
	// Interrupted: the pass was cut short (deadline or cancellation)
	// before this check finished, so its failure says nothing about the
	// process. It is reported as not checked.
	Interrupted bool
	// Scheduler is the process's SU base URL to remember (checked by
	// answer.SchedulerURL: http(s), no credentials, bounded), "" for none:
	// the router answered itself, its redirect was not of the usual
	// shape, or it said the process is not there.
	Scheduler string
	// SchedulerFromRouter: the router named Scheduler in this check (it is
	// confirmed now); otherwise Scheduler is the remembered one, kept.
	SchedulerFromRouter bool
	// RouterAsked: the check asked the router (none remembered, the
	// remembered SU failed or was due for its re-check, or what it said
	// cannot be the process's current scheduler).
	RouterAsked bool
	// Misconfigured names the input (and credential-free URL) at fault
	// when every process on a host failed alike in a way that points at
	// configuration: the pass says so once, and the failure says nothing
	// about the process. It is reported as not checked.
	Misconfigured string
}

// NotChecked reports whether the check says nothing about the process:
// the pass was cut short, or the configuration is at fault.
func (r Result) NotChecked() bool { return r.Interrupted || r.Misconfigured != "" }

// Loading reports whether the state server was computing the process when
// it was read: the read is no evidence of its progress, either way.
func (r Result) Loading() bool { return KindOf(r.StateErr) == Loading }

// ExplorerURL links a process on an AO explorer.
func ExplorerURL(processID string) string {
	return "https://www.ao.link/#/entity/" + url.PathEscape(processID)
}

// Checked reports whether both nonces were read.
func (r Result) Checked() bool { return r.StateNonce != nil && r.SUNonce != nil }

// SlotsBehind is |su - state|, the distance the monitor alerts on. It is 0
// when the process could not be checked.
func (r Result) SlotsBehind() int64 {
	if !r.Checked() {
		return 0
	}
	d := *r.SUNonce - *r.StateNonce
	if d < 0 {
		return -d
	}
	return d
}

// ErrorText is the failures as one line, or "".
func (r Result) ErrorText() string {
	var parts []string
	for _, err := range []error{r.StateErr, r.SUErr} {
		if err != nil {
			parts = append(parts, err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// Check reads both nonces of one process at the same time, asking the
// router where its scheduler is.
func (c *Client) Check(ctx context.Context, processID, stateURL string) Result {
	return c.CheckAt(ctx, processID, stateURL, Where{})
}

// CheckAt is Check asking the scheduler where.SU (an SU base URL an
// earlier pass learned from the router; "" for none) directly: one round
// trip instead of two. The router is asked too within the check when that
// SU fails in any way, when where.Confirm says its hourly re-check is due,
// or when what the SU said is out of step with the state slot (outOfStep).
// Result.Scheduler and Result.SchedulerFromRouter say what to remember.
func (c *Client) CheckAt(ctx context.Context, processID, stateURL string, where Where) Result {
	// Only the credential-free form leaves the client: results reach
	// outputs, files and payloads.
	r := Result{ProcessID: processID, StateURL: escape.URL(stateURL)}
	return c.read(ctx, r, stateURL, where, true, true)
}

// Recheck reads again the sides of r that got no answer (a host that
// stopped answering in the middle of the pass and is back), keeping what
// the other side read. A state server that was computing the process is
// never asked again: that would restart its work, or read the slot the
// monitor's own abandoned request left.
func (c *Client) Recheck(ctx context.Context, r Result, stateURL string, where Where) Result {
	state := NoAnswer(r.StateErr)
	sched := NoAnswer(r.SUErr)
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
func (c *Client) read(ctx context.Context, r Result, stateURL string, where Where, state, sched bool) Result {
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
	r.noMessages()
	// A failure that ends after the pass was cut short may be the cut
	// itself: it proves nothing about the process.
	r.Interrupted = !r.Checked() && ctx.Err() != nil
	return r
}

// noMessages reads the SU's "Latest message not available" beside the state
// server's slot: with slot 0 or -1 (nothing computed yet) the process has
// nothing to compute and is in step; past 0 the scheduler lost what the
// node computed, an error of the scheduler's naming its text.
func (r *Result) noMessages() {
	var e *Error
	if r.StateNonce == nil || !errors.As(r.SUErr, &e) || e.Kind != NoMessages {
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
		return 0, nil, transportError(StateServer, host, err)
	}
	v := resp.Verdict
	if v.Kind == NotFound && answer.NodeLacks(resp.Header, resp.Body, processID) {
		v.Blame, v.Detail = answer.Process, "this node does not have this process (HTTP 404, the node's own answer)"
	}
	if v.Failed() {
		e := answerError(StateServer, host, v, resp.Attempts)
		if v.Kind == Failing {
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
		return 0, nil, answerError(StateServer, host, *bad, 1)
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

func answerError(ep Endpoint, host string, v answer.Verdict, attempts int) *Error {
	detail := v.Detail
	if attempts > 1 {
		detail += fmt.Sprintf(" (after %d attempts)", attempts)
	}
	return &Error{Endpoint: ep, Host: host, Kind: v.Kind, Blame: v.Blame, Detail: detail}
}

func transportError(ep Endpoint, host string, err error) error {
	v := answer.OfError(err)
	e := &Error{Endpoint: ep, Host: host, Kind: v.Kind, Blame: v.Blame, Detail: v.Detail + attemptsSuffix(err), Err: err}
	var down *retryhttp.HostDownError
	var na *retryhttp.NoAnswerError
	switch {
	case errors.As(err, &down):
		e.Detail = "down: not asked, after earlier requests of this pass got no answer"
	case ep == StateServer && errors.As(err, &na) && na.HostAnswering:
		e.loading()
	}
	return e
}

// loading marks a state server's timeout as the node computing the
// process, once the node is known to answer other requests.
func (e *Error) loading() {
	e.Kind, e.Blame = Loading, answer.Nobody
	e.Detail = "loading: the node answers other requests but not this one within the request timeout; it is computing the process (from its first slot, if it had none)"
}

// NoAnswer reports whether err is a failure of a host that did not answer
// (refused, reset, timed out, not asked after its breaker opened): the
// kind a second look at the host can change.
func NoAnswer(err error) bool { return KindOf(err) == Unreachable }

// TimedOut reports whether err is a request that was sent and not
// answered in time (not refused, not left unsent).
func TimedOut(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == Unreachable && e.Err != nil && answer.Timeout(e.Err)
}

// NowLoading turns a state server's timeout into loading: the node was
// found answering (later in the pass, or to a probe), so it was computing
// the process, not down. Any other error is returned as it was.
func NowLoading(err error) error {
	var e *Error
	if !TimedOut(err) || !errors.As(err, &e) || e.Endpoint != StateServer {
		return err
	}
	c := *e
	c.loading()
	return &c
}

func attemptsSuffix(err error) string {
	var na *retryhttp.NoAnswerError
	if errors.As(err, &na) && na.Attempts > 1 {
		return fmt.Sprintf(" (after %d attempts)", na.Attempts)
	}
	return ""
}
