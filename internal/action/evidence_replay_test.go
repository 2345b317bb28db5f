package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// A state server's outage recovering in steps (18 down, then 9, then 3,
// then none) is one page: the server incident stays open while any of its
// processes fails, none of them pages on its own, and it resolves once.
func TestReplayOutageRecoveringInSteps(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	o := outageOf18(t, h)
	for pass, failing := range []int{18, 9, 3, 0, 0} {
		if r := o.pass(pass, failing); r.exit != 0 && failing == 0 {
			t.Fatalf("pass %d: exit %d\n%s", pass, r.exit, r.stdout)
		}
	}
	key := incident.GroupKey(incident.Server, mustHost(t, o.server.State.URL), testOwner, day1)
	if diff := cmp.Diff(map[string]int{key: 1}, h.pd.Opened()); diff != "" {
		t.Errorf("incidents opened over the recovery (-want +got):\n%s", diff)
	}
	if open := h.pd.Open(); len(open) != 0 {
		t.Errorf("still open after the recovery: %v", open)
	}
}

// An outage that leaves one process broken on its own: the node answers
// every other process, so the server incident resolves and that process is
// paged once on its own; nothing is paged again on the next pass.
func TestReplayOutageLeavesOneBrokenProcess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	server := aotest.Start()
	t.Cleanup(server.Close)
	var pids, lines []string
	for i := range 18 {
		pid := fmt.Sprintf("S%042d", i)
		pids = append(pids, pid)
		lines = append(lines, pid+" "+server.State.URL)
	}
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	in := map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "group-threshold": "10", "max-retries": "0"}
	for pass, failing := range []int{18, 1, 1} {
		h.now = day1.Add(time.Duration(pass) * 5 * time.Minute)
		for i, pid := range pids {
			h.fleet.Set(pid, 100, 100)
			server.Set(pid, 100, 100)
			if i < failing {
				server.Break(pid, aotest.Status500, aotest.OK)
			}
		}
		h.run(in)
	}
	serverKey := incident.GroupKey(incident.Server, mustHost(t, server.State.URL), testOwner, day1)
	lone := incident.ProcessKey(incident.Unreadable, pids[0], testOwner, day1)
	if diff := cmp.Diff(map[string]int{serverKey: 1, lone: 1}, h.pd.Opened()); diff != "" {
		t.Errorf("incidents opened (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{lone}, h.pd.Open()); diff != "" {
		t.Errorf("open at the end (-want +got):\n%s", diff)
	}
}

// outage18 is 18 processes on a state server of their own, passes five
// minutes apart; in each, the first `failing` of them answer 500.
type outage18 struct {
	h      *harness
	server *aotest.Fleet
	pids   []string
	in     map[string]string
}

func outageOf18(t *testing.T, h *harness) outage18 {
	o := outage18{h: h, server: aotest.Start(),
		in: map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "group-threshold": "10", "max-retries": "0"}}
	t.Cleanup(o.server.Close)
	var lines []string
	for i := range 18 {
		pid := fmt.Sprintf("S%042d", i)
		o.pids = append(o.pids, pid)
		lines = append(lines, pid+" "+o.server.State.URL)
	}
	if err := os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o outage18) pass(n, failing int) runResult {
	o.h.now = day1.Add(time.Duration(n) * 5 * time.Minute)
	for i, pid := range o.pids {
		o.h.fleet.Set(pid, 100, 100)
		o.server.Set(pid, 100, 100)
		if i < failing {
			o.server.Break(pid, aotest.Status500, aotest.OK)
		}
	}
	return o.h.run(o.in)
}

// A run gap longer than the history window does not resolve a stuck
// incident whose slot never moved; the slot moving does.
func TestReplayRunGapKeepsAStuckIncident(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := map[string]string{"process-ids": pidA, "stuck-after": "20m"}
	key := incident.ProcessKey(incident.Stuck, pidA, testOwner, day1)
	at := day1
	pass := func(state, su int64) runResult {
		h.now = at
		h.fleet.Set(pidA, state, su)
		r := h.run(in)
		if r.exit != 0 {
			t.Fatalf("%s: exit %d\n%s", at, r.exit, r.stdout)
		}
		return r
	}
	for i := range 6 { // frozen at 1000 while the scheduler moves: stuck after 20 minutes
		pass(1000, 1000+int64(i))
		at = at.Add(5 * time.Minute)
	}
	if diff := cmp.Diff([]string{key}, h.pd.Open()); diff != "" {
		t.Fatalf("before the gap (-want +got):\n%s", diff)
	}
	at = at.Add(65 * time.Minute) // the next scheduled run comes 70 minutes late
	for i := range 3 {
		pass(1000, 1010+int64(i))
		if diff := cmp.Diff([]string{key}, h.pd.Open()); diff != "" {
			t.Fatalf("%s, after the gap, the slot still frozen (-want +got):\n%s", at, diff)
		}
		at = at.Add(5 * time.Minute)
	}
	pass(1013, 1013)
	if open := h.pd.Open(); len(open) != 0 {
		t.Errorf("the slot moved, still open: %v", open)
	}
	if n := h.pd.Opened()[key]; n != 1 {
		t.Errorf("the stuck incident opened %d times", n)
	}
}

// A manual run with process-ids naming one of three paged processes holds
// the other two; the next scheduled pass pages nobody again.
func TestReplayManualRunHoldsWhatItDoesNotList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
	scheduled := map[string]string{"process-ids": "", "process-ids-file": "ids.txt"}
	manual := map[string]string{"process-ids": pidA}
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 700, 1000)
	}
	h.run(scheduled)
	if len(h.pd.Open()) != 3 {
		t.Fatalf("open after the scheduled pass: %v", h.pd.Open())
	}
	h.now = day1.Add(2 * time.Minute)
	r := h.run(manual)
	if r.exit != 0 || len(h.pd.Open()) != 3 {
		t.Fatalf("the manual run closed what it did not list: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	if !strings.Contains(r.stdout, "incidents of processes not listed are held") || !strings.Contains(r.summary, "incidents of processes not listed are held") {
		t.Errorf("the manual run does not say, in the log and the summary, that it holds what it does not list:\n%s\n%s", r.stdout, r.summary)
	}
	h.now = day1.Add(5 * time.Minute)
	h.run(scheduled)
	for key, n := range h.pd.Opened() {
		if n != 1 {
			t.Errorf("%s opened %d times", key, n)
		}
	}
	if len(h.pd.Open()) != 3 {
		t.Errorf("open after the next scheduled pass: %v", h.pd.Open())
	}
}

// Moving from one job to two shards orphans nothing: each shard adopts its
// processes' incidents from the one job's file, says so, and resolves them
// when they recover.
func TestReplayShardLayoutChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 700, 1000)
	}
	h.run(nil)
	if len(h.pd.Open()) != 3 {
		t.Fatalf("open after the one job's pass: %v", h.pd.Open())
	}
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 1000, 1000)
	}
	h.now = day1.Add(5 * time.Minute)
	adopted := 0
	for _, shard := range []string{"1/2", "2/2"} {
		r := h.run(map[string]string{"shard": shard})
		if r.exit != 0 {
			t.Fatalf("shard %s: exit %d\n%s", shard, r.exit, r.stdout)
		}
		var n int
		if _, err := fmt.Sscanf(after(r.stdout, "is new: adopted "), "%d", &n); err == nil {
			adopted += n
		}
	}
	if adopted != 3 {
		t.Errorf("the shards adopted %d incidents, want 3", adopted)
	}
	if open := h.pd.Open(); len(open) != 0 {
		t.Errorf("orphaned by the new layout: %v", open)
	}
}

// A state file a shard wrote is refused, by name, by another shard.
func TestStateFileOfAnotherShardIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 1000, 1000)
	}
	if r := h.run(map[string]string{"shard": "1/2", "state-file": "shared.json"}); r.exit != 0 {
		t.Fatalf("shard 1: exit %d\n%s", r.exit, r.stdout)
	}
	r := h.run(map[string]string{"shard": "2/2", "state-file": "shared.json"})
	if r.exit == 0 || !strings.Contains(r.stdout, "state-file") || !strings.Contains(r.stdout, "written by shard 1/2") {
		t.Errorf("shard 2 used shard 1's state file: exit %d\n%s", r.exit, r.stdout)
	}
}

// A state file from a newer version: what this version knows is acted on
// (a recovered process resolves), everything else is kept.
func TestReplayStateFileFromANewerVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := incident.ProcessKey(incident.Mismatch, pidA, testOwner, day1)
	newer := `{
  "version": 3,
  "incidents": [
    {"process_id": "` + pidA + `", "type": "mismatch", "dedup_key": "` + key + `", "severity": "error", "since": "2026-11-22T11:00:00Z", "incident_number": 7},
    {"process_id": "` + pidB + `", "type": "drifting", "dedup_key": "nonce-monitor-drifting-b", "severity": "warning", "since": "2026-11-22T11:00:00Z"},
    {"process_id": "` + pidC + `", "type": "server", "dedup_key": "broken", "since": "2026-11-22T11:00:00Z"}
  ],
  "routing": {"escalation": "night"}
}
`
	os.WriteFile(filepath.Join(h.ws, ".pagerduty-state.json"), []byte(newer), 0o644)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 1000, 1000)
	}
	r := h.run(nil)
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	accepted := h.pd.Accepted()
	if len(accepted) != 1 || accepted[0].DedupKey != key || accepted[0].EventAction != "resolve" {
		t.Errorf("events sent: %+v", accepted)
	}
	if !strings.Contains(r.stdout, "incident 2") {
		t.Errorf("the broken entry is not named:\n%s", r.stdout)
	}
	saved := h.stateFile()
	for _, want := range []string{`"version": 3`, `"type": "drifting"`, `"escalation": "night"`} {
		if !strings.Contains(saved, want) {
			t.Errorf("the state file lost %s:\n%s", want, saved)
		}
	}
}

// after returns what follows the first sep in s ("" if none).
func after(s, sep string) string {
	_, rest, _ := strings.Cut(s, sep)
	return rest
}

// Two shards with processes on one state server each open their own server
// incident; one shard's recovery resolves its own, never the other's.
func TestShardsNeverResolveEachOthersPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	server := aotest.Start()
	t.Cleanup(server.Close)
	shard := map[int][]string{}
	var lines []string
	for i := 0; len(shard[1]) < 15 || len(shard[2]) < 15; i++ {
		pid := fmt.Sprintf("T%042d", i)
		n := 2
		if (config.Shard{Index: 1, Count: 2}).Holds(pid) {
			n = 1
		}
		if len(shard[n]) == 15 {
			continue
		}
		shard[n] = append(shard[n], pid)
		lines = append(lines, pid+" "+server.State.URL)
	}
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	set := func(n int, behind int64) {
		for _, pid := range shard[n] {
			h.fleet.Set(pid, 1000-behind, 1000)
			server.Set(pid, 1000-behind, 1000)
		}
	}
	in := func(s string) map[string]string {
		return map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "group-threshold": "10", "shard": s}
	}
	set(1, 300)
	set(2, 300)
	h.run(in("1/2"))
	h.run(in("2/2"))
	host := mustHost(t, server.State.URL)
	key1 := incident.GroupKey(incident.Server, host, "shard-1-of-2-"+testOwner, day1)
	key2 := incident.GroupKey(incident.Server, host, "shard-2-of-2-"+testOwner, day1)
	if diff := cmp.Diff([]string{key1, key2}, h.pd.Open()); diff != "" {
		t.Fatalf("open after both shards (-want +got):\n%s", diff)
	}
	set(1, 0)
	h.now = day1.Add(5 * time.Minute)
	h.run(in("1/2"))
	r := h.run(in("2/2"))
	if diff := cmp.Diff([]string{key2}, h.pd.Open()); diff != "" {
		t.Errorf("shard 1 recovered (-want +got):\n%s", diff)
	}
	if r.outputs["open-count"] != "15" {
		t.Errorf("shard 2's open-count = %s, want 15 (one per covered process)", r.outputs["open-count"])
	}
}

// The Events API's full endpoint pasted as pagerduty-events-url pages as
// its base does (it posted to …/v2/enqueue/v2/enqueue, a 404 every run).
func TestEventsURLWithEnqueuePages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 100)
	h.fleet.Set(pidB, 0, 0)
	h.fleet.Set(pidC, 0, 0)
	r := h.run(map[string]string{"pagerduty-events-url": h.pd.URL + "/v2/enqueue"})
	if r.exit != 0 || len(h.pd.Open()) != 1 {
		t.Errorf("exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
	}
}
