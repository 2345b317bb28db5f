package retryhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
)

func statusServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// A node answering 500 for every process is up: its breaker never opens,
// and a 500 is not retried here (the node answers it once, to the request
// that ran the failing computation: the AO client reads what follows).
func TestA500FromTheNodeItselfProvesItUp(t *testing.T) {
	srv, n := statusServer(t, 500, "<html><body>Internal Server Error</body></html>")
	c := guarded(3)
	for range 10 {
		resp, err := c.Do(context.Background(), Request{URL: srv.URL, Endpoint: answer.StateSlot})
		if err != nil || resp.Status != 500 || resp.Verdict.Kind != answer.Failing || resp.Attempts != 1 {
			t.Fatalf("resp %+v, err %v; want the 500 after 1 attempt", resp, err)
		}
	}
	if c.Hosts.Down(hostOf(srv.URL)) {
		t.Error("a host answering 500 was taken for down")
	}
	if n.Load() != 10 {
		t.Errorf("%d requests, want 10", n.Load())
	}
}

// A gateway's 502 is no answer from the host behind it: three trip it.
func TestAGatewayErrorIsNoAnswer(t *testing.T) {
	srv, _ := statusServer(t, 502, "<html>502 Bad Gateway</html>")
	c := guarded(0)
	for range 3 {
		c.Do(context.Background(), Request{URL: srv.URL, Endpoint: answer.StateSlot})
	}
	if !c.Hosts.Down(hostOf(srv.URL)) {
		t.Error("three 502s and no answer: the host should be down")
	}
}

// A 4xx that says the process is broken is not retried.
func TestAComputeErrorIsNotRetried(t *testing.T) {
	srv, n := statusServer(t, 400, "--b\r\n\r\nerror\r\n--b--")
	c := guarded(3)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL, Endpoint: answer.StateSlot})
	if err != nil || resp.Verdict.Kind != answer.Failing || n.Load() != 1 {
		t.Fatalf("resp %+v, err %v, %d requests; want one", resp, err, n.Load())
	}
}

// NoRedirects returns the redirect; the target is never asked.
func TestNoRedirectsReturnsTheRedirect(t *testing.T) {
	target, hits := statusServer(t, 200, "secret")
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	c := guarded(3)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL, Endpoint: answer.StateSlot, NoRedirects: true})
	if err != nil || resp.Status != 307 || hits.Load() != 0 {
		t.Fatalf("resp %+v, err %v, target asked %d times", resp, err, hits.Load())
	}
	// Without it (PagerDuty, Slack), redirects are followed as before.
	if resp, err := c.Do(context.Background(), Request{URL: srv.URL}); err != nil || resp.Status != 200 {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
}

// Reduce streams a 2xx body: MaxBody bounds the bytes read, not kept; an
// error body is read whole, small.
func TestReduceStreamsOnlyASuccess(t *testing.T) {
	big := strings.Repeat("x", 3<<20)
	srv, _ := statusServer(t, 200, big)
	c := guarded(0)
	count := func(r io.Reader) ([]byte, error) {
		n, err := io.Copy(io.Discard, r)
		return []byte(strings.Repeat("y", int(n%7))), err
	}
	resp, err := c.Do(context.Background(), Request{URL: srv.URL, MaxBody: 4 << 20, Endpoint: answer.SU, Reduce: count})
	if err != nil || len(resp.Body) != (3<<20)%7 {
		t.Fatalf("resp %v, err %v", resp, err)
	}
	if _, err := c.Do(context.Background(), Request{URL: srv.URL, MaxBody: 1 << 20, Endpoint: answer.SU, Reduce: count}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("err = %v, want too large past MaxBody", err)
	}
	bad, _ := statusServer(t, 500, big)
	if _, err := c.Do(context.Background(), Request{URL: bad.URL, MaxBody: 4 << 20, Endpoint: answer.SU, Reduce: count}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("err = %v: an error body must be bounded small", err)
	}
}

// Two spellings of one host share its limit and its breaker.
func TestSpellingsOfAHostAreOneHost(t *testing.T) {
	if a, b := hostOf("https://STATE.example./x"), hostOf("https://state.example:443/y"); a != b {
		t.Errorf("%q and %q: one host", a, b)
	}
}

// A state-server request that times out is never retried, whether or not
// the node answers others: a node computing a process it had not loaded
// abandons the work when the request gives up, and a retry would restart
// it, or read the partial slot it kept. A delivery's timeout keeps its
// retries.
func TestAStateServerTimeoutIsNeverRetried(t *testing.T) {
	for _, tc := range []struct {
		ep        answer.Endpoint
		answering bool
		want      int32
	}{{answer.StateSlot, true, 1}, {answer.StateSlot, false, 1}, {answer.Delivery, true, 4}} {
		srv, _ := hanging(t, func(n int32) bool { return tc.answering && n == 1 })
		c := guarded(3)
		if tc.answering {
			if _, err := c.Do(context.Background(), Request{URL: srv.URL, Endpoint: tc.ep}); err != nil {
				t.Fatal(err)
			}
		}
		c.Timeout = 50 * time.Millisecond // the hanging requests only
		// Counted as the client sends them: on a loaded machine an attempt
		// can time out before the server has read it.
		n := sent(c)
		_, err := c.Do(context.Background(), Request{URL: srv.URL + "/x", Endpoint: tc.ep})
		var na *NoAnswerError
		if !errors.As(err, &na) || na.HostAnswering != tc.answering {
			t.Fatalf("%s: err %v, want no answer (host answering: %v)", tc.ep, err, tc.answering)
		}
		if got := n.Load(); got != tc.want {
			t.Errorf("%s (host answering: %v): %d attempts, want %d", tc.ep, tc.answering, got, tc.want)
		}
	}
}

// The log line about a retry names the status that caused it, with a
// server's Retry-After or without.
func TestARetrySaysItsStatus(t *testing.T) {
	for _, retryAfter := range []string{"", "0"} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			io.WriteString(w, `{}`)
		}))
		t.Cleanup(srv.Close)
		c := guarded(3)
		var said []string
		c.OnRetry = func(_ string, err error, _ time.Duration) { said = append(said, err.Error()) }
		if _, err := c.Do(context.Background(), Request{URL: srv.URL, Endpoint: answer.SU}); err != nil {
			t.Fatal(err)
		}
		if len(said) != 1 || !strings.Contains(said[0], "HTTP 500") {
			t.Errorf("Retry-After %q: retry lines %q, want one naming HTTP 500", retryAfter, said)
		}
	}
}
