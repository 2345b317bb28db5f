// Package retryhttp sends HTTP requests with a per-attempt timeout, a bounded
// response body, and retries with exponential backoff and jitter,
// honouring Retry-After. What an answer means (did the host answer, is it
// worth asking again) is package answer's to say, per endpoint.
package retryhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/escape"
)

// Client sends requests. The zero value is not usable; set HTTP at least.
type Client struct {
	HTTP           *http.Client
	MaxRetries     int
	Timeout        time.Duration // per attempt, including reading the body
	InitialBackoff time.Duration // first wait; doubles each retry
	MaxBackoff     time.Duration // longest wait between two attempts
	// MaxRetryAfter caps a server's Retry-After: a five-minute monitoring
	// pass cannot wait the "few minutes" PagerDuty suggests for 429.
	MaxRetryAfter time.Duration
	// OnRetry, if set, is told about every retry (for logs).
	OnRetry func(url string, err error, wait time.Duration)
	// Hosts, if set, bounds the requests in flight per host and stops
	// asking a host found down (see Hosts).
	Hosts *Hosts
	// Budget, if set, bounds the retries of timed-out requests.
	Budget *RetryBudget
	// Clock, if set, is the time retries wait on (tests pass a fake one).
	Clock Clock
}

// Request is one HTTP request. MaxBody bounds the response body read.
type Request struct {
	Method  string
	URL     string
	Body    []byte
	Header  http.Header
	MaxBody int64
	// Endpoint says how its answers are read (package answer); the zero
	// value is a receiver of the monitor's own messages (answer.Delivery).
	Endpoint answer.Endpoint
	// NoRedirects returns a redirect as the answer instead of following
	// it: the caller decides (the AO client follows only the router's 307
	// to an SU, as a request of its own to that host).
	NoRedirects bool
	// Reduce, if set, reads a 2xx body as a stream and keeps only what
	// the caller needs (bounded memory for a body that may be large);
	// MaxBody then bounds the bytes streamed, not the bytes kept.
	Reduce func(io.Reader) ([]byte, error)
}

// Response is the last answer the server gave.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
	Verdict  answer.Verdict // what the answer means, for its endpoint
	// MayHaveArrived: an attempt, this one or an earlier, may have been
	// acted on though it failed (no answer after sending, or a 5xx): a
	// final answer that says "not taken" (429) speaks for itself only.
	MayHaveArrived bool
}

var (
	// ErrBodyTooLarge means the response exceeded Request.MaxBody.
	ErrBodyTooLarge = answer.ErrTooLarge
	// ErrTooManyRedirects means a redirect chain did not end (a loop).
	ErrTooManyRedirects = answer.ErrTooManyRedirects
)

// maxRedirects is generous for the router's single 307.
const maxRedirects = 5

// NewHTTPClient returns an http.Client whose transport keeps enough idle
// connections per host for concurrency requests at once (the default keeps
// two, which would re-handshake TLS for almost every request).
func NewHTTPClient(concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 4 * concurrency
	t.MaxIdleConnsPerHost = concurrency
	t.MaxConnsPerHost = concurrency
	return &http.Client{Transport: t, CheckRedirect: checkRedirect}
}

// noRedirects marks a request's context: its redirects are returned, not
// followed (the http.Client is shared by requests of both kinds).
type noRedirects struct{}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if req.Context().Value(noRedirects{}) != nil {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w (%d, last to %s)", ErrTooManyRedirects, len(via), escape.URL(req.URL.String()))
	}
	return nil
}

// Do sends r, retrying as described in the package comment. It returns the
// last response whenever the server answered, even with 429 or 5xx after the
// retries ran out, so the caller can classify the status; it returns an
// error only when no usable answer arrived.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	clock := c.clock()
	attempts := 0
	mayHaveArrived := false
	host := hostOf(r.URL)
	var lastErr error
	op := func() (*Response, error) {
		attempts++
		if c.Budget != nil {
			switch {
			case attempts == 1:
				c.Budget.deposit()
			case isTimeout(lastErr) && !c.Budget.withdraw():
				return nil, backoff.Permanent(lastErr) // the pass's budget for retrying timeouts is spent
			}
		}
		var release func(bool, error)
		if c.Hosts != nil {
			rel, err := c.Hosts.acquire(ctx, host)
			if err != nil {
				if attempts > 1 && lastErr != nil {
					return nil, backoff.Permanent(lastErr) // the host went down meanwhile: stop retrying
				}
				return nil, backoff.Permanent(err)
			}
			release = rel
		}
		resp, err := c.once(ctx, r)
		var verdict answer.Verdict
		if err != nil {
			verdict = answer.OfError(err)
		} else {
			verdict = answer.Of(r.Endpoint, resp.Status, resp.Header, resp.Body)
			resp.Verdict = verdict
		}
		if release != nil {
			release(verdict.Answered, err)
		}
		lastErr = err
		if (err != nil && !neverSent(err)) || (err == nil && resp.Status >= 500) {
			mayHaveArrived = true
		}
		if c.Hosts != nil && c.Hosts.Down(host) {
			// Found down, by this attempt or others: no retry.
			if err != nil {
				return nil, backoff.Permanent(err)
			}
			resp.Attempts = attempts
			return resp, nil
		}
		if err != nil {
			switch {
			case verdict.Retry == answer.Never || ctx.Err() != nil:
				return nil, backoff.Permanent(err)
			case r.Endpoint == answer.StateSlot && answer.Timeout(err):
				// A node asked for a process it has not loaded computes it
				// from slot 0 before it replies, and abandons the work when
				// the request gives up, keeping the slot it reached. Asking
				// again would restart that work, or read the partial slot
				// the monitor's own request left behind: never evidence.
				// (A node that is down is asked again later in the pass.)
				return nil, backoff.Permanent(err)
			}
			return nil, err
		}
		resp.Attempts = attempts
		switch {
		case !verdict.Failed() || verdict.Retry == answer.Never:
			return resp, nil
		}
		retryErr := fmt.Errorf("HTTP %d", resp.Status)
		if wait, ok := retryAfter(resp.Header.Get("Retry-After"), clock.Now()); ok {
			// The status, not backoff's "retry after", is what the log
			// line about this retry must say.
			return resp, &statusRetryAfter{RetryAfterError: backoff.RetryAfterError{Duration: min(wait, c.maxRetryAfter())}, status: retryErr}
		}
		return resp, retryErr
	}
	maxElapsed := time.Duration(0) // no limit but the tries
	if deadline, ok := ctx.Deadline(); ok {
		// No retry, and no server's Retry-After, may outlast the deadline:
		// give up with the last answer instead of waiting into it.
		maxElapsed = max(deadline.Sub(clock.Now()), time.Nanosecond)
	}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = orDefault(c.InitialBackoff, time.Second)
	b.MaxInterval = orDefault(c.MaxBackoff, 30*time.Second)
	b.RandomizationFactor = 0.5
	b.Multiplier = 2
	var notify func(error, time.Duration)
	if c.OnRetry != nil {
		notify = func(err error, wait time.Duration) { c.OnRetry(r.URL, err, wait) }
	}
	resp, err := c.retry(ctx, op, b, uint(c.MaxRetries)+1, maxElapsed, notify)
	if resp != nil {
		resp.Attempts, resp.MayHaveArrived = attempts, mayHaveArrived
		return resp, nil
	}
	return nil, &NoAnswerError{Err: err, Attempts: attempts, MayHaveArrived: mayHaveArrived,
		HostAnswering: answer.Timeout(err) && c.Hosts != nil && c.Hosts.answering(host)}
}

// statusRetryAfter is a server's Retry-After that reads as its status.
type statusRetryAfter struct {
	backoff.RetryAfterError
	status error
}

func (e *statusRetryAfter) Error() string {
	return fmt.Sprintf("%v, Retry-After %s", e.status, e.Duration)
}

func (e *statusRetryAfter) Unwrap() error { return &e.RetryAfterError }

// NoAnswerError is a request that got no usable answer after every
// attempt.
type NoAnswerError struct {
	Err      error // the last attempt's
	Attempts int
	// MayHaveArrived is false only when no attempt can have reached the
	// server (every one failed to connect): for a POST, whether the server
	// acted on it is then known.
	MayHaveArrived bool
	// HostAnswering: the request timed out while its host answered other
	// requests of the pass: the host is up and this request is slow.
	HostAnswering bool
}

func (e *NoAnswerError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%v (after %d attempts)", e.Err, e.Attempts)
	}
	return e.Err.Error()
}

func (e *NoAnswerError) Unwrap() error { return e.Err }

// neverSent reports whether a failed attempt cannot have reached the
// server: the connection was never made (refused, no route, DNS), or the
// host's breaker kept it from being sent.
func neverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	var down *HostDownError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns) || errors.As(err, &down)
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded))
}

// hostOf is the host a request is charged to, normalised (case, trailing
// dot, default port) so that two spellings of one host are one host.
func hostOf(raw string) string { return escape.Host(raw) }

func (c *Client) maxRetryAfter() time.Duration { return orDefault(c.MaxRetryAfter, time.Minute) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orString(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
