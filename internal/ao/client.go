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
	StateNonce *int64 // latest slot the state server computed
	SUNonce    *int64 // latest nonce the scheduler assigned
	StateErr   error
	SUErr      error
	Duration   time.Duration
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
// SU fails in any way, when where.Recheck says it is due, or when what the
// SU said cannot be the process's current scheduler (secondLook).
// Result.Scheduler and Result.SchedulerFromRouter say what to remember.
func (c *Client) CheckAt(ctx context.Context, processID, stateURL string, where Where) Result {
	start := time.Now()
	// Only the credential-free form leaves the client: results reach
	// outputs, files and payloads.
	r := Result{ProcessID: processID, StateURL: escape.URL(stateURL)}
	if ctx.Err() != nil {
		r.Interrupted = true
		return r
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		n, err := c.stateSlot(ctx, stateURL, processID)
		if err != nil {
			r.StateErr = err
			return
		}
		r.StateNonce = &n
	}()
	got, at := c.schedulerNonce(ctx, processID, where)
	wg.Wait()
	if r.StateNonce != nil {
		got, at = c.secondLook(ctx, processID, where, *r.StateNonce, got, at)
		got.err = c.behindState(processID, *r.StateNonce, got)
	}
	r.Scheduler, r.SchedulerFromRouter, r.RouterAsked = at.base, at.fromRouter, at.routerAsk
	if got.err != nil {
		r.SUErr = got.err
	} else {
		r.SUNonce = &got.nonce
	}
	r.Duration = time.Since(start)
	r.noMessages()
	// A failure that ends after the pass was cut short may be the cut
	// itself: it proves nothing about the process.
	r.Interrupted = !r.Checked() && ctx.Err() != nil
	return r
}

// noMessages reads the SU's "Latest message not available" beside the state
// server's slot: with slot 0 the process has nothing to compute and is in
// step; past 0 the scheduler lost what the node computed, an error of the
// scheduler's naming its text.
func (r *Result) noMessages() {
	var e *Error
	if r.StateNonce == nil || !errors.As(r.SUErr, &e) || e.Kind != NoMessages {
		return
	}
	if *r.StateNonce == 0 {
		zero := int64(0)
		r.SUNonce, r.SUErr = &zero, nil
		return
	}
	e.Blame = answer.Host
	e.Detail += fmt.Sprintf(", while the state server has computed slot %d", *r.StateNonce)
}

// stateSlot returns the latest slot stateURL computed for the process. A
// state server's redirect is never followed: a node named in a process map
// could point the monitor anywhere, an internal address included.
func (c *Client) stateSlot(ctx context.Context, stateURL, processID string) (int64, error) {
	u := strings.TrimRight(stateURL, "/") + "/" + processID + "~process@1.0/compute/at-slot"
	host := escape.Host(u)
	resp, err := c.HTTP.Do(ctx, retryhttp.Request{URL: u, MaxBody: maxSlotBody, Endpoint: answer.StateSlot, NoRedirects: true})
	if err != nil {
		return 0, transportError(StateServer, host, err)
	}
	if resp.Verdict.Failed() {
		return 0, answerError(StateServer, host, resp.Verdict, resp.Attempts)
	}
	n, bad := parseSlot(resp.Header.Get("Content-Type"), resp.Body)
	if bad != nil {
		return 0, answerError(StateServer, host, *bad, 1)
	}
	return n, nil
}

func answerError(ep Endpoint, host string, v answer.Verdict, attempts int) error {
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
		// A node loading a process computes it from slot 0 before it
		// replies; it answers the others meanwhile.
		e.Kind, e.Blame = Failing, answer.Process
		e.Detail = "timed out while the node answers other processes: the process is not loaded there yet, or still computing" + attemptsSuffix(err)
	}
	return e
}

func attemptsSuffix(err error) string {
	var na *retryhttp.NoAnswerError
	if errors.As(err, &na) && na.Attempts > 1 {
		return fmt.Sprintf(" (after %d attempts)", na.Attempts)
	}
	return ""
}
