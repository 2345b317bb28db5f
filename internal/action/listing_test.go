package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// withREST adds the REST API key, the service and the stand-in's URL: the
// pass then reconciles with what the stand-in holds open.
func (h *harness) withREST(extra map[string]string) map[string]string {
	in := map[string]string{
		"pagerduty-api-token":  pagerdutytest.APIToken,
		"pagerduty-service-id": pagerdutytest.ServiceID,
		"pagerduty-api-url":    h.pd.URL,
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

func (h *harness) deleteState() {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.ws, ".pagerduty-state.json")); err != nil {
		h.t.Fatal(err)
	}
}

// The state file is lost between passes (an evicted cache, a lost push, a
// deleted file): with the key, PagerDuty's open incidents are adopted, kept
// quietly while their processes are still in trouble, and resolved when
// they recover. Without it, they stay open for good.
func TestStateFileLostBetweenPasses(t *testing.T) {
	t.Parallel()
	for _, withKey := range []bool{true, false} {
		t.Run(fmt.Sprintf("key=%v", withKey), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := func() map[string]string {
				if withKey {
					return h.withREST(nil)
				}
				return nil
			}
			h.fleet.Set(pidA, 0, 75)
			h.fleet.Set(pidB, 1, 1)
			h.fleet.Break(pidB, aotest.HTML, aotest.OK)
			h.fleet.Set(pidC, 5, 5)
			if r := h.run(in()); r.exit != 0 || len(h.pd.Open()) != 2 {
				t.Fatalf("first pass: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
			}
			sent := len(h.pd.Accepted())

			// Still in trouble, state lost: nothing new is sent.
			h.deleteState()
			h.now = h.now.Add(10 * 60e9)
			r := h.run(in())
			if r.exit != 0 {
				t.Fatalf("second pass: exit %d\n%s", r.exit, r.stdout)
			}
			if withKey {
				if len(h.pd.Accepted()) != sent || r.outputs["open-count"] != "2" {
					t.Errorf("after the state was lost: %d events sent, open-count %s; want none sent and 2 open", len(h.pd.Accepted())-sent, r.outputs["open-count"])
				}
				for _, inc := range decodeIncidents(t, r.outputs["open"]) {
					if inc.PagerDuty == nil || inc.PagerDuty.Number == 0 || inc.PagerDuty.Status != "triggered" || !strings.HasPrefix(inc.PagerDuty.URL, "https://") {
						t.Errorf("open incident %s shown without PagerDuty's view: %+v", inc.DedupKey, inc.PagerDuty)
					}
				}
				if !strings.Contains(r.summary, "2 adopted") || !strings.Contains(r.summary, "in PagerDuty |") {
					t.Errorf("summary does not say what was adopted or link it:\n%s", r.summary)
				}
			}

			// Lost again, and both recover.
			h.deleteState()
			h.fleet.Set(pidA, 75, 75)
			h.fleet.Set(pidB, 2, 2)
			h.fleet.Break(pidB, aotest.OK, aotest.OK)
			r = h.run(in())
			if r.exit != 0 {
				t.Fatalf("recovery pass: exit %d\n%s", r.exit, r.stdout)
			}
			if withKey && len(h.pd.Open()) != 0 {
				t.Errorf("with the key, still open in PagerDuty: %v", h.pd.Open())
			}
			if !withKey && len(h.pd.Open()) != 2 {
				t.Errorf("without the key, open in PagerDuty: %v; the lost state should have left both (this test's control)", h.pd.Open())
			}
		})
	}
}

// Two runs overlap, each writing its own state file; the next pass, from
// either file, leaves PagerDuty holding exactly what the fleet deserves:
// nothing the other run opened is forgotten, and nothing it resolved is
// believed open.
func TestOverlappingRunsConverge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first, second := h.ws, t.TempDir()
	h.fleet.Set(pidA, 0, 75)
	h.fleet.Set(pidB, 5, 5)
	h.fleet.Set(pidC, 5, 5)
	h.run(h.withREST(nil)) // run 1 opens A

	// Run 2, from a stale checkout with no state: B has fallen behind too.
	h.ws = second
	h.fleet.Set(pidB, 0, 80)
	h.run(h.withREST(nil))
	// Later run 2 sees A recover and resolves it; run 1's file still
	// believes it open.
	h.fleet.Set(pidA, 75, 75)
	h.run(h.withREST(nil))
	if diff := cmp.Diff([]string{key(incident.Mismatch, pidB)}, h.pd.Open()); diff != "" {
		t.Fatalf("after the overlapping runs (-want +got):\n%s", diff)
	}

	// The next pass reads run 1's file. A is behind again (must be paged
	// again: run 1 thinks it is still open), B recovered (must be
	// resolved: run 1 never knew of it), C falls behind.
	h.ws = first
	h.fleet.Set(pidA, 0, 90)
	h.fleet.Set(pidB, 80, 80)
	h.fleet.Set(pidC, 0, 60)
	r := h.run(h.withREST(nil))
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	want := []string{key(incident.Mismatch, pidA), key(incident.Mismatch, pidC)}
	if diff := cmp.Diff(want, h.pd.Open()); diff != "" {
		t.Errorf("PagerDuty after converging (-want +got):\n%s", diff)
	}
	if n := h.pd.Opened()[key(incident.Mismatch, pidA)]; n != 2 {
		t.Errorf("A's incident opened %d times, want 2 (paged again after run 2 resolved it)", n)
	}
}

// A person resolves the incident in PagerDuty while the process is still
// behind: the next pass learns it and pages again (silenced-process-ids is
// how a person stops that).
func TestIncidentResolvedByAPersonIsPagedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 75)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.run(in)
	k := key(incident.Mismatch, pidA)
	h.pd.ResolveByHand(k)
	r := h.run(in)
	if r.exit != 0 || r.outputs["triggered-count"] != "1" {
		t.Fatalf("exit %d, triggered-count %s\n%s", r.exit, r.outputs["triggered-count"], r.stdout)
	}
	if diff := cmp.Diff([]string{k}, h.pd.Open()); diff != "" {
		t.Errorf("open (-want +got):\n%s", diff)
	}
	if n := h.pd.Opened()[k]; n != 2 {
		t.Errorf("opened %d times, want 2", n)
	}
	// Silenced: held as it is, not paged again.
	h.pd.ResolveByHand(k)
	r = h.run(h.withREST(map[string]string{"process-ids": pidA, "silenced-process-ids": pidA}))
	if r.exit != 0 || len(h.pd.Open()) != 0 || r.outputs["triggered-count"] != "0" {
		t.Errorf("silenced: exit %d, open %v, triggered-count %s", r.exit, h.pd.Open(), r.outputs["triggered-count"])
	}
}

// The REST API failing never blocks paging: a 429 or 5xx is a warning and
// the state file alone decides, as without a key; a refused key is an
// error naming the input, after paging as usual.
func TestRESTFailureNeverBlocksPaging(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fail     []int
		token    string
		hang     bool
		extra    map[string]string
		wantExit int
		wantText string
	}{
		"throttled":   {fail: []int{429, 429, 429}, wantExit: 0, wantText: "::warning title=PagerDuty REST API::PagerDuty REST API unavailable: HTTP 429"},
		"down":        {fail: []int{503, 503, 503}, wantExit: 0, wantText: "::warning title=PagerDuty REST API::PagerDuty REST API unavailable: HTTP 503"},
		"key refused": {token: "wrong", wantExit: 1, wantText: "check input pagerduty-api-token"},
		// A quarter of pass-timeout (10 s here) bounds the listing, however
		// long request-timeout and retries would let it wait.
		"hangs": {hang: true, extra: map[string]string{"pass-timeout": "10s"}, wantExit: 0,
			wantText: "::warning title=PagerDuty REST API::PagerDuty REST API unavailable: no listing within a quarter of pass-timeout (2.5s)"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.fleet.Set(pidA, 0, 75)
			h.pd.FailNextREST(tc.fail...)
			if tc.token != "" {
				h.pd.SetAPIToken(tc.token)
			}
			h.pd.HangREST(tc.hang)
			in := h.withREST(map[string]string{"process-ids": pidA})
			for k, v := range tc.extra {
				in[k] = v
			}
			r := h.run(in)
			if r.exit != tc.wantExit || !strings.Contains(r.stdout, tc.wantText) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s", r.exit, tc.wantExit, tc.wantText, r.stdout)
			}
			if diff := cmp.Diff([]string{key(incident.Mismatch, pidA)}, h.pd.Open()); diff != "" {
				t.Errorf("not paged (-want +got):\n%s", diff)
			}
			// Masked first (the runner then hides it everywhere), printed nowhere else.
			masked := strings.ReplaceAll(r.stdout, "::add-mask::"+pagerdutytest.APIToken+"\n", "")
			if !strings.Contains(r.stdout, "::add-mask::"+pagerdutytest.APIToken) || strings.Contains(masked+r.summary+h.stateFile(), pagerdutytest.APIToken) {
				t.Error("the API token was not masked, or was printed")
			}
			if got := h.pd.RESTRequests(); got > 3 {
				t.Errorf("%d REST requests, want at most 1 + max-retries (2)", got)
			}
		})
	}
}

// 250 incidents open in PagerDuty, none in the state file: three pages are
// read, every one is adopted (those still behind quietly, those recovered
// resolved), and the summary and outputs stay within their bounds.
func TestReconcilesAcross250OpenIncidents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var pids, keys []string
	for i := range 250 {
		pid := fmt.Sprintf("P%042d", i)
		pids = append(pids, pid)
		keys = append(keys, key(incident.Mismatch, pid))
		h.fleet.Set(pid, 0, 60)
	}
	for _, pid := range pids[:5] {
		h.fleet.Set(pid, 60, 60) // recovered
	}
	h.pd.OpenAlerts("error", keys...)
	r := h.run(h.withREST(map[string]string{"process-ids": strings.Join(pids, "\n"), "concurrency": "8", "group-threshold": "0"}))
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if diff := cmp.Diff(keys[5:], h.pd.Open()); diff != "" {
		t.Errorf("open in PagerDuty (-want +got):\n%s", diff)
	}
	if len(h.pd.Accepted()) != 5 || r.outputs["resolved-count"] != "5" || r.outputs["open-count"] != "245" {
		t.Errorf("%d events, resolved-count %s, open-count %s; want the 5 resolves only, 245 open",
			len(h.pd.Accepted()), r.outputs["resolved-count"], r.outputs["open-count"])
	}
	if diff := cmp.Diff([]int{100, 100, 100}, h.pd.RESTPageSizes()); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	if !strings.Contains(h.stateFile(), keys[249]) {
		t.Error("the state file did not learn the adopted incidents")
	}
}

// Unconfirmed events are settled by what PagerDuty shows: a trigger taken
// but never answered is confirmed without being sent again.
func TestUnconfirmedSettledByPagerDuty(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 75)
	// The timeout is for PagerDuty's answer, but it applies to the checks
	// too: 2 s leaves a busy machine's stand-ins time to answer them
	// (at 200 ms, a loaded run saw the check time out and paged an error).
	in := h.withREST(map[string]string{"process-ids": pidA, "request-timeout": "2s", "max-retries": "0"})
	h.pd.SetLatency(10e9) // PagerDuty takes the trigger, its answer never comes in time
	if r := h.run(in); r.exit == 0 || !strings.Contains(h.stateFile(), `"unconfirmed": true`) {
		t.Fatalf("first pass: exit %d, state %s\n%s", r.exit, h.stateFile(), r.stdout)
	}
	h.pd.SetLatency(0)
	sent := len(h.pd.Accepted())
	r := h.run(in)
	if r.exit != 0 || len(h.pd.Accepted()) != sent || strings.Contains(h.stateFile(), "unconfirmed") {
		t.Errorf("second pass: exit %d, %d sent again, state %s\n%s", r.exit, len(h.pd.Accepted())-sent, h.stateFile(), r.stdout)
	}
}
