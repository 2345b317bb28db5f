package action

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// The pass read against the answers the servers really send
// (docs/ao-endpoints.md): a failure is charged to whoever
// produced it, and a host is down only when it does not answer.

// reportStatuses is each process's status in the report file.
func reportStatuses(t *testing.T, h *harness) map[string]string {
	t.Helper()
	var f struct {
		Processes []struct {
			ProcessID string `json:"process_id"`
			Status    string `json:"status"`
		} `json:"processes"`
	}
	raw, err := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range f.Processes {
		out[p.ProcessID] = p.Status
	}
	return out
}

// triggeredTypes is "type subject" of every trigger PagerDuty accepted.
func triggeredTypes(h *harness) []string {
	var out []string
	for _, ev := range h.pd.Accepted() {
		if ev.EventAction == "trigger" {
			out = append(out, strings.TrimPrefix(ev.DedupKey, "nonce-monitor-"))
		}
	}
	sort.Strings(out)
	return out
}

// The first reproduction: concurrency 1, K0's computation failed
// (500 HTML), K1 in step, K2 240 slots behind. The node is up.
func TestABrokenProcessDoesNotTakeItsNodeDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	k0, k1, k2 := "K0"+strings.Repeat("0", 41), "K1"+strings.Repeat("0", 41), "K2"+strings.Repeat("0", 41)
	h.fleet.Set(k0, 100, 100)
	h.fleet.Break(k0, aotest.Status500, aotest.OK)
	h.fleet.Set(k1, 100, 100)
	h.fleet.Set(k2, 100, 340)
	r := h.run(map[string]string{"process-ids": k0 + "\n" + k1 + "\n" + k2, "concurrency": "1"})
	want := map[string]string{k0: "error", k1: "ok", k2: "behind"}
	if diff := cmp.Diff(want, reportStatuses(t, h)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s\n%s", diff, r.stdout)
	}
	if strings.Contains(r.stdout, "not asked") {
		t.Errorf("a host that answers was taken for down:\n%s", r.stdout)
	}
	if diff := cmp.Diff([]string{"error-" + k0 + "-" + testOwner + "-20261122", "mismatch-" + k2 + "-" + testOwner + "-20261122"}, triggeredTypes(h)); diff != "" {
		t.Errorf("triggers (-want +got):\n%s", diff)
	}
	// A per-process 500 is looked at twice, no more.
	if n := h.fleet.Requests("state"); n != 4 {
		t.Errorf("%d state requests for 3 processes, one of them failing: want 4 (one retry)", n)
	}
}

// The second: fifty processes on one node, the five listed first
// answer 500 at once. No host down, no server incident, the 45 checked.
func TestFiveBrokenAmongFiftyOpenNoServerIncident(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for i := range 50 {
		pid := fmt.Sprintf("F%042d", i)
		h.fleet.Set(pid, 7, 7)
		if i < 5 {
			h.fleet.Break(pid, aotest.Status500, aotest.OK)
		}
		ids = append(ids, pid)
	}
	// Twelve passes (an hour of five-minute runs) at the default
	// group-threshold, then one with grouping off.
	thresholds := []string{"10", "10", "10", "10", "10", "10", "10", "10", "10", "10", "10", "10", "0"}
	for pass, threshold := range thresholds {
		r := h.run(map[string]string{"process-ids": strings.Join(ids, "\n"), "concurrency": "5", "group-threshold": threshold})
		if r.outputs["error-count"] != "5" || strings.Contains(r.stdout, "not asked") {
			t.Fatalf("pass %d, group-threshold %s: error-count %s\n%s", pass+1, threshold, r.outputs["error-count"], r.stdout)
		}
	}
	for _, ev := range h.pd.Accepted() {
		if ev.EventAction != "trigger" {
			t.Errorf("%s %s: nothing was resolved, nothing should be", ev.EventAction, ev.DedupKey)
		}
	}
	for _, key := range triggeredTypes(h) {
		if !strings.HasPrefix(key, "error-F0000") {
			t.Errorf("unexpected incident %s", key)
		}
	}
	if n := len(triggeredTypes(h)); n != 5 {
		t.Errorf("%d incidents, want the 5 broken processes' own", n)
	}
}

// A node that is really down: behind a proxy answering 502 for it, or
// refusing connections. Then, and only then, its processes are "down".
func TestANodeReallyDown(t *testing.T) {
	t.Parallel()
	for _, tc := range []string{"gateway", "refused"} {
		t.Run(tc, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			down := aotest.Start()
			t.Cleanup(down.Close)
			url := down.State.URL
			down.StateBehindDeadProxy(true)
			if tc == "refused" {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				url = "http://" + l.Addr().String()
				l.Close()
			}
			var entries []string
			for i := range 12 {
				pid := fmt.Sprintf("D%042d", i)
				h.fleet.Set(pid, 5, 5)
				down.Set(pid, 5, 5)
				entries = append(entries, fmt.Sprintf("%q: %q", pid, url))
			}
			h.fleet.Set(pidA, 5, 5)
			os.WriteFile(filepath.Join(h.ws, "map.json"), []byte("{"+strings.Join(entries, ",")+"}"), 0o644)
			r := h.run(map[string]string{"process-ids": pidA, "process-map-file": "map.json", "concurrency": "2", "max-retries": "1"})
			if r.outputs["error-count"] != "12" || !strings.Contains(r.stdout, "down: not asked") || !strings.Contains(r.stdout, "✓ "+pidA) {
				t.Fatalf("error-count %s\n%s", r.outputs["error-count"], r.stdout)
			}
			if keys := triggeredTypes(h); len(keys) != 1 || !strings.HasPrefix(keys[0], "server-") {
				t.Errorf("triggers %v, want one server incident", keys)
			}
		})
	}
}

// An SU behind the router that refuses connections, while other SUs work:
// its processes fail naming that SU; the others, and the router, are fine.
func TestAnSUBehindTheRouterRefusing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadSU := l.Addr().String()
	l.Close()
	h.fleet.Set(pidA, 5, 5)
	h.fleet.Set(pidB, 5, 5)
	h.fleet.Set(pidC, 5, 5)
	h.fleet.PlaceOn(pidC, "http://"+deadSU)
	r := h.run(map[string]string{"max-retries": "1"})
	want := map[string]string{pidA: "ok", pidB: "ok", pidC: "error"}
	if diff := cmp.Diff(want, reportStatuses(t, h)); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s\n%s", diff, r.stdout)
	}
	if !strings.Contains(r.stdout, "scheduler "+deadSU+": unreachable") {
		t.Errorf("the failure must name the SU's own host %s:\n%s", deadSU, r.stdout)
	}
}

// A process with no messages yet: the SU's 400 "Latest message not
// available" beside a state slot 0 is in step.
func TestAProcessWithNoMessagesIsInStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 0)
	h.fleet.Break(pidA, aotest.OK, aotest.NoMessages)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 || r.outputs["error-count"] != "0" || reportStatuses(t, h)[pidA] != "ok" || len(h.pd.Accepted()) != 0 {
		t.Fatalf("exit %d, error-count %s, events %d\n%s", r.exit, r.outputs["error-count"], len(h.pd.Accepted()), r.stdout)
	}
}
