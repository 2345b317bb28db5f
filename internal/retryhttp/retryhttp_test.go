package retryhttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testClient(retries int) (*Client, *[]time.Duration) {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	return &Client{
		HTTP:           NewHTTPClient(8),
		MaxRetries:     retries,
		Timeout:        200 * time.Millisecond,
		InitialBackoff: time.Millisecond,
		MaxBackoff:     2 * time.Millisecond,
		MaxRetryAfter:  25 * time.Millisecond,
		OnRetry: func(_ string, _ error, wait time.Duration) {
			mu.Lock()
			*waits = append(*waits, wait)
			mu.Unlock()
		},
	}, waits
}

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
	srv, n := scripted(t, 400, 200)
	c, _ := testClient(3)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err != nil || resp.Status != 400 || n.Load() != 1 {
		t.Fatalf("Do = %+v, %v after %d requests; want one 400", resp, err, n.Load())
	}
}

func TestHonoursRetryAfterUpToTheCap(t *testing.T) {
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
}

// A server's Retry-After never pushes a request past the caller's deadline:
// the last answer is returned instead of waiting into it.
func TestRetryAfterNeverOutlastsTheDeadline(t *testing.T) {
	srv, n := scripted(t, 429)
	c, _ := testClient(3)
	c.MaxRetryAfter = time.Hour // as if the server said 3600
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	resp, err := c.Do(ctx, Request{URL: srv.URL})
	if err != nil || resp.Status != 429 || n.Load() != 1 {
		t.Fatalf("Do = %+v, %v after %d requests", resp, err, n.Load())
	}
	if ctx.Err() != nil {
		t.Errorf("Do waited until the deadline (%s) instead of giving up", time.Since(start))
	}
}

func TestRetryAfterParsing(t *testing.T) {
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

func TestTimeoutIsRetriedThenReported(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := testClient(1)
	c.Timeout = 20 * time.Millisecond
	_, err := c.Do(context.Background(), Request{URL: srv.URL})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if n.Load() != 2 || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Errorf("requests = %d, err = %v", n.Load(), err)
	}
	// A request that timed out may have been acted on.
	var na *NoAnswerError
	if !errors.As(err, &na) || !na.MayHaveArrived {
		t.Errorf("err = %#v, want MayHaveArrived", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, waits := testClient(2)
	_, err := c.Do(context.Background(), Request{URL: url})
	var na *NoAnswerError
	if !errors.As(err, &na) || na.MayHaveArrived || na.Attempts != 3 {
		t.Fatalf("Do = %v, want a NoAnswerError that never arrived, after 3 attempts", err)
	}
	if len(*waits) != 2 {
		t.Errorf("retries = %d, want 2", len(*waits))
	}
}

func TestBodyIsBoundedAndNotRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(strings.Repeat("x", 100)))
	}))
	t.Cleanup(srv.Close)
	c, _ := testClient(3)
	_, err := c.Do(context.Background(), Request{URL: srv.URL, MaxBody: 99})
	if !errors.Is(err, ErrBodyTooLarge) || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, n.Load())
	}
	if resp, err := c.Do(context.Background(), Request{URL: srv.URL, MaxBody: 100}); err != nil || len(resp.Body) != 100 {
		t.Fatalf("exact-size body: %v", err)
	}
}

func TestRedirectLoopIsNotRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c, _ := testClient(3)
	_, err := c.Do(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrTooManyRedirects) || n.Load() != maxRedirects {
		t.Fatalf("err = %v after %d requests", err, n.Load())
	}
}

func TestConnectionsAreReusedUpToConcurrency(t *testing.T) {
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		w.Write([]byte("1"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	const concurrency = 8
	c, _ := testClient(0)
	c.HTTP = NewHTTPClient(concurrency)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := c.Do(context.Background(), Request{URL: srv.URL}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := opened.Load(); got > concurrency {
		t.Errorf("opened %d connections for %d concurrent clients: keep-alive not reused", got, concurrency)
	}
}
