package retryhttp

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Clock is the time a Client waits on between attempts: the backoff, a
// server's Retry-After, and what is left of the caller's deadline. A nil
// Clock is the real one. Per-attempt timeouts stay on the real clock:
// they bound a real exchange on a real socket.
type Clock interface {
	Now() time.Time
	// After sends the time once d has passed, as time.After does.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func (c *Client) clock() Clock {
	if c.Clock != nil {
		return c.Clock
	}
	return realClock{}
}

// retry runs op until it succeeds, fails for good, runs out of tries, or
// the next wait would end past maxElapsed (0: no limit); it is
// backoff.Retry's loop (v5.0.3, same order of checks), on c's Clock, which
// backoff.Retry cannot take (its timer option is unexported). notify, if
// set, hears of every retry before its wait.
func (c *Client) retry(ctx context.Context, op func() (*Response, error), b backoff.BackOff,
	maxTries uint, maxElapsed time.Duration, notify func(error, time.Duration)) (*Response, error) {
	clock := c.clock()
	start := clock.Now()
	b.Reset()
	for tries := uint(1); ; tries++ {
		resp, err := op()
		if err == nil {
			return resp, nil
		}
		if tries >= maxTries {
			return resp, err
		}
		var permanent *backoff.PermanentError
		if errors.As(err, &permanent) {
			return resp, permanent.Unwrap()
		}
		if cause := context.Cause(ctx); cause != nil {
			return resp, cause
		}
		next := b.NextBackOff()
		if next == backoff.Stop {
			return resp, err
		}
		var retryAfter *backoff.RetryAfterError
		if errors.As(err, &retryAfter) {
			next = retryAfter.Duration
			b.Reset()
		}
		if maxElapsed > 0 && clock.Now().Sub(start)+next > maxElapsed {
			return resp, err
		}
		if notify != nil {
			notify(err, next)
		}
		select {
		case <-clock.After(next):
		case <-ctx.Done():
			return resp, context.Cause(ctx)
		}
	}
}
