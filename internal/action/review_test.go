package action

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// Two manual runs in a row (someone checks one process by hand, then checks
// it again) are both partial views: the second must not resolve the
// processes neither lists as removed.
func TestSecondManualRunHoldsWhatItDoesNotList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
	scheduled := map[string]string{"process-ids": "", "process-ids-file": "ids.txt"}
	manual := map[string]string{"process-ids": pidA}
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 700, 1000)
	}
	h.run(scheduled)
	for i := 1; i <= 2; i++ {
		h.now = day1.Add(time.Duration(i) * time.Minute)
		h.event = "workflow_dispatch"
		if r := h.run(manual); r.exit != 0 || len(h.pd.Open()) != 3 {
			t.Fatalf("manual run %d closed what it did not list: exit %d, open %v\n%s", i, r.exit, h.pd.Open(), r.stdout)
		}
	}
	h.now = day1.Add(5 * time.Minute)
	h.event = "schedule"
	if r := h.run(scheduled); r.exit != 0 || len(h.pd.Open()) != 3 || strings.Contains(r.stdout, "not listed are held") {
		t.Errorf("the scheduled pass after manual runs: exit %d, open %v, and it should be a full view:\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	for key, n := range h.pd.Opened() {
		if n != 1 {
			t.Errorf("%s opened %d times", key, n)
		}
	}
}

// A manual run checks part of the fleet; the history of the processes it
// does not list is theirs still. Wiping it would restart every unlisted
// process's stuck clock (and its catch-up trend) at the next scheduled pass.
func TestManualRunKeepsTheHistoryOfWhatItDoesNotList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"), 0o644)
	scheduled := map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "stuck-after": "20m"}
	manual := map[string]string{"process-ids": pidB, "stuck-after": "20m"}
	h.fleet.Set(pidB, 50, 50)
	for i := range 6 { // A frozen at 1000 while its scheduler moves
		h.now = day1.Add(time.Duration(i) * 5 * time.Minute)
		h.fleet.Set(pidA, 1000, 1000+int64(i))
		h.event = "schedule"
		if r := h.run(scheduled); r.exit != 0 {
			t.Fatalf("pass %d: exit %d\n%s", i, r.exit, r.stdout)
		}
		if i == 2 {
			h.now = h.now.Add(2 * time.Minute)
			h.event = "workflow_dispatch"
			h.run(manual)
		}
	}
	key := incident.ProcessKey(incident.Stuck, pidA, testOwner, day1)
	if diff := cmp.Diff([]string{key}, h.pd.Open()); diff != "" {
		t.Errorf("stuck for 25 minutes with stuck-after 20m, a manual run in between (-want +got):\n%s", diff)
	}
}

// The file inputs must differ however they are spelt: an absolute path
// inside the workspace (a common ${{ github.workspace }}/… in workflows)
// names the same file as its relative spelling, and the history must not
// be written over the state file.
func TestFileInputsDifferAsResolved(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 700, 1000)
	h.run(map[string]string{"process-ids": pidA})
	before := h.stateFile()
	if before == "" {
		t.Fatal("no state file after the first pass")
	}
	r := h.run(map[string]string{"process-ids": pidA, "history-file": filepath.Join(h.ws, ".pagerduty-state.json")})
	if r.exit == 0 || !strings.Contains(r.stdout, "history-file") {
		t.Errorf("history-file spelt as the state file's absolute path: exit %d\n%s", r.exit, r.stdout)
	}
	if after := h.stateFile(); after != before {
		t.Errorf("the state file was written over:\n%s", after)
	}
}

// Two jobs, each with its own state file and processes, share one
// PagerDuty service: with the REST API key, each reads the other's open
// incidents too, and must leave them to their owner (not adopt a page for
// a process it does not list, and resolve it as removed).
func TestJobsSharingAServiceLeaveEachOthersPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 1000, 1000)
	h.fleet.Set(pidB, 700, 1000)
	jobA := h.withREST(map[string]string{"process-ids": pidA, "state-file": "a.json"})
	jobB := h.withREST(map[string]string{"process-ids": pidB, "state-file": "b.json"})
	if r := h.run(jobB); r.exit != 0 || len(h.pd.Open()) != 1 {
		t.Fatalf("job B's pass: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	h.now = day1.Add(5 * time.Minute)
	if r := h.run(jobA); r.exit != 0 || len(h.pd.Open()) != 1 || strings.Contains(r.stdout, "adopted from PagerDuty") {
		t.Errorf("job A touched job B's page: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
	}
}

// A key on the service that looks like this monitor's but whose subject is
// not a process ID (another integration's, or a hostile sender's) is not
// this monitor's to adopt: its text would reach the log, the summary and
// the outputs as a "process".
func TestAForeignKeyIsNotAdoptedAsAProcess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 1000, 1000)
	hostile := "nonce-monitor-mismatch-<img src=x onerror=alert(1)>\n::error::forged | [x](https://evil.example)-20261122"
	h.pd.OpenAlerts("critical", hostile)
	r := h.run(h.withREST(map[string]string{"process-ids": pidA}))
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	for name, text := range map[string]string{"log": r.stdout, "summary": r.summary, "state file": h.stateFile(), "outputs": strings.Join(mapValues(r.outputs), "\n")} {
		if strings.Contains(text, "onerror") || strings.Contains(text, "evil.example") {
			t.Errorf("the foreign key's text reached the %s:\n%s", name, text)
		}
	}
	if open := h.pd.Open(); len(open) != 1 || open[0] != hostile {
		t.Errorf("the foreign alert was touched: open %q", open)
	}
}

// An open stuck incident is held while its process cannot be checked (as a
// mismatch is): a state server that fails to answer for the process is no
// evidence that its slot moved, so nothing resolves as recovered.
func TestAStuckIncidentIsHeldWhileItsProcessCannotBeChecked(t *testing.T) {
	t.Parallel()
	for _, threshold := range []string{"1", "2"} {
		t.Run("error-threshold="+threshold, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := map[string]string{"process-ids": pidA, "stuck-after": "20m", "pagerduty-error-threshold": threshold, "max-retries": "0"}
			key := incident.ProcessKey(incident.Stuck, pidA, testOwner, day1)
			for i := range 6 {
				h.now = day1.Add(time.Duration(i) * 5 * time.Minute)
				h.fleet.Set(pidA, 1000, 1000+int64(i))
				h.run(in)
			}
			if diff := cmp.Diff([]string{key}, h.pd.Open()); diff != "" {
				t.Fatalf("stuck for 25 minutes (-want +got):\n%s", diff)
			}
			h.fleet.Break(pidA, aotest.Status500, aotest.OK)
			h.now = day1.Add(30 * time.Minute)
			r := h.run(in)
			for _, ev := range h.pd.Accepted() {
				if ev.EventAction == "resolve" {
					t.Errorf("resolved %s while its process could not be checked:\n%s", ev.DedupKey, r.stdout)
				}
			}
			if !slices.Contains(h.pd.Open(), key) {
				t.Errorf("the stuck incident is not open any more: %v", h.pd.Open())
			}
		})
	}
}

// A manual run is a partial view for Slack too: the channel is not told
// that the processes the run does not list are no longer monitored, and the
// next scheduled pass does not announce them as newly behind again.
func TestManualRunTellsSlackNothingOfWhatItDoesNotList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sl := slacktest.Start()
	defer sl.Close()
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"), 0o644)
	common := map[string]string{"pagerduty-enabled": "false", "pagerduty-routing-key": "", "slack-webhook-url": sl.URL + "/services/T0/B0/x"}
	scheduled := map[string]string{"process-ids": "", "process-ids-file": "ids.txt"}
	manual := map[string]string{"process-ids": pidA}
	for k, v := range common {
		scheduled[k], manual[k] = v, v
	}
	h.fleet.Set(pidA, 1000, 1000)
	h.fleet.Set(pidB, 700, 1000)
	h.run(scheduled)
	if got := sl.Received(); len(got) != 1 {
		t.Fatalf("first pass: Slack got %+v", got)
	}
	h.now = day1.Add(2 * time.Minute)
	h.event = "workflow_dispatch"
	h.run(manual)
	h.now = day1.Add(5 * time.Minute)
	h.event = "schedule"
	h.run(scheduled)
	if got := sl.Received(); len(got) != 1 {
		t.Errorf("B stayed behind throughout; the channel was told more: %+v", got[1:])
	}
}

// A host whose processes fail in different ways that each point at
// configuration (two unknown, one redirecting) has not failed "the same
// way": each process is reported and paged for its own failure, and no
// configuration error is said for the host.
func TestMixedFailuresOnAHostAreNotAConfigurationError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.RedirectTo = "http://127.0.0.1:1/elsewhere"
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 5, 5)
	}
	h.fleet.Break(pidA, aotest.Unknown, aotest.OK)
	h.fleet.Break(pidB, aotest.Unknown, aotest.OK)
	h.fleet.Break(pidC, aotest.Redirect, aotest.OK)
	r := h.run(nil)
	if strings.Contains(r.stdout, "title=Configuration") || len(h.pd.Open()) != 3 {
		t.Errorf("open %v\n%s", h.pd.Open(), r.stdout)
	}
}
