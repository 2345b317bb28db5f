package action

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// A manual run with the REST API key and process-ids naming one of three
// paged processes: it adopts nothing it could resolve, and holds the other
// two, whether or not the state file is there.
func TestManualRunWithTheKeyHoldsWhatItDoesNotList(t *testing.T) {
	for _, lose := range []bool{false, true} {
		t.Run(map[bool]string{false: "state file kept", true: "state file lost"}[lose], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
			scheduled := h.withREST(map[string]string{"process-ids": "", "process-ids-file": "ids.txt"})
			manual := h.withREST(map[string]string{"process-ids": pidA})
			for _, pid := range []string{pidA, pidB, pidC} {
				h.fleet.Set(pid, 700, 1000)
			}
			h.run(scheduled)
			if len(h.pd.Open()) != 3 {
				t.Fatalf("open after the scheduled pass: %v", h.pd.Open())
			}
			if lose {
				h.deleteState()
			}
			h.now = day1.Add(2 * time.Minute)
			r := h.run(manual)
			if len(h.pd.Open()) != 3 {
				t.Errorf("the manual run closed what it did not list: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
			}
		})
	}
}

// The same with a server incident: a manual run that lists one of the
// server's three failing processes, which has recovered, holds the group it
// cannot see whole.
func TestManualRunWithTheKeyHoldsAGroupItDoesNotSeeWhole(t *testing.T) {
	for _, lose := range []bool{false, true} {
		t.Run(map[bool]string{false: "state file kept", true: "state file lost"}[lose], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
			scheduled := h.withREST(map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "group-threshold": "2"})
			manual := h.withREST(map[string]string{"process-ids": pidA, "group-threshold": "2"})
			for _, pid := range []string{pidA, pidB, pidC} {
				h.fleet.Set(pid, 7, 7)
				h.fleet.Break(pid, aotest.Status500, aotest.OK)
			}
			h.run(scheduled)
			open := h.pd.Open()
			if len(open) != 1 || !strings.Contains(open[0], "-server-") {
				t.Fatalf("open after the scheduled pass: %v", open)
			}
			if lose {
				h.deleteState()
			}
			h.fleet.Break(pidA, aotest.OK, aotest.OK) // the one listed recovers
			h.now = day1.Add(2 * time.Minute)
			r := h.run(manual)
			if !slices.Contains(h.pd.Open(), open[0]) {
				t.Errorf("the manual run resolved the server incident of processes it did not list: open %v\n%s", h.pd.Open(), r.stdout)
			}
		})
	}
}

// With the key, a dry run reads PagerDuty but sends nothing and writes no
// state; with pagerduty-enabled false, the REST API is not even read.
func TestTheKeyInADryRunOrWithPagerDutyOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 75)
	if r := h.run(h.withREST(map[string]string{"process-ids": pidA})); r.exit != 0 || len(h.pd.Open()) != 1 {
		t.Fatalf("first pass: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	h.deleteState()
	h.fleet.Set(pidA, 75, 75) // recovered: a real pass would resolve it
	sent, listed := len(h.pd.Accepted()), h.pd.RESTRequests()
	r := h.run(h.withREST(map[string]string{"process-ids": pidA, "dry-run": "true"}))
	if len(h.pd.Accepted()) != sent || h.pd.RESTRequests() == listed || len(h.pd.Open()) != 1 {
		t.Errorf("dry run: %d events sent, %d REST requests, open %v\n%s", len(h.pd.Accepted())-sent, h.pd.RESTRequests()-listed, h.pd.Open(), r.stdout)
	}
	if _, err := os.Stat(filepath.Join(h.ws, ".pagerduty-state.json")); err == nil {
		t.Error("a dry run wrote the state file")
	}
	listed = h.pd.RESTRequests()
	r = h.run(h.withREST(map[string]string{"process-ids": pidA, "pagerduty-enabled": "false"}))
	if len(h.pd.Accepted()) != sent || h.pd.RESTRequests() != listed {
		t.Errorf("pagerduty-enabled false: %d events sent, %d REST requests\n%s", len(h.pd.Accepted())-sent, h.pd.RESTRequests()-listed, r.stdout)
	}
}
