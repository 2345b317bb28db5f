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
