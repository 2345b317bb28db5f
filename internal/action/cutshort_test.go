package action

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/state"
)

// A pass cut short (deadline or SIGTERM) while one state server hangs: the
// processes it holds are reported as not checked and change nothing; what
// was decided for the others is still sent; the state is saved; the step
// fails and says why. The cut comes when C's first request arrives: with
// one worker, A and B are checked by then, however slow the machine.
func TestCutShortPassChangesNothingForTheUnchecked(t *testing.T) {
	t.Parallel()
	for name, why := range map[string]error{
		"deadline": context.DeadlineExceeded,
		"SIGTERM":  context.Canceled,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.fleet.Set(pidA, 0, 60) // behind: opens an incident
			h.fleet.Set(pidB, 0, 0)  // fine
			h.fleet.Set(pidC, 0, 80)
			h.fleet.Break(pidC, aotest.Hang, aotest.OK)
			// C already has an open incident and a failure count: neither may move.
			open := incident.Incident{ProcessID: pidC, Type: incident.Mismatch, DedupKey: incident.DedupKey(incident.Mismatch, pidC, day1),
				Severity: "error", Since: day1.Add(-time.Hour)}
			prev := incident.State{Open: incident.Open{open.DedupKey: open}, Failing: map[string]int{}}
			os.WriteFile(filepath.Join(h.ws, ".pagerduty-state.json"), state.Encode(prev, nil), 0o644)

			ctx, cut := context.WithCancelCause(context.Background())
			defer cut(nil)
			h.fleet.BeforeEach = func(r *http.Request) {
				if strings.Contains(r.URL.String(), pidC) {
					cut(why)
				}
			}
			// A pass that ignored the cut would wait out the one-minute
			// request timeout and report C as failed, not as not checked.
			r := h.runCtx(ctx, map[string]string{"request-timeout": "1m", "max-retries": "0", "concurrency": "1"})
			if r.exit != 1 || !strings.Contains(r.stdout, "Pass cut short") || !strings.Contains(r.stdout, "1 of 3 processes were not checked") {
				t.Fatalf("exit %d\n%s", r.exit, r.stdout)
			}
			if got := h.pd.Open(); len(got) != 1 || !strings.Contains(got[0], pidA) {
				t.Errorf("PagerDuty open = %v, want A's new incident, sent within the grace", got)
			}
			for _, ev := range h.pd.Accepted() {
				if strings.Contains(ev.DedupKey, pidC) {
					t.Errorf("an event was sent for the unchecked process: %+v", ev)
				}
			}
			st := h.stateFile()
			if !strings.Contains(st, open.DedupKey) || !strings.Contains(st, "nonce-monitor-mismatch-"+pidA) {
				t.Errorf("state:\n%s", st)
			}
			if r.outputs["error-count"] != "0" {
				t.Errorf("error-count = %s: an unchecked process is not a failing one", r.outputs["error-count"])
			}
			var report struct {
				Processes []struct{ ProcessID, Status string } `json:"processes"`
			}
			data, _ := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-report.json"))
			json.Unmarshal(data, &report)
			for _, p := range report.Processes {
				if p.ProcessID == pidC && p.Status != "not-checked" {
					t.Errorf("report file: C is %q", p.Status)
				}
			}
			if !strings.Contains(r.summary, "1 not checked (pass cut short)") {
				t.Errorf("summary:\n%s", r.summary)
			}
		})
	}
}

// A pass cut short before any check ended decided nothing: it counts no
// process as checked, writes no (empty) state file, and reports no change.
func TestCutShortPassWritesNothingItDidNotDecide(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 0, 0)
		h.fleet.Break(pid, aotest.Hang, aotest.OK)
	}
	// Cut when the first request arrives: no check can have ended.
	ctx, cut := context.WithCancelCause(context.Background())
	defer cut(nil)
	h.fleet.BeforeEach = func(*http.Request) { cut(context.DeadlineExceeded) }
	r := h.runCtx(ctx, map[string]string{"request-timeout": "1m", "max-retries": "0"})
	if r.exit != 1 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if r.outputs["checked-count"] != "0" || r.outputs["state-changed"] != "false" {
		t.Errorf("checked-count %s, state-changed %s; want 0 and false", r.outputs["checked-count"], r.outputs["state-changed"])
	}
	if _, err := os.Stat(filepath.Join(h.ws, ".pagerduty-state.json")); err == nil {
		t.Errorf("an empty state file was written:\n%s", h.stateFile())
	}
}

// A pass cancelled (SIGTERM) during the second look at a host that stopped
// answering: whether the host came back is unknown, so its processes are
// not checked and page nothing; the others are decided as usual. (The pass
// deadline never cuts the look: it ends before, lookReserve.)
func TestCutShortDuringTheSecondLookPagesNothingForTheHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	down := aotest.Start()
	t.Cleanup(down.Close)
	down.StateDown(true)
	h.fleet.Set(pidA, 0, 60) // behind: opens an incident
	var entries []string
	for i := range 3 {
		pid := fmt.Sprintf("D%042d", i)
		h.fleet.Set(pid, 5, 5)
		entries = append(entries, fmt.Sprintf("%q: %q", pid, down.State.URL))
	}
	os.WriteFile(filepath.Join(h.ws, "map.json"), []byte("{"+strings.Join(entries, ",")+"}"), 0o644)
	ctx, cut := context.WithCancelCause(context.Background())
	defer cut(nil)
	down.BeforeEach = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/~meta@1.0/info/address") {
			cut(context.DeadlineExceeded)
		}
	}
	r := h.runCtx(ctx, map[string]string{"process-ids": pidA, "process-map-file": "map.json", "max-retries": "0"})
	if !strings.Contains(r.stdout, "3 of 4 processes were not checked") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if got := h.pd.Open(); len(got) != 1 || !strings.Contains(got[0], pidA) {
		t.Errorf("PagerDuty open = %v, want only A's incident", got)
	}
}

// A host down for the whole pass, whose second look the pass deadline would
// cut: the look ends before the deadline and the host is down, paged. Were
// the look cut, its processes would be not checked in every pass whose
// deadline falls within the look (a short pass-timeout, a long fleet), and
// a dead host would never page. Here its reads are refused and its probe
// hangs until the client gives up: only the pass deadline, real, ends the
// look.
func TestTheSecondLookEndsBeforeThePassDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	down := aotest.Start()
	t.Cleanup(down.Close)
	down.StateDown(true)
	down.BeforeEach = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/~meta@1.0/info/address") {
			<-r.Context().Done()
		}
	}
	var entries []string
	for i := range 3 {
		pid := fmt.Sprintf("D%042d", i)
		h.fleet.Set(pid, 5, 5)
		entries = append(entries, fmt.Sprintf("%q: %q", pid, down.State.URL))
	}
	os.WriteFile(filepath.Join(h.ws, "map.json"), []byte("{"+strings.Join(entries, ",")+"}"), 0o644)
	// Room for the checks (refused at once) and some look before the
	// reserve; the deadline itself is what a look that ignored it meets.
	ctx, cancel := context.WithTimeout(context.Background(), lookReserve+3*time.Second)
	defer cancel()
	r := h.runCtx(ctx, map[string]string{"process-ids": "", "process-map-file": "map.json", "max-retries": "0", "request-timeout": "1m", "group-threshold": "2"})
	if strings.Contains(r.stdout, "not checked") || !strings.Contains(r.stdout, "it is down") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if got := h.pd.Open(); len(got) != 1 || !strings.Contains(got[0], "nonce-monitor-server-") {
		t.Errorf("PagerDuty open = %v, want the dead host's server incident", got)
	}
}
