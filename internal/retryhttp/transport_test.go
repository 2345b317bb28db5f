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

func TestTimeoutIsRetriedThenReported(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers: every attempt times out, however slow the machine
	}))
	t.Cleanup(srv.Close)
	c, _ := testClient(1)
	c.Timeout = 20 * time.Millisecond
	n := sent(c)
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
