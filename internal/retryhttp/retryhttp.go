// Package retryhttp sends HTTP requests with a per-attempt timeout, a bounded
// response body, and retries on network errors, timeouts, 429 and 5xx with
// exponential backoff and jitter, honouring Retry-After.
package retryhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
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
}

// Response is the last answer the server gave.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
}

var (
	// ErrBodyTooLarge means the response exceeded Request.MaxBody.
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrTooManyRedirects means a redirect chain did not end (a loop).
	ErrTooManyRedirects = errors.New("too many redirects")
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

func checkRedirect(req *http.Request, via []*http.Request) error {
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
		var release func(int, error)
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
		if release != nil {
			status := 0
			if resp != nil {
				status = resp.Status
			}
			release(status, err)
		}
		lastErr = err
		if err != nil && !neverSent(err) {
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
			if errors.Is(err, ErrBodyTooLarge) || errors.Is(err, ErrTooManyRedirects) || ctx.Err() != nil {
				return nil, backoff.Permanent(err)
			}
			return nil, err
		}
		resp.Attempts = attempts
		if !retryable(resp.Status) {
			return resp, nil
		}
		retryErr := fmt.Errorf("HTTP %d", resp.Status)
		if wait, ok := retryAfter(resp.Header.Get("Retry-After"), clock.Now()); ok {
			return resp, &backoff.RetryAfterError{Duration: min(wait, c.maxRetryAfter())}
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
		resp.Attempts = attempts
		return resp, nil
	}
	return nil, &NoAnswerError{Err: err, Attempts: attempts, MayHaveArrived: mayHaveArrived}
}

// NoAnswerError is a request that got no usable answer after every
// attempt.
type NoAnswerError struct {
	Err      error // the last attempt's
	Attempts int
	// MayHaveArrived is false only when no attempt can have reached the
	// server (every one failed to connect): for a POST, whether the server
	// acted on it is then known.
	MayHaveArrived bool
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

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return raw
}

func (c *Client) once(ctx context.Context, r Request) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.Timeout, 10*time.Second))
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, orString(r.Method, http.MethodGet), r.URL, body)
	if err != nil {
		return nil, backoff.Permanent(err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := r.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

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
