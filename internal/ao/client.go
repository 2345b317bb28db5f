package ao

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// Response size bounds: the slot is a few bytes; the latest message is about
// 3.5 KB but carries the message's data, which can be large.
const (
	maxSlotBody  = 64 << 10
	maxNonceBody = 8 << 20
)

// Client reads nonces from state servers and the scheduler router.
type Client struct {
	HTTP      *retryhttp.Client
	RouterURL string
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
}

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

// Check reads both nonces of one process at the same time.
func (c *Client) Check(ctx context.Context, processID, stateURL string) Result {
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
	n, err := c.schedulerNonce(ctx, processID)
	if err != nil {
		r.SUErr = err
	} else {
		r.SUNonce = &n
	}
	wg.Wait()
	r.Duration = time.Since(start)
	// A failure that ends after the pass was cut short may be the cut
	// itself: it proves nothing about the process.
	r.Interrupted = !r.Checked() && ctx.Err() != nil
	return r
}

// stateSlot returns the latest slot stateURL computed for the process.
func (c *Client) stateSlot(ctx context.Context, stateURL, processID string) (int64, error) {
	u := strings.TrimRight(stateURL, "/") + "/" + processID + "~process@1.0/compute/at-slot"
	return c.get(ctx, StateServer, u, maxSlotBody, parseSlot)
}

// schedulerNonce returns the latest nonce the process's scheduler assigned,
// following the router's redirect to the SU.
func (c *Client) schedulerNonce(ctx context.Context, processID string) (int64, error) {
	u := strings.TrimRight(c.RouterURL, "/") + "/" + processID + "/latest"
	return c.get(ctx, Scheduler, u, maxNonceBody, parseNonce)
}

func (c *Client) get(ctx context.Context, ep Endpoint, rawURL string, maxBody int64,
	parse func(int, string, []byte) (int64, error)) (int64, error) {
	host := hostOf(rawURL)
	resp, err := c.HTTP.Do(ctx, retryhttp.Request{URL: rawURL, MaxBody: maxBody})
	if err != nil {
		return 0, transportError(ep, host, err)
	}
	n, err := parse(resp.Status, resp.Header.Get("Content-Type"), resp.Body)
	if err != nil {
		var pf *parseFailure
		if errors.As(err, &pf) {
			detail := pf.Detail
			if pf.Kind == ServerError && resp.Attempts > 1 {
				detail += fmt.Sprintf(" (after %d attempts)", resp.Attempts)
			}
			return 0, &Error{Endpoint: ep, Host: host, Kind: pf.Kind, Detail: detail}
		}
		return 0, &Error{Endpoint: ep, Host: host, Kind: BadResponse, Detail: err.Error(), Err: err}
	}
	return n, nil
}

func transportError(ep Endpoint, host string, err error) error {
	e := &Error{Endpoint: ep, Host: host, Kind: Unreachable, Err: err}
	var ne net.Error
	var down *retryhttp.HostDownError
	switch {
	case errors.As(err, &down):
		e.Detail = "down: not asked, after earlier requests of this pass got no answer"
	case errors.Is(err, retryhttp.ErrBodyTooLarge):
		e.Kind, e.Detail = BadResponse, "response too large"
	case errors.Is(err, retryhttp.ErrTooManyRedirects):
		e.Kind, e.Detail = BadResponse, "redirect loop"
	case errors.As(err, &ne) && ne.Timeout():
		e.Detail = "timed out" + attemptsSuffix(err)
	default:
		e.Detail = "unreachable: " + rootCause(err)
	}
	return e
}

// rootCause drops url.Error's "Get <url>:" prefix, already said by the host.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error() + attemptsSuffix(err)
	}
	return err.Error()
}

func attemptsSuffix(err error) string {
	var na *retryhttp.NoAnswerError
	if errors.As(err, &na) && na.Attempts > 1 {
		return fmt.Sprintf(" (after %d attempts)", na.Attempts)
	}
	return ""
}

func hostOf(raw string) string { return escape.Host(raw) }
