package action

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/report"
)

func decodeIncidents(t *testing.T, s string) []report.Incident {
	t.Helper()
	var incs []report.Incident
	if err := json.Unmarshal([]byte(s), &incs); err != nil {
		t.Fatalf("output %q is not a JSON array of incidents: %v", s, err)
	}
	return incs
}

func keys(incs []report.Incident) []string {
	var ks []string
	for _, i := range incs {
		ks = append(ks, i.DedupKey)
	}
	return ks
}

// testOwner is the harness's job (repository acme/ao-monitoring, the
// default state file) in its dedup keys.
var testOwner = ownerOf("acme/ao-monitoring", ".pagerduty-state.json")

// key is the dedup key the harness's job sends for a process incident, on
// day1 (or day 2).
func key(t incident.Type, pid string, day ...int) string {
	when := day1
	if len(day) > 0 && day[0] == 2 {
		when = day2
	}
	return incident.ProcessKey(t, pid, testOwner, when)
}

// The whole lifecycle over several passes: trigger, stay quiet, resolve.
func TestLifecycleAcrossPasses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 100, 100)
	h.fleet.Set(pidB, 14129, 14204) // 75 behind
	h.fleet.Set(pidC, 1, 1)
	h.fleet.Break(pidC, aotest.HTML, aotest.OK)

	r := h.run(nil)
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	wantOpen := []string{key(incident.Mismatch, pidB), key(incident.Unreadable, pidC)} // by process
	if diff := cmp.Diff(wantOpen, h.pd.Open(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("PagerDuty open alerts (-want +got):\n%s", diff)
	}
	want := map[string]string{"triggered-count": "2", "resolved-count": "0", "open-count": "2",
		"checked-count": "3", "behind-count": "1", "error-count": "1", "state-changed": "true", "state-file": ".pagerduty-state.json"}
	for name, v := range want {
		if r.outputs[name] != v {
			t.Errorf("output %s = %q, want %q", name, r.outputs[name], v)
		}
	}
	triggered := decodeIncidents(t, r.outputs["triggered"])
	if diff := cmp.Diff(wantOpen, keys(triggered)); diff != "" {
		t.Errorf("triggered output (-want +got):\n%s", diff)
	}
	b := triggered[0]
	if *b.SlotsBehind != 75 || *b.StateNonce != 14129 || *b.SUNonce != 14204 || b.Error != nil || b.Severity != "error" || b.StateURL != h.fleet.State.URL {
		t.Errorf("mismatch incident output: %+v", b)
	}
	c := triggered[1]
	if c.SlotsBehind != nil || c.StateNonce != nil || *c.SUNonce != 1 || c.Error == nil || !strings.Contains(*c.Error, "returned an HTML page") {
		t.Errorf("error incident output: %+v", c)
	}
	stateAfterFirst := h.stateFile()

	// Same findings, same day: nothing sent, state file byte-identical.
	h.fleet.Set(pidB, 14130, 14210)
	r = h.run(nil)
	if r.exit != 0 || len(h.pd.Accepted()) != 2 {
		t.Fatalf("second pass: exit %d, %d events accepted in all (want still 2)", r.exit, len(h.pd.Accepted()))
	}
	if r.outputs["state-changed"] != "false" || h.stateFile() != stateAfterFirst {
		t.Errorf("quiet pass changed the state file (state-changed=%s)", r.outputs["state-changed"])
	}
	if r.outputs["open-count"] != "2" || r.outputs["triggered-count"] != "0" {
		t.Errorf("quiet pass outputs: %v", r.outputs)
	}

	// Both recover: resolved with the keys stored when triggered.
	h.fleet.Set(pidB, 14210, 14210)
	h.fleet.Set(pidC, 5, 5)
	h.now = day2
	r = h.run(nil)
	if r.exit != 0 || len(h.pd.Open()) != 0 {
		t.Fatalf("recovery: exit %d, still open %v", r.exit, h.pd.Open())
	}
	if diff := cmp.Diff(wantOpen, keys(decodeIncidents(t, r.outputs["resolved"]))); diff != "" {
		t.Errorf("resolved output (-want +got):\n%s", diff)
	}
	if r.outputs["open"] != "[]" || r.outputs["state-changed"] != "true" {
		t.Errorf("after recovery: open=%s state-changed=%s", r.outputs["open"], r.outputs["state-changed"])
	}
}

func TestDayRolloverRotatesTheIncident(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.run(map[string]string{"process-ids": pidA})
	h.now = day2
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if diff := cmp.Diff([]string{key(incident.Mismatch, pidA, 2)}, h.pd.Open()); diff != "" {
		t.Errorf("open after rollover (-want +got):\n%s", diff)
	}
	if got := keys(decodeIncidents(t, r.outputs["resolved"])); !cmp.Equal(got, []string{key(incident.Mismatch, pidA)}) {
		t.Errorf("resolved = %v, want yesterday's key", got)
	}
	if got := keys(decodeIncidents(t, r.outputs["triggered"])); !cmp.Equal(got, []string{key(incident.Mismatch, pidA, 2)}) {
		t.Errorf("triggered = %v, want today's key", got)
	}
}

func TestSeverityRiseReTriggersTheSameIncident(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.run(map[string]string{"process-ids": pidA})
	h.fleet.Set(pidA, 0, 500)
	r := h.run(map[string]string{"process-ids": pidA})
	events := h.pd.Accepted()
	if len(events) != 2 || events[1].DedupKey != events[0].DedupKey || events[1].Payload.Severity != "critical" {
		t.Fatalf("want a second trigger under the same key with severity critical, got %+v", events)
	}
	if r.outputs["triggered-count"] != "0" || !strings.Contains(r.summary, "Updated (severity raised)") {
		t.Errorf("an update is not a new incident: triggered-count=%s", r.outputs["triggered-count"])
	}
	if n := h.pd.Opened()[events[0].DedupKey]; n != 1 {
		t.Errorf("PagerDuty opened %d alerts for one key", n)
	}
}

func TestRejectedEventFailsTheStepAndIsRetriedNextPass(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.pd.FailNext(400)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1 when an alert is not delivered", r.exit)
	}
	if !strings.Contains(r.stdout, "::error title=PagerDuty::1 of 1 PagerDuty events were not delivered") ||
		!strings.Contains(r.stdout, "Length of 'routing_key' is incorrect") {
		t.Errorf("the failure must say what PagerDuty said:\n%s", r.stdout)
	}
	if r.outputs["triggered-count"] != "0" || strings.Contains(h.stateFile(), pidA) {
		t.Errorf("an undelivered trigger was recorded as sent: %s / %s", r.outputs["triggered"], h.stateFile())
	}
	if !strings.Contains(r.summary, "Not delivered to PagerDuty") {
		t.Error("summary does not list the undelivered event")
	}

	r = h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 || len(h.pd.Open()) != 1 || r.outputs["triggered-count"] != "1" {
		t.Fatalf("next pass: exit %d, open %v", r.exit, h.pd.Open())
	}
}

func TestUnavailablePagerDutyStopsSendingAndLosesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.fleet.Set(pidB, 0, 70)
	h.fleet.Set(pidC, 0, 80)
	h.pd.FailNext(500, 502, 503) // the first event's three attempts
	r := h.run(nil)
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1", r.exit)
	}
	if h.pd.Requests() != 3 {
		t.Errorf("PagerDuty got %d requests; after it proved unavailable the other events should wait", h.pd.Requests())
	}
	// The first trigger's outcome is unknown (5xx: PagerDuty may have taken
	// it): it is kept open, unconfirmed. The other two certainly were not
	// sent: they are decided afresh.
	if r.outputs["open-count"] != "1" || !strings.Contains(r.outputs["open"], `"unconfirmed":true`) ||
		!strings.Contains(h.stateFile(), `"unconfirmed": true`) || !strings.Contains(r.stdout, "PagerDuty unavailable: HTTP 503 after 3 attempts") {
		t.Errorf("open=%s\nstate:\n%s\n%s", r.outputs["open"], h.stateFile(), r.stdout)
	}
	r = h.run(nil)
	if r.exit != 0 || len(h.pd.Open()) != 3 || strings.Contains(h.stateFile(), "unconfirmed") {
		t.Fatalf("next pass: exit %d, open %v, state:\n%s", r.exit, h.pd.Open(), h.stateFile())
	}
}

func TestThrottledThenAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.pd.FailNext(429)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 || len(h.pd.Open()) != 1 || h.pd.Requests() != 2 {
		t.Fatalf("exit %d open %v requests %d", r.exit, h.pd.Open(), h.pd.Requests())
	}
}

func TestDryRunSendsNothingAndLeavesStateAlone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	r := h.run(map[string]string{"process-ids": pidA, "dry-run": "true", "pagerduty-routing-key": ""})
	if r.exit != 0 || h.pd.Requests() != 0 {
		t.Fatalf("exit %d, %d PagerDuty requests", r.exit, h.pd.Requests())
	}
	if _, err := os.Stat(filepath.Join(h.ws, ".pagerduty-state.json")); !os.IsNotExist(err) {
		t.Errorf("dry run wrote the state file: %v", err)
	}
	if r.outputs["triggered-count"] != "1" || r.outputs["state-changed"] != "false" || !strings.Contains(r.summary, "Dry run") {
		t.Errorf("dry run should report what it would send: %v", r.outputs)
	}
}

func TestPagerDutyDisabledTracksWithoutSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	r := h.run(map[string]string{"process-ids": pidA, "pagerduty-enabled": "false", "pagerduty-routing-key": ""})
	if r.exit != 0 || h.pd.Requests() != 0 || r.outputs["open-count"] != "1" || !strings.Contains(h.stateFile(), pidA) {
		t.Fatalf("exit %d, %d requests, outputs %v", r.exit, h.pd.Requests(), r.outputs)
	}
}

func TestAutoResolveOffLeavesTheIncidentToAHuman(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	in := map[string]string{"process-ids": pidA, "pagerduty-auto-resolve": "false"}
	h.run(in)
	h.fleet.Set(pidA, 60, 60)
	r := h.run(in)
	if len(h.pd.Accepted()) != 1 || len(h.pd.Open()) != 1 {
		t.Fatalf("auto-resolve off sent a resolve: %+v", h.pd.Accepted())
	}
	if r.outputs["resolved-count"] != "0" || r.outputs["open-count"] != "0" || !strings.Contains(r.summary, "left open for manual resolution") {
		t.Errorf("outputs %v", r.outputs)
	}
}

func TestOldFormatStateIsHonoured(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	oldKey := "nonce-monitor-mismatch-" + pidA + "-20251005"
	os.WriteFile(filepath.Join(h.ws, ".pagerduty-state.json"), []byte(`{"`+pidA+`": {"dedupKey": "`+oldKey+`", "alertedAt": "2025-10-05T10:00:00.000Z", "severity": "error"}}`), 0o644)
	h.fleet.Set(pidA, 7, 7)
	r := h.run(map[string]string{"process-ids": pidA})
	ev := h.pd.Accepted()
	if r.exit != 0 || len(ev) != 1 || ev[0].EventAction != "resolve" || ev[0].DedupKey != oldKey {
		t.Fatalf("want one resolve of %s, got %+v", oldKey, ev)
	}
	if !strings.Contains(h.stateFile(), `"version": 1`) {
		t.Errorf("state not migrated to the current format:\n%s", h.stateFile())
	}
}

func TestCorruptStateIsAWarningNotACrash(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := filepath.Join(h.ws, ".pagerduty-state.json")
	os.WriteFile(path, []byte("{not json"), 0o644)
	h.fleet.Set(pidA, 1, 1)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 || !strings.Contains(r.stdout, "::warning title=State file::") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if b, _ := os.ReadFile(path + ".corrupt"); string(b) != "{not json" {
		t.Errorf("corrupt copy = %q", b)
	}
}
