package action

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// replayPass is one scheduled run of a replay: when it starts (late and missed
// runs included) and what each process's two nonces are then.
type replayPass struct {
	at    time.Duration // after the replay's start
	nonce map[string][2]int64
}

func (h *harness) replay(t *testing.T, start time.Time, passes []replayPass, in map[string]string) []runResult {
	t.Helper()
	var out []runResult
	for _, p := range passes {
		h.now = start.Add(p.at)
		for pid, n := range p.nonce {
			h.fleet.Set(pid, n[0], n[1])
		}
		r := h.run(in)
		if r.exit != 0 {
			t.Fatalf("pass at +%s: exit %d\n%s", p.at, r.exit, r.stdout)
		}
		out = append(out, r)
	}
	return out
}

// A node restarts from a lower slot and catches up: with catch-up-grace it
// pages nobody (the summary says why); without, it pages and resolves.
func TestReplayNodeRestartCatchesUp(t *testing.T) {
	t.Parallel()
	passes := []replayPass{
		{0, map[string][2]int64{pidA: {1000, 1000}}},
		{5 * time.Minute, map[string][2]int64{pidA: {1010, 1010}}},
		{10 * time.Minute, map[string][2]int64{pidA: {1020, 1020}}},
		{15 * time.Minute, map[string][2]int64{pidA: {880, 1030}}},  // restarted: 150 behind
		{20 * time.Minute, map[string][2]int64{pidA: {960, 1040}}},  // 80 behind, closing 14 a minute
		{26 * time.Minute, map[string][2]int64{pidA: {1050, 1052}}}, // the 25-minute run was late
	}
	in := map[string]string{"process-ids": pidA, "catch-up-grace": "15m"}

	h := newHarness(t)
	runs := h.replay(t, day1, passes, in)
	if n := len(h.pd.Accepted()); n != 0 {
		t.Errorf("with catch-up-grace, %d events were sent: %+v", n, h.pd.Accepted())
	}
	if !strings.Contains(runs[3].summary, "Not paged yet: catching up") || !strings.Contains(runs[3].summary, "↺ restarted") ||
		!strings.Contains(runs[4].summary, "↘ catching up, ~6 min") {
		t.Errorf("the summaries do not say why nobody was paged:\n%s\n%s", runs[3].summary, runs[4].summary)
	}

	h = newHarness(t)
	delete(in, "catch-up-grace")
	h.replay(t, day1, passes, in)
	got := h.pd.Accepted()
	if len(got) != 2 || got[0].EventAction != "trigger" || got[1].EventAction != "resolve" || got[0].DedupKey != key(incident.Mismatch, pidA) {
		t.Errorf("without catch-up-grace: %+v", got)
	}
}

// A node frozen below the threshold while its scheduler keeps assigning: a
// stuck page within stuck-after plus one pass (missed and late runs in
// between), resolved when it moves again.
func TestReplayFrozenNodeBelowTheThreshold(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	passes := []replayPass{
		{0, map[string][2]int64{pidB: {500, 500}}},
		{5 * time.Minute, map[string][2]int64{pidB: {500, 510}}},
		{10 * time.Minute, map[string][2]int64{pidB: {500, 520}}},
		// the 15-minute run was skipped
		{21 * time.Minute, map[string][2]int64{pidB: {500, 542}}}, // 42 behind: under the threshold
		{26 * time.Minute, map[string][2]int64{pidB: {552, 552}}}, // it moves again
	}
	runs := h.replay(t, day1, passes, map[string]string{"process-ids": pidB, "stuck-after": "20m"})
	got := h.pd.Accepted()
	stuckKey := key(incident.Stuck, pidB)
	if len(got) != 2 || got[0].EventAction != "trigger" || got[0].DedupKey != stuckKey || got[1].EventAction != "resolve" {
		t.Fatalf("events %+v", got)
	}
	if !strings.Contains(got[0].Payload.Summary, "stuck at slot 500 for 21 min") || got[0].Payload.CustomDetails["trend"] != "stuck" {
		t.Errorf("the stuck page: %+v", got[0].Payload)
	}
	if runs[3].outputs["stuck-count"] != "1" || runs[3].outputs["behind-count"] != "0" || !strings.Contains(runs[3].summary, "⏸ stuck 21 min") {
		t.Errorf("outputs %v\n%s", runs[3].outputs, runs[3].summary)
	}
	// The report file carries the trend.
	var report struct {
		Processes []struct {
			Trend      string  `json:"trend"`
			SURate     float64 `json:"su_rate"`
			StuckSince string  `json:"stuck_since"`
		} `json:"processes"`
	}
	data, _ := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-report.json"))
	json.Unmarshal(data, &report)
	if p := report.Processes[0]; p.Trend != "steady" && p.Trend != "catching-up" {
		t.Errorf("after it moved, the report file says %+v", p)
	}
	// The history file stays beside the state file, never in it.
	if strings.Contains(h.stateFile(), "samples") {
		t.Error("the history leaked into the state file")
	}
	if _, err := os.Stat(filepath.Join(h.ws, ".nonce-monitor-history.json")); err != nil {
		t.Error(err)
	}
}

// A corrupt history is a warning and a fresh start, never a failure.
func TestCorruptHistoryIsAFreshStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 5, 5)
	os.WriteFile(filepath.Join(h.ws, ".nonce-monitor-history.json"), []byte("{not json"), 0o644)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 || !strings.Contains(r.stdout, "history file .nonce-monitor-history.json is unusable") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	b, _ := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-history.json"))
	if !strings.Contains(string(b), pidA) {
		t.Errorf("history not rewritten: %s", b)
	}
}
