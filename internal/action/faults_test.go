package action

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// assertNoDuplicates fails when PagerDuty ever opened two alerts under one
// dedup key (a second incident for one process and type on one day).
func assertNoDuplicates(t *testing.T, h *harness) {
	t.Helper()
	for key, n := range h.pd.Opened() {
		if n > 1 {
			t.Errorf("PagerDuty opened %d incidents for %s", n, key)
		}
	}
}

// Every AO failure mode: the pass succeeds (what it finds is not the step's
// failure), opens one error incident that says what went wrong, and resolves
// it once the endpoint behaves again.
func TestFaultsInTheAOEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		state, su aotest.Fault
		message   string
	}{
		{"state server 500 for this process", aotest.Status500, "", "state server state.test: the node could not compute this process (HTTP 500: Error fun dev_process:compute/3 -> {rt_crash_on_purpose,0})"},
		{"state server compute error", aotest.ComputeError, "", "state server state.test: the process's computation reported an error (HTTP 400"},
		{"state server HTML", aotest.HTML, "", "returned an HTML page, not a slot number"},
		{"state server redirect", aotest.Redirect, "", "state server state.test: unexpected redirect (HTTP 307), not followed"},
		{"state server empty body", aotest.Empty, "", "returned an empty body"},
		{"SU 5xx", "", aotest.Status500, "scheduler su.test: HTTP 500"},
		{"router database trouble", "", aotest.DatabaseError, `scheduler router.test: database trouble (HTTP 400: DatabaseError("Failed to get connection from read pool."))`},
		{"SU with no message, state past 0", "", aotest.NoMessages, "scheduler su.test: no latest message (HTTP 400: Latest message not available), while the state server has computed slot 10"},
		{"scheduler: process not found", "", aotest.Unknown, "process not found"},
		{"SU redirecting again", "", aotest.RedirectRun, "scheduler router.test: unexpected redirect (HTTP 307), not followed"},
		{"non-JSON", "", aotest.NotJSON, "not JSON"},
		{"no Nonce tag", "", aotest.NoNonce, "no Nonce tag in assignment"},
		{"non-integer nonce", "", aotest.NotInteger, `Nonce tag "fourteen" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.fleet.Set(pidA, 10, 10)
			h.fleet.Break(pidA, tt.state, tt.su)
			in := map[string]string{"process-ids": pidA, "max-retries": "1"}
			r := h.run(in)
			if r.exit != 0 || r.outputs["error-count"] != "1" {
				t.Fatalf("exit %d, error-count %s\n%s", r.exit, r.outputs["error-count"], r.stdout)
			}
			triggered := decodeIncidents(t, r.outputs["triggered"])
			if len(triggered) != 1 || triggered[0].Type != "error" || triggered[0].Error == nil ||
				!strings.Contains(h.normalize(*triggered[0].Error), tt.message) {
				t.Fatalf("want one error incident saying %q, got %+v", tt.message, r.outputs["triggered"])
			}
			h.fleet.Set(pidA, 10, 10) // repaired
			if r := h.run(in); r.exit != 0 || r.outputs["resolved-count"] != "1" {
				t.Fatalf("after repair: exit %d, resolved %s", r.exit, r.outputs["resolved"])
			}
			if len(h.pd.Open()) != 0 {
				t.Errorf("still open: %v", h.pd.Open())
			}
			assertNoDuplicates(t, h)
		})
	}
}

// Every PagerDuty failure mode: the step fails only when an event is finally
// not delivered, says why, and the next pass delivers it, once.
func TestFaultsInPagerDuty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   func(h *harness)
		exit    int
		message string
	}{
		{"500 then recovers within the retries", func(h *harness) { h.pd.FailNext(500) }, 0, ""},
		{"500 throughout", func(h *harness) { h.pd.FailNext(500, 500, 500) }, 1, "PagerDuty unavailable: HTTP 500 after 3 attempts"},
		{"429 without Retry-After", func(h *harness) { h.pd.Throttle(true, "") }, 1, "PagerDuty unavailable: HTTP 429 after 3 attempts"},
		{"429 with Retry-After", func(h *harness) { h.pd.Throttle(true, "1") }, 1, "PagerDuty unavailable: HTTP 429 after 3 attempts"},
		{"400 invalid event", func(h *harness) { h.pd.FailNext(400) }, 1, "PagerDuty rejected the event (HTTP 400 Event object is invalid): Length of 'routing_key' is incorrect"},
		{"timeout", func(h *harness) { h.pd.Hang(true) }, 1, "PagerDuty unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.fleet.Set(pidA, 0, 60)
			in := map[string]string{"process-ids": pidA}
			if tt.name == "timeout" {
				// Long enough that AO's answers, in the same pass, are never late.
				in["request-timeout"] = "2s"
			}
			tt.fault(h)
			r := h.run(in)
			if r.exit != tt.exit || !strings.Contains(r.stdout, tt.message) {
				t.Fatalf("exit %d (want %d); want the log to say %q:\n%s", r.exit, tt.exit, tt.message, r.stdout)
			}
			h.pd.Throttle(false, "")
			h.pd.Hang(false)
			if r := h.run(in); r.exit != 0 {
				t.Fatalf("next pass: exit %d\n%s", r.exit, r.stdout)
			}
			if open := h.pd.Open(); len(open) != 1 || open[0] != key(incident.Mismatch, pidA) {
				t.Fatalf("the trigger was lost: open %v", open)
			}
			h.fleet.Set(pidA, 60, 60)
			h.run(in)
			if len(h.pd.Open()) != 0 {
				t.Errorf("the resolve was lost: open %v", h.pd.Open())
			}
			assertNoDuplicates(t, h)
		})
	}
}

func TestPagerDutyConnectionRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	r := h.run(map[string]string{"process-ids": pidA, "pagerduty-events-url": closed.URL})
	if r.exit != 1 || !strings.Contains(r.stdout, "PagerDuty unreachable") || !strings.Contains(r.stdout, "connection refused") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if strings.Contains(h.stateFile(), pidA) {
		t.Error("an undelivered trigger was recorded")
	}
}

// A lost resolve is not lost: when the process breaks again before it is
// delivered, the incident simply stays open (no second incident); when it
// does not, the resolve is sent next pass.
func TestFailedResolveIsSupersededOrRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := map[string]string{"process-ids": pidA}
	h.fleet.Set(pidA, 0, 60)
	h.run(in)
	h.fleet.Set(pidA, 60, 60)
	h.pd.FailNext(503, 503, 503)
	if r := h.run(in); r.exit != 1 {
		t.Fatalf("failed resolve: exit %d", r.exit)
	}
	h.fleet.Set(pidA, 60, 200) // broke again before the resolve got through
	r := h.run(in)
	if r.exit != 0 || r.outputs["triggered-count"] != "0" || len(h.pd.Open()) != 1 {
		t.Fatalf("exit %d triggered %s open %v", r.exit, r.outputs["triggered"], h.pd.Open())
	}
	h.fleet.Set(pidA, 200, 200)
	h.pd.FailNext(503, 503, 503)
	h.run(in)
	h.run(in)
	if len(h.pd.Open()) != 0 {
		t.Errorf("the resolve never arrived: %v", h.pd.Open())
	}
	assertNoDuplicates(t, h)
}

func TestStateFileFaults(t *testing.T) {
	t.Parallel()
	t.Run("corrupt: incidents re-sent under the same key merge, no second incident", func(t *testing.T) {
		h := newHarness(t)
		h.fleet.Set(pidA, 0, 60)
		h.run(map[string]string{"process-ids": pidA})
		os.WriteFile(filepath.Join(h.ws, ".pagerduty-state.json"), []byte(`{"version": 1, "incidents": [`), 0o644)
		r := h.run(map[string]string{"process-ids": pidA})
		if r.exit != 0 || !strings.Contains(r.stdout, "is unusable") {
			t.Fatalf("exit %d\n%s", r.exit, r.stdout)
		}
		assertNoDuplicates(t, h)
		if !strings.Contains(h.stateFile(), pidA) {
			t.Error("the state was not rebuilt")
		}
	})
	t.Run("unwritable: the step fails and the next pass does not duplicate", func(t *testing.T) {
		h := newHarness(t)
		h.fleet.Set(pidA, 0, 60)
		in := map[string]string{"process-ids": pidA, "state-file": "no-such-dir/state.json"}
		r := h.run(in)
		// Write-ahead: what cannot be recorded is not sent.
		if r.exit != 1 || !strings.Contains(r.stdout, "state file no-such-dir/state.json") ||
			!strings.Contains(r.stdout, "nothing was sent to PagerDuty") || h.pd.Requests() != 0 {
			t.Fatalf("exit %d, %d PagerDuty requests\n%s", r.exit, h.pd.Requests(), r.stdout)
		}
		h.run(in)
		assertNoDuplicates(t, h)
	})
	t.Run("crash between write and rename: the old state and a stray temp file", func(t *testing.T) {
		h := newHarness(t)
		h.fleet.Set(pidA, 0, 60)
		h.run(map[string]string{"process-ids": pidA})
		old := h.stateFile()
		// What workspace.Write leaves when the process dies before rename: the new
		// content in a temp file beside the untouched old file.
		os.WriteFile(filepath.Join(h.ws, "..pagerduty-state.json.tmp-0123456789abcdef"), []byte(`{"version": 1, "incidents": []}`), 0o600)
		h.fleet.Set(pidA, 60, 60)
		r := h.run(map[string]string{"process-ids": pidA})
		if r.exit != 0 || old == "" || r.outputs["resolved-count"] != "1" || strings.Contains(h.stateFile(), pidA) {
			t.Fatalf("exit %d resolved %s state:\n%s", r.exit, r.outputs["resolved"], h.stateFile())
		}
		assertNoDuplicates(t, h)
	})
}
