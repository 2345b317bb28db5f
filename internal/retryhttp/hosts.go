package retryhttp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Hosts holds what a pass knows about each host (a URL's host and port):
// a semaphore that bounds the requests in flight to it, and a circuit
// breaker that stops asking a host that has stopped answering. Its
// lifetime is one pass: a host found down is asked again by the next one.
type Hosts struct {
	limit int // requests in flight per host
	trip  int // failures in a row, with no answer in the window, that trip a breaker

	mu    sync.Mutex
	hosts map[string]*host
}

type host struct {
	slots chan struct{}
	// answered: the host answered some request of this pass (it was up
	// then), whatever its breaker says now.
	answered atomic.Bool
	mu       sync.Mutex // guards breaker, which Revive replaces
	breaker  *gobreaker.TwoStepCircuitBreaker[struct{}]
}

// Breaker tuning: a breaker trips after tripAfter failures with no answer
// from the host in the last answerWindow (so a host that answers some
// requests and hangs on others is never tripped), and stays open for the
// rest of the pass.
const (
	tripAfter    = 3
	answerWindow = 30 * time.Second
	windowBucket = 5 * time.Second
	openFor      = 24 * time.Hour // longer than any pass
)

// NewHosts returns per-host limits of limit requests in flight.
func NewHosts(limit int) *Hosts {
	return &Hosts{limit: max(limit, 1), trip: tripAfter, hosts: map[string]*host{}}
}

func (h *Hosts) get(name string) *host {
	h.mu.Lock()
	defer h.mu.Unlock()
	if x, ok := h.hosts[name]; ok {
		return x
	}
	x := &host{slots: make(chan struct{}, h.limit)}
	x.breaker = h.newBreaker(name)
	h.hosts[name] = x
	return x
}

func (h *Hosts) newBreaker(name string) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         name,
		Interval:     answerWindow,
		BucketPeriod: windowBucket,
		Timeout:      openFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(h.trip) && c.TotalSuccesses == 0
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
	})
}

func (x *host) cb() *gobreaker.TwoStepCircuitBreaker[struct{}] {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.breaker
}

// Down reports whether the breaker of a host is open.
func (h *Hosts) Down(name string) bool {
	return h.get(name).cb().State() == gobreaker.StateOpen
}

// Answered reports whether the host answered any request of this pass
// (an HTTP answer from the host itself: package answer's Answered).
func (h *Hosts) Answered(name string) bool {
	return h.get(name).answered.Load()
}

// Revive closes a host's breaker, forgetting its failures: the host was
// found answering again (a restart within the pass), so its processes
// are asked again.
func (h *Hosts) Revive(name string) {
	x := h.get(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.breaker = h.newBreaker(name)
}

// Saw records an answer from a host that no request slot carried (a
// probe of whether it is up).
func (h *Hosts) Saw(name string) { h.get(name).answered.Store(true) }

// HostDownError is a request not sent because its host's breaker is open:
// earlier requests of this pass found the host not answering.
type HostDownError struct {
	Host string
}

func (e *HostDownError) Error() string {
	return fmt.Sprintf("%s is down: %d requests in a row got no answer earlier in this pass, so it was not asked again", e.Host, tripAfter)
}

// errExcluded marks an attempt that says nothing about the host (the
// caller gave up: the pass ended).
var errExcluded = errors.New("excluded")

// errFailed marks an attempt the host failed.
var errFailed = errors.New("failed")

// acquire waits for a slot to the host and the breaker's permission. The
// returned release must be called with the attempt's outcome.
func (h *Hosts) acquire(ctx context.Context, name string) (release func(answered bool, err error), err error) {
	x := h.get(name)
	done, berr := x.cb().Allow()
	if berr != nil {
		return nil, &HostDownError{Host: name}
	}
	select {
	case x.slots <- struct{}{}:
	case <-ctx.Done():
		done(errExcluded)
		return nil, ctx.Err()
	}
	return func(answered bool, err error) {
		<-x.slots
		if answered {
			x.answered.Store(true)
		}
		done(outcome(ctx, answered))
	}, nil
}

// answering reports whether the host answered a request in the breaker's
// window: a timeout there is then the request's, not the host's.
func (h *Hosts) answering(name string) bool {
	return h.get(name).cb().Counts().TotalSuccesses > 0
}

// outcome is an attempt for the breaker: only no answer (package answer:
// timeout, refused, reset, TLS, a gateway's 502/503/504) is a failure; any
// answer from the host itself, a 500 page included, shows it is up.
func outcome(ctx context.Context, answered bool) error {
	switch {
	case ctx.Err() != nil:
		return errExcluded
	case answered:
		return nil
	}
	return errFailed
}

// RetryBudget bounds the retries of timed-out requests in a pass, as
// Finagle's and Envoy's retry budgets do: a pass may retry a timeout only
// while such retries stay under a share of the requests it made, plus a
// small reserve. A fleet-wide outage then costs about one timeout per
// request, not one per attempt.
type RetryBudget struct {
	mu     sync.Mutex
	share  float64
	tokens float64
}

// NewRetryBudget allows reserve retries, plus share of every request made.
func NewRetryBudget(reserve int, share float64) *RetryBudget {
	return &RetryBudget{share: share, tokens: float64(reserve)}
}

func (b *RetryBudget) deposit() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += b.share
}

func (b *RetryBudget) withdraw() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
