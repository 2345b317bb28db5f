package retryhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a Clock whose waits end at once: it moves its time on by
// each wait and records it.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.slept = append(f.slept, d)
	ch := make(chan time.Time, 1)
	ch <- f.now
	return ch
}

func (f *fakeClock) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

// testClient waits on a fake clock (its backoff and Retry-After cost no
// time) and times an attempt out only after a minute, so an answer is
// never late however busy the machine; tests of timeouts shorten Timeout
// against a server that never answers.
func testClient(retries int) (*Client, *[]time.Duration) {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	return &Client{
		HTTP:           NewHTTPClient(8),
		MaxRetries:     retries,
		Timeout:        time.Minute,
		InitialBackoff: time.Millisecond,
		MaxBackoff:     2 * time.Millisecond,
		MaxRetryAfter:  25 * time.Millisecond,
		Clock:          &fakeClock{now: time.Now()}, // the real now: a context's deadline is on the real clock
		OnRetry: func(_ string, _ error, wait time.Duration) {
			mu.Lock()
			*waits = append(*waits, wait)
			mu.Unlock()
		},
	}, waits
}

// sent counts the requests c hands its transport. A request that timed out
// before the server read it still counts: against a server that never
// answers, the server's own count depends on how fast the machine is.
func sent(c *Client) *atomic.Int32 {
	var n atomic.Int32
	base := c.HTTP.Transport
	c.HTTP.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n.Add(1)
		return base.RoundTrip(r)
	})
	return &n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// scripted answers each request with the next status of a script (the last
// one repeats) and counts the requests.
func scripted(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		status := statuses[min(i, len(statuses)-1)]
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(status)
		w.Write([]byte("body"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetriesServerErrorsThenSucceeds(t *testing.T) {
	t.Parallel()
	srv, n := scripted(t, 500, 502, 200)
	c, waits := testClient(3)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 200 || string(resp.Body) != "body" {
		t.Fatalf("Do = %+v, %v", resp, err)
	}
	if n.Load() != 3 || resp.Attempts != 3 || len(*waits) != 2 {
		t.Errorf("requests=%d attempts=%d retries=%d, want 3/3/2", n.Load(), resp.Attempts, len(*waits))
	}
}

func TestReturnsLastResponseWhenRetriesRunOut(t *testing.T) {
	t.Parallel()
	srv, n := scripted(t, 503)
	c, _ := testClient(2)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 503 {
		t.Fatalf("Do = %+v, %v; want the 503 response", resp, err)
	}
	if n.Load() != 3 {
		t.Errorf("requests = %d, want 1 + 2 retries", n.Load())
	}
}

func TestNeverRetries4xx(t *testing.T) {
	t.Parallel()
	srv, n := scripted(t, 400, 200)
	c, _ := testClient(3)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 400 || n.Load() != 1 {
		t.Fatalf("Do = %+v, %v after %d requests; want one 400", resp, err, n.Load())
	}
}

func TestHonoursRetryAfterUpToTheCap(t *testing.T) {
	t.Parallel()
	srv, _ := scripted(t, 429, 200)
	c, waits := testClient(3)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 200 {
		t.Fatalf("Do = %+v, %v", resp, err)
	}
	// Retry-After: 1 (second), capped at MaxRetryAfter; without the header
	// the wait would be the 1-2 ms backoff.
	if len(*waits) != 1 || (*waits)[0] != 25*time.Millisecond {
		t.Errorf("waits = %v, want [25ms]", *waits)
	}
	if slept := c.Clock.(*fakeClock).Slept(); len(slept) != 1 || slept[0] != 25*time.Millisecond {
		t.Errorf("waited %v on the clock, want [25ms]", slept)
	}
}

// A server's Retry-After never pushes a request past the caller's deadline:
// the last answer is returned instead of waiting into it.
func TestRetryAfterNeverOutlastsTheDeadline(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	c, waits := testClient(3)
	c.MaxRetryAfter = 2 * time.Hour
	// A deadline ten minutes away: no machine is that slow, and an hour's
	// Retry-After is far past it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	resp, err := c.Do(ctx, Request{URL: srv.URL})
	if err != nil || resp.Status != 429 || n.Load() != 1 {
		t.Fatalf("Do = %+v, %v after %d requests", resp, err, n.Load())
	}
	if slept := c.Clock.(*fakeClock).Slept(); len(slept) != 0 || len(*waits) != 0 {
		t.Errorf("waited %v (retries announced %v) instead of giving up with the answer", slept, *waits)
	}
}

// Backoff grows and is capped, on the client's clock.
func TestBackoffWaitsOnTheClock(t *testing.T) {
	t.Parallel()
	srv, n := scripted(t, 503)
	c, _ := testClient(6)
	c.InitialBackoff, c.MaxBackoff = time.Second, 4*time.Second
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 503 || n.Load() != 7 {
		t.Fatalf("Do = %+v, %v after %d requests", resp, err, n.Load())
	}
	slept := c.Clock.(*fakeClock).Slept()
	if len(slept) != 6 || slept[0] < 500*time.Millisecond || slept[0] > 1500*time.Millisecond {
		t.Fatalf("waits = %v, want six, the first 1 s ± 50%%", slept)
	}
	for _, d := range slept {
		if d > 6*time.Second { // the cap, plus its jitter
			t.Errorf("waits = %v: one exceeds the 4 s cap (± 50%%)", slept)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"7":                             7 * time.Second,
		"0":                             0,
		"Mon, 23 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"Mon, 23 Nov 2026 09:00:00 GMT": 0,
	} {
		got, ok := retryAfter(v, now)
		if !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "soon"} {
		if _, ok := retryAfter(v, now); ok {
			t.Errorf("retryAfter(%q) accepted", v)
		}
	}
}
