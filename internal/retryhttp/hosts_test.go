package retryhttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hanging answers nothing until the client gives up, except requests for
// which answer returns true.
func hanging(t *testing.T, answer func(n int32) bool) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if answer(n.Add(1)) {
			w.Write([]byte("1"))
			return
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// dropping answers the requests for which answer returns true and closes
// the connection of every other one: no answer, at once, where hanging
// would need a short timeout that a slow machine could also hit on the
// answered requests.
func dropping(t *testing.T, answer func(n int32) bool) *httptest.Server {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if answer(n.Add(1)) {
			w.Write([]byte("1"))
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// guarded is a client with per-host limits and breakers. Its attempts time
// out after a minute; tests against a host that never answers shorten it.
func guarded(retries int) *Client {
	c, _ := testClient(retries)
	c.Hosts = NewHosts(4)
	return c
}

// The breaker's state machine: closed while the host answers; open after
// three failures with no answer; then every request fails at once, unsent.
func TestBreakerTripsOnAHostThatNeverAnswers(t *testing.T) {
	t.Parallel()
	srv, _ := hanging(t, func(int32) bool { return false })
	c := guarded(0)
	c.Timeout = 20 * time.Millisecond // every attempt times out, on any machine
	n := sent(c)
	for range 3 {
		if _, err := c.Do(context.Background(), Request{URL: srv.URL}); !isTimeout(err) {
			t.Fatalf("err = %v, want a timeout", err)
		}
	}
	host := hostOf(srv.URL)
	if !c.Hosts.Down(host) {
		t.Fatal("three timeouts in a row and no answer: the breaker should be open")
	}
	_, err := c.Do(context.Background(), Request{URL: srv.URL})
	var down *HostDownError
	var na *NoAnswerError
	if !errors.As(err, &down) || !errors.As(err, &na) || na.MayHaveArrived {
		t.Fatalf("err = %v, want a HostDownError that was never sent", err)
	}
	if n.Load() != 3 {
		t.Errorf("%d requests were sent to the host, want 3", n.Load())
	}
}

// In-flight retries stop once the host is found down, by any request.
func TestBreakerStopsRetries(t *testing.T) {
	t.Parallel()
	srv, n := hanging(t, func(int32) bool { return false })
	c := guarded(3)
	c.Timeout = 20 * time.Millisecond
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { c.Do(context.Background(), Request{URL: srv.URL}) })
	}
	wg.Wait()
	// Without the breaker: 4 requests x 4 attempts.
	if got := n.Load(); got > 6 {
		t.Errorf("%d requests reached a dead host; the breaker should have stopped the retries", got)
	}
}

// A host that answers some requests and drops others is up: it is never
// tripped, whatever the order of its failures.
func TestBreakerIgnoresAFlappingHost(t *testing.T) {
	t.Parallel()
	srv := dropping(t, func(n int32) bool { return n%4 == 1 }) // one in four answered
	c := guarded(0)
	for range 20 {
		c.Do(context.Background(), Request{URL: srv.URL})
	}
	if c.Hosts.Down(hostOf(srv.URL)) {
		t.Error("a host that answers some requests was tripped")
	}
}

// Answers, even errors, show a host is up; a cancelled caller says nothing.
func TestBreakerCountsAnswersAndIgnoresCancellation(t *testing.T) {
	t.Parallel()
	srv, _ := scripted(t, 404, 429, 400, 404)
	c := guarded(0)
	for range 4 {
		c.Do(context.Background(), Request{URL: srv.URL})
	}
	if c.Hosts.Down(hostOf(srv.URL)) {
		t.Error("4xx answers tripped the breaker")
	}
	slow, _ := hanging(t, func(int32) bool { return false })
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		c.Do(ctx, Request{URL: slow.URL})
		cancel()
	}
	if c.Hosts.Down(hostOf(slow.URL)) {
		t.Error("the caller's own cancellations tripped the breaker")
	}
	five, _ := scripted(t, 503)
	for range 3 {
		c.Do(context.Background(), Request{URL: five.URL})
	}
	if !c.Hosts.Down(hostOf(five.URL)) {
		t.Error("three 503s and no answer did not trip the breaker")
	}
}

// At most limit requests are in flight to one host. Each request is held
// until four are in flight at once, so the limit is reached on any machine;
// the client's transport would allow eight.
func TestHostsBoundRequestsInFlight(t *testing.T) {
	t.Parallel()
	var now, peak atomic.Int32
	full := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := now.Add(1)
		for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
		}
		if cur >= 4 {
			once.Do(func() { close(full) })
		}
		select {
		case <-full:
		case <-r.Context().Done():
		}
		now.Add(-1)
	}))
	t.Cleanup(srv.Close)
	c := guarded(0)
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() { c.Do(context.Background(), Request{URL: srv.URL}) })
	}
	wg.Wait()
	if p := peak.Load(); p != 4 {
		t.Errorf("peak in flight = %d, want the limit of 4", p)
	}
}

// Retries of timeouts draw on the budget; other retries do not.
func TestRetryBudgetBoundsTimeoutRetries(t *testing.T) {
	t.Parallel()
	srv, _ := hanging(t, func(int32) bool { return false })
	c, _ := testClient(3)
	c.Timeout = 20 * time.Millisecond // every attempt times out, on any machine
	n := sent(c)
	// Two retries of a timeout for the whole pass.
	c.Budget = NewRetryBudget(2, 0)
	for range 5 {
		c.Do(context.Background(), Request{URL: srv.URL})
	}
	if got := n.Load(); got != 5+2 {
		t.Errorf("%d requests, want 5 first attempts + 2 budgeted retries", got)
	}
	// The budget is spent; answers that come (never late: a minute)
	// still get their retries.
	c.Timeout = time.Minute
	five, m := scripted(t, 500, 500, 200)
	if resp, err := c.Do(context.Background(), Request{URL: five.URL}); err != nil || resp.Status != 200 || m.Load() != 3 {
		t.Errorf("5xx retries must not need the timeout budget: %+v, %v after %d", resp, err, m.Load())
	}
}

// A host found down and then seen answering (a restart within the pass) is
// revived: its breaker closes and its requests are sent again. Answered
// remembers that a host answered in the pass, whatever its breaker says.
func TestReviveClosesTheBreaker(t *testing.T) {
	t.Parallel()
	var up atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		w.Write([]byte("1"))
	}))
	t.Cleanup(srv.Close)
	c := guarded(0)
	host := hostOf(srv.URL)
	for range 3 {
		c.Do(context.Background(), Request{URL: srv.URL})
	}
	if !c.Hosts.Down(host) || c.Hosts.Answered(host) {
		t.Fatalf("down %v, answered %v: want down, never answered", c.Hosts.Down(host), c.Hosts.Answered(host))
	}
	up.Store(true)
	if _, err := c.Do(context.Background(), Request{URL: srv.URL}); err == nil {
		t.Fatal("a request to a host found down was sent before it was revived")
	}
	c.Hosts.Revive(host)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 200 {
		t.Fatalf("after Revive: %v, %v; want the host's answer", resp, err)
	}
	if c.Hosts.Down(host) || !c.Hosts.Answered(host) {
		t.Errorf("after an answer: down %v, answered %v", c.Hosts.Down(host), c.Hosts.Answered(host))
	}
}
