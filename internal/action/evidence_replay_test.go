package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
