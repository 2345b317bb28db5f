package action

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// A maintenance window begins after the job's key was held by an incident
// once that day: a person resolved it while its process was still behind,
// or the process recovered and fell behind again. PagerDuty accepts the
// trigger sent again and opens nothing, as for a key it never held: the
// pass says so, the state file holds still (nothing to commit each run),
// and the first pass after the window pages.
func TestMaintenanceWindowAfterTheKeyWasHeldOnce(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"a person resolved it", "the process recovered"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := h.withREST(map[string]string{"process-ids": pidA})
			k := key(incident.Mismatch, pidA)
			h.fleet.Set(pidA, 0, 300)
			h.run(in)
			if how == "a person resolved it" {
				h.pd.ResolveByHand(k)
			} else {
				h.fleet.Set(pidA, 300, 300)
				h.now = h.now.Add(5 * time.Minute)
				h.run(in)
				h.now = h.now.Add(5 * time.Minute)
				h.run(in)
				h.fleet.Set(pidA, 300, 600)
			}
			h.pd.Maintenance(true)
			h.now = h.now.Add(5 * time.Minute)
			h.run(in) // sends the trigger again, which PagerDuty drops
			state := h.stateFile()
			for pass := range 3 {
				h.now = h.now.Add(5 * time.Minute)
				r := h.run(in)
				if r.exit != 0 || r.outputs["state-changed"] != "false" || h.stateFile() != state {
					t.Errorf("pass %d: exit %d, state-changed %s: the state file must hold still\n%s", pass, r.exit, r.outputs["state-changed"], r.stdout)
				}
				said := "1 trigger accepted but no incident opened (service PSTANDIN is in a maintenance window)"
				if !strings.Contains(r.stdout, said) {
					t.Errorf("pass %d does not say what PagerDuty did:\n%s", pass, r.stdout)
				}
			}
			h.pd.Maintenance(false)
			h.now = h.now.Add(5 * time.Minute)
			h.run(in)
			if !slices.Contains(h.pd.Open(), k) {
				t.Fatalf("the first pass after the window did not page: open %v", h.pd.Open())
			}
		})
	}
}
