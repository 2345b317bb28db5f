package action

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// A morning on one shared PagerDuty service, each job with its REST API
// key: this job (M: A and B), a second job of the same repository with
// its own state file (N: C), another repository's job that also watches
// A (O), an earlier version's key for B in M's state file, and another
// integration's look-alike key. People acknowledge, merge and resolve;
// M's state file is lost, N's restored from an older pass. Every page is
// true and sent once; each job resolves only its own, and nothing is left
// open when the processes recover.
func TestAMorningInCompany(t *testing.T) {
	t.Parallel()
	m := newHarness(t)
	n := m.otherJob("") // the same repository
	o := m.otherJob("other-org/ao-watch")
	mIn := m.withREST(map[string]string{"process-ids": pidA + "\n" + pidB})
	nIn := n.withREST(map[string]string{"process-ids": pidC, "state-file": "n.json"})
	oIn := o.withREST(map[string]string{"process-ids": pidA})
	every := func(d time.Duration, runs ...func()) {
		for _, h := range []*harness{m, n, o} {
			h.now = h.now.Add(d)
		}
		for _, run := range runs {
			run()
		}
	}
	runM := func() { mustPass(t, m, mIn) }
	runN := func() { mustPass(t, n, nIn) }
	runO := func() { mustPass(t, o, oIn) }

	// B was paged by the earlier version this morning, under a key with
	// no job in it. Each job has run a pass before, with A and C fine.
	legacyB := incident.DedupKey(incident.Mismatch, pidB, day1)
	m.pd.OpenAlerts("critical", legacyB)
	writeFile(t, m.ws, ".pagerduty-state.json", `{"version": 1, "incidents": [{"process_id": "`+pidB+
		`", "type": "mismatch", "dedup_key": "`+legacyB+`", "severity": "critical", "since": "2026-11-22T09:00:00Z"}]}`)
	m.fleet.Set(pidA, 5, 5)
	m.fleet.Set(pidB, 0, 300)
	m.fleet.Set(pidC, 5, 5)
	every(0, runM, runN, runO)

	// A and C fall behind; another integration on the service pages in
	// the pattern of the monitor's keys from before job identities, about
	// C (the JavaScript monitor, say, still running beside the jobs).
	lookalike := incident.DedupKey(incident.Mismatch, pidC, day1)
	m.pd.OpenAlerts("critical", lookalike)
	m.fleet.Set(pidA, 0, 60)
	m.fleet.Set(pidC, 0, 500)
	every(5*time.Minute, runM, runN, runO)
	mA, oA := key(incident.Mismatch, pidA), incident.ProcessKey(incident.Mismatch, pidA, ownerOf("other-org/ao-watch", ".pagerduty-state.json"), day1)
	nC := incident.ProcessKey(incident.Mismatch, pidC, ownerOf("acme/ao-monitoring", "n.json"), day1)
	for _, k := range []string{mA, oA, nC, legacyB} {
		if !slices.Contains(m.pd.Open(), k) {
			t.Fatalf("%s not open after the first round: %v", k, m.pd.Open())
		}
	}
	older, err := os.ReadFile(filepath.Join(n.ws, "n.json"))
	if err != nil {
		t.Fatal(err)
	}

	// A responder acknowledges M's page for A; A falls further behind.
	m.pd.Acknowledge(mA)
	m.fleet.Set(pidA, 0, 300)
	every(5*time.Minute, runM, runN, runO)

	// A person merges O's incident for A into M's, and opens one by hand
	// into which N's page for C goes; M's state file is lost, N's restored
	// from its first pass.
	m.pd.Merge(m.pd.IncidentOf(mA), oA)
	m.pd.Merge(m.pd.OpenByHand(), nC)
	m.deleteState()
	writeFile(t, n.ws, "n.json", string(older))
	every(5*time.Minute, runM, runN, runO)
	if got := len(m.pd.Accepted()); got == 0 {
		t.Fatal("no event at all")
	}

	// Everything recovers.
	m.fleet.Set(pidA, 300, 300)
	m.fleet.Set(pidB, 300, 300)
	m.fleet.Set(pidC, 500, 500)
	every(5*time.Minute, runM, runN, runO)
	every(5*time.Minute, runM, runN, runO)

	endsClean(t, m, mA, oA, nC, legacyB)
	if open := m.pd.Open(); len(open) != 1 || open[0] != lookalike {
		t.Errorf("open at the end %v, want the other integration's %s only", open, lookalike)
	}
	for _, ev := range m.pd.Accepted() {
		if ev.DedupKey == lookalike {
			t.Errorf("an event was sent for another integration's key: %s", ev.EventAction)
		}
	}
	for _, inc := range m.pd.OpenIncidents() {
		if !slices.Equal(inc.Open, []string{lookalike}) {
			t.Errorf("incident %s still open, holding %v", inc.ID, inc.Open)
		}
	}
}

// mustPass runs one pass of h and fails the test if it fails its step.
func mustPass(t *testing.T, h *harness, in map[string]string) runResult {
	t.Helper()
	r := h.run(in)
	if r.exit != 0 {
		t.Fatalf("%s at %s: exit %d\n%s", h.repo, h.now.Format("15:04"), r.exit, r.stdout)
	}
	if strings.Contains(r.stdout, "check input pagerduty-service-id") {
		t.Errorf("%s at %s blamed pagerduty-service-id:\n%s", h.repo, h.now.Format("15:04"), r.stdout)
	}
	return r
}

// A person moves the job's one open incident to their team's service.
// The job still finds it there, by its key, and resolves it when its
// process recovers; one moved incident says nothing of the configuration.
func TestAPersonMovesTheJobsOnlyIncidentToAnotherService(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.fleet.Set(pidA, 0, 300)
	mustPass(t, h, in)
	k := key(incident.Mismatch, pidA)
	h.pd.Reassign(k, "PTEAM2")
	sent := len(h.pd.Accepted())
	for range 2 {
		h.now = h.now.Add(5 * time.Minute)
		if r := mustPass(t, h, in); r.outputs["open-count"] != "1" || len(h.pd.Accepted()) != sent {
			t.Errorf("open-count %s, %d events sent\n%s", r.outputs["open-count"], len(h.pd.Accepted())-sent, r.stdout)
		}
	}
	h.fleet.Set(pidA, 300, 300)
	h.now = h.now.Add(5 * time.Minute)
	mustPass(t, h, in)
	endsClean(t, h, k)
}
