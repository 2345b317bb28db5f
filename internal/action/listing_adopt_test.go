package action

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// PagerDuty as a second memory, continued: what a pass adopts from it
// across layouts, groups, raises and services.

// The shard layout changes (one job becomes two): each shard starts from a
// state file of its own that knows nothing, adopts only its own processes'
// incidents, leaves the other's alone while they are still behind, and
// resolves them when they recover.
func TestShardLayoutChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 0, 75)
	}
	h.run(h.withREST(nil))
	if len(h.pd.Open()) != 3 {
		t.Fatalf("one job opened %v", h.pd.Open())
	}
	shards := []string{"1/2", "2/2"}
	one := config.Shard{Index: 1, Count: 2}
	if n := len(slices.DeleteFunc([]string{pidA, pidB, pidC}, one.Holds)); n == 0 || n == 3 {
		t.Fatal("the processes must fall in both shards for this test to mean anything")
	}
	for _, sh := range shards {
		if r := h.run(h.withREST(map[string]string{"shard": sh})); r.exit != 0 || r.outputs["triggered-count"] != "0" || r.outputs["resolved-count"] != "0" {
			t.Fatalf("shard %s, still behind: exit %d, triggered %s, resolved %s\n%s", sh, r.exit, r.outputs["triggered-count"], r.outputs["resolved-count"], r.stdout)
		}
	}
	if len(h.pd.Open()) != 3 || len(h.pd.Accepted()) != 3 {
		t.Fatalf("after the shards' first passes: open %v, %d events in all", h.pd.Open(), len(h.pd.Accepted()))
	}
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 75, 75)
	}
	adopted := 0
	for _, sh := range shards {
		r := h.run(h.withREST(map[string]string{"shard": sh}))
		n, _ := strconv.Atoi(r.outputs["resolved-count"])
		adopted += n
	}
	if len(h.pd.Open()) != 0 || adopted != 3 {
		t.Errorf("after recovery: still open %v, %d resolved by the shards (want 3)", h.pd.Open(), adopted)
	}
}

// With alert grouping on, PagerDuty holds several of the monitor's alerts
// in one incident with no key of its own: their keys are read from the
// incident's alerts, and each is adopted and resolved on its own.
func TestGroupedAlertsAreMatchedByTheirKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.pd.GroupAlerts(true)
	h.fleet.Set(pidA, 0, 75)
	h.fleet.Set(pidB, 0, 80)
	h.fleet.Set(pidC, 5, 5)
	h.run(h.withREST(nil))
	h.deleteState()
	h.fleet.Set(pidA, 75, 75)
	r := h.run(h.withREST(nil))
	if diff := cmp.Diff([]string{key(incident.Mismatch, pidB)}, h.pd.Open()); diff != "" {
		t.Errorf("open after A recovered (-want +got):\n%s", diff)
	}
	open := decodeIncidents(t, r.outputs["open"])
	if len(open) != 1 || open[0].PagerDuty == nil || open[0].PagerDuty.Number == 0 {
		t.Errorf("open output: %+v", open)
	}
	if h.pd.RESTRequests() < 3 { // the listings of two passes, and the grouped incident's alerts
		t.Errorf("%d REST requests: the grouped incident's alerts were not read", h.pd.RESTRequests())
	}
}

// A grouped key carries the job (here, a state file of its own): after the
// state is lost, the job adopts its own server incident under the server it
// is about, so it stays open while the server is in trouble and resolves
// when it recovers, neither resolved at once for want of a matching server
// nor paged again.
func TestGroupedIncidentOfAJobIsAdoptedUnderItsServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"state-file": "server-1.json", "group-threshold": "2"})
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 1, 1)
		h.fleet.Break(pid, aotest.Gateway, aotest.OK)
	}
	first := h.run(in)
	if len(h.pd.Open()) != 1 || !strings.Contains(h.pd.Open()[0], "-server-") {
		t.Fatalf("first pass: open %v (want one server incident)\n%s", h.pd.Open(), first.stdout)
	}
	sent := len(h.pd.Accepted())
	if err := os.Remove(filepath.Join(h.ws, "server-1.json")); err != nil {
		t.Fatal(err)
	}
	h.now = h.now.Add(10 * 60e9)
	r := h.run(in)
	if len(h.pd.Open()) != 1 || len(h.pd.Accepted()) != sent || r.outputs["open-count"] != first.outputs["open-count"] {
		t.Fatalf("state lost, server still failing: open %v, %d events sent, open-count %s (first pass %s); want it kept quietly\n%s",
			h.pd.Open(), len(h.pd.Accepted())-sent, r.outputs["open-count"], first.outputs["open-count"], r.stdout)
	}
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Break(pid, aotest.OK, aotest.OK)
	}
	h.run(in)
	if len(h.pd.Open()) != 0 {
		t.Errorf("after the server recovered, still open: %v", h.pd.Open())
	}
}

// A severity raise recorded as intended but never delivered (PagerDuty did
// not answer, the pass ended): the alert is open in PagerDuty at the old
// severity, which the listing of a one-alert incident does not show. The
// next pass must not take the open alert as proof of the raise.
func TestUnconfirmedRaiseIsNotSettledByAnOpenAlert(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA, "request-timeout": "2s", "max-retries": "0"})
	h.fleet.Set(pidA, 0, 60) // error
	if r := h.run(in); r.exit != 0 {
		t.Fatalf("first pass: exit %d\n%s", r.exit, r.stdout)
	}
	h.fleet.Set(pidA, 0, 500) // critical: a raise, never answered
	h.pd.Hang(true)
	if r := h.run(in); r.exit == 0 || !strings.Contains(h.stateFile(), `"unconfirmed": true`) {
		t.Fatalf("second pass: exit %d, state %s\n%s", r.exit, h.stateFile(), r.stdout)
	}
	h.pd.Hang(false)
	r := h.run(in)
	var raised bool
	for _, ev := range h.pd.Accepted() {
		raised = raised || (ev.EventAction == "trigger" && ev.Payload != nil && ev.Payload.Severity == "critical")
	}
	if r.exit != 0 || !raised {
		t.Errorf("third pass: exit %d, the raise to critical never reached PagerDuty (accepted %d events)\n%s", r.exit, len(h.pd.Accepted()), r.stdout)
	}
}

// The state file is lost while a process falls further behind (error, then
// critical): PagerDuty holds the incident at error. The pass that adopts it
// must raise it, as a pass with the state file would.
func TestAdoptedIncidentIsRaisedAfterALostStateFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.fleet.Set(pidA, 0, 60) // error
	if r := h.run(in); r.exit != 0 {
		t.Fatalf("first pass: exit %d\n%s", r.exit, r.stdout)
	}
	h.deleteState()
	h.fleet.Set(pidA, 0, 500) // critical
	r := h.run(in)
	var raised bool
	for _, ev := range h.pd.Accepted() {
		raised = raised || (ev.EventAction == "trigger" && ev.Payload != nil && ev.Payload.Severity == "critical")
	}
	if r.exit != 0 || !raised {
		t.Errorf("second pass: exit %d, the raise to critical never reached PagerDuty\n%s", r.exit, r.stdout)
	}
}

// A service ID that is not the routing key's lists none of the job's
// incidents: the lookups by key find them all on another service. The
// pass warns, naming the input.
func TestAWrongServiceIDIsSaid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 75)
	h.fleet.Set(pidB, 0, 75)
	in := h.withREST(map[string]string{"process-ids": pidA + "\n" + pidB})
	h.run(in)
	in["pagerduty-service-id"] = "PWRONG1"
	r := h.run(in)
	if !strings.Contains(r.stdout, "check input pagerduty-service-id") {
		t.Errorf("a listing that shows none of the accepted incidents did not name the input:\n%s", r.stdout)
	}
	// A person resolving one of two leaves the other listed: no warning.
	h2 := newHarness(t)
	h2.fleet.Set(pidA, 0, 75)
	h2.fleet.Set(pidB, 0, 75)
	in2 := h2.withREST(map[string]string{"process-ids": pidA + "\n" + pidB})
	h2.run(in2)
	h2.pd.ResolveByHand(key(incident.Mismatch, pidA))
	if r := h2.run(in2); strings.Contains(r.stdout, "check input pagerduty-service-id") {
		t.Errorf("one incident resolved by hand was taken for a wrong service:\n%s", r.stdout)
	}
}
