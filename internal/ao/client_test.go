package ao

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

const pid = "4hXj_E-5fAKmo4E8KjgQvuDJKAFk9P2grhycVmISDLs"

// newClient times an attempt out after 30 s: the stand-ins answer at once
// (or never), so an answer is never late on a busy machine, and a fault
// is never taken for a timeout.
func newClient(f *aotest.Fleet) *Client { return newClientTimeout(f, 30*time.Second) }

func newClientTimeout(f *aotest.Fleet, timeout time.Duration) *Client {
	return &Client{
		HTTP: &retryhttp.Client{
			HTTP: retryhttp.NewHTTPClient(4), MaxRetries: 1, Timeout: timeout,
			InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxRetryAfter: time.Millisecond,
		},
		RouterURL: f.Router.URL,
	}
}

func TestCheckHealthyAndLagging(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 14129, 14204)
	r := newClient(f).Check(context.Background(), pid, f.State.URL+"/")
	if r.StateErr != nil || r.SUErr != nil || !r.BothRead() {
		t.Fatalf("Check: %v; %v", r.StateErr, r.SUErr)
	}
	if *r.StateNonce != 14129 || *r.SUNonce != 14204 || r.SlotsBehind() != 75 {
		t.Errorf("state=%d su=%d behind=%d, want 14129/14204/75", *r.StateNonce, *r.SUNonce, r.SlotsBehind())
	}
	if f.Requests("router") != 1 || f.Requests("su") != 1 {
		t.Errorf("router=%d su=%d requests: the 307 must be followed once", f.Requests("router"), f.Requests("su"))
	}
	// A state server ahead of the scheduler also counts as apart.
	f.Set(pid, 110, 100)
	if r := newClient(f).Check(context.Background(), pid, f.State.URL); r.SlotsBehind() != 10 {
		t.Errorf("state ahead: slots behind = %d, want 10", r.SlotsBehind())
	}
}

func TestCheckFailuresAreClassified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state, su aotest.Fault
		ep        check.Endpoint
		kind      check.Kind
		msg       string
	}{
		{aotest.Status500, "", check.StateServer, check.Failing, "the node could not compute this process (HTTP 500: Error fun dev_process:compute/3 -> {rt_crash_on_purpose,0}); it has no slot of this process computed"},
		{aotest.ComputeError, "", check.StateServer, check.Failing, "the process's computation reported an error (HTTP 400: --b"},
		{aotest.Gateway, "", check.StateServer, check.Unreachable, "HTTP 502, an HTML page (after 2 attempts)"},
		{aotest.Unknown, "", check.StateServer, check.NotFound, "this node does not have this process (HTTP 404, the node's own answer)"},
		{aotest.NotANode, "", check.StateServer, check.NotFound, "HTTP 404 that is not a HyperBEAM node's answer for this process"},
		{aotest.Redirect, "", check.StateServer, check.BadResponse, "unexpected redirect (HTTP 307), not followed"},
		{aotest.HTML, "", check.StateServer, check.BadResponse, "returned an HTML page, not a slot number"},
		{aotest.Empty, "", check.StateServer, check.BadResponse, "returned an empty body"},
		{aotest.NotInteger, "", check.StateServer, check.BadResponse, `returned "14204.5", not a slot number`},
		{aotest.Hang, "", check.StateServer, check.Unreachable, "timed out"},
		{"", aotest.Status500, check.Scheduler, check.ServerError, "HTTP 500"},
		{"", aotest.Status429, check.Scheduler, check.ServerError, "HTTP 429"},
		{"", aotest.Unknown, check.Scheduler, check.NotFound, `process not found (NotFound("Process scheduler not found"))`},
		{"", aotest.NotJSON, check.Scheduler, check.BadResponse, "not JSON"},
		{"", aotest.NoAssign, check.Scheduler, check.BadResponse, "no assignment"},
		{"", aotest.NoNonce, check.Scheduler, check.BadResponse, "no Nonce tag in assignment"},
		{"", aotest.NotInteger, check.Scheduler, check.BadResponse, `Nonce tag "fourteen" is not a whole number`},
		{"", aotest.HTML, check.Scheduler, check.BadResponse, "returned an HTML page, not JSON"},
		{"", aotest.RedirectRun, check.Scheduler, check.BadResponse, "unexpected redirect (HTTP 307), not followed"},
		{"", aotest.DatabaseError, check.Scheduler, check.ServerError, `database trouble (HTTP 400: DatabaseError("Failed to get connection from read pool.")) (after 2 attempts)`},
		{"", aotest.Forbidden, check.Scheduler, check.Forbidden, "not on the server's allow-list (HTTP 403: Process not in allow list)"},
	}
	for _, tt := range tests {
		t.Run(string(tt.ep)+"/"+string(tt.state)+string(tt.su), func(t *testing.T) {
			t.Parallel()
			f := aotest.Start()
			defer f.Close()
			f.Set(pid, 1, 1)
			f.Break(pid, tt.state, tt.su)
			f.RedirectTo = f.SU.URL + "/" + pid + "/latest"
			c := newClient(f)
			if tt.state == aotest.Hang {
				// It never answers: only the state server's error is checked.
				c = newClientTimeout(f, 300*time.Millisecond)
			}
			r := c.Check(context.Background(), pid, f.State.URL)
			if r.BothRead() {
				t.Fatal("a broken process counted as checked")
			}
			err := r.StateErr
			if tt.ep == check.Scheduler {
				err = r.SUErr
			}
			var e *check.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s error = %v, want *check.Error", tt.ep, err)
			}
			if e.Endpoint != tt.ep || e.Kind != tt.kind || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("got %s/%s %q; want %s/%s containing %q", e.Endpoint, e.Kind, e.Error(), tt.ep, tt.kind, tt.msg)
			}
			if check.KindOf(err) != tt.kind {
				t.Errorf("KindOf(err) = %q, want %q", check.KindOf(err), tt.kind)
			}
		})
	}
}

func TestDeadStateServerIsUnreachable(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 1, 1)
	dead := aotest.Start()
	deadURL := dead.State.URL
	dead.Close()
	r := newClient(f).Check(context.Background(), pid, deadURL)
	if check.KindOf(r.StateErr) != check.Unreachable || r.SUErr != nil {
		t.Fatalf("state err = %v, su err = %v", r.StateErr, r.SUErr)
	}
	if !strings.HasPrefix(r.ErrorText(), "state server 127.0.0.1:") || !strings.Contains(r.ErrorText(), "unreachable: ") {
		t.Errorf("message %q should name the state server and say unreachable", r.ErrorText())
	}
}

func TestParseSlot(t *testing.T) {
	t.Parallel()
	// -1 is the node's slot for a process it holds with nothing computed.
	for body, want := range map[string]int64{"14204": 14204, " 0\n": 0, "14204\n": 14204, "-1": -1} {
		if n, bad := parseSlot("", []byte(body)); bad != nil || n != want {
			t.Errorf("parseSlot(%q) = %d, %v", body, n, bad)
		}
	}
	for _, body := range []string{"-2", "--1", "1e3", "99999999999999999999", "<html>", `{"ao-result":"body","body":14204}`} {
		if _, bad := parseSlot("", []byte(body)); bad == nil {
			t.Errorf("parseSlot(%q) accepted", body)
		}
	}
}

func TestParseNonceRealShape(t *testing.T) {
	t.Parallel()
	n, bad := parseNonce("application/json", aotest.LatestBody(pid, "14204", 0))
	if bad != nil || n != 14204 {
		t.Fatalf("parseNonce = %d, %v", n, bad)
	}
}
