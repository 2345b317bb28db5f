package action

// What a real HyperBEAM node's answers mean, end to end, against the
// stand-in that answers as the node does (aotest; the contract test holds
// the two together; the same situations run against the real node in
// realnode_test.go at the module's root).

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// A process the node holds with nothing computed yet answers -1: with
// nothing scheduled it is in step, and nobody is paged.
func TestNothingScheduledIsInStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, -1, 0)
	h.fleet.Break(pidA, aotest.OK, aotest.NoMessages)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 0 || reportStatuses(t, h)[pidA] != "ok" || len(h.pd.Accepted()) != 0 {
		t.Fatalf("exit %d, status %q, events %d\n%s", r.exit, reportStatuses(t, h)[pidA], len(h.pd.Accepted()), r.stdout)
	}
}

// A computation that fails shows once (the node's 500, to the request
// that ran it) and then hides behind the last good slot. The failure is
// paged with the node's reason, and stays the explanation on the passes
// after, though the node answers 200, until its slot moves past it.
func TestACrashStaysTheExplanationUntilTheSlotMovesPastIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 3, 3)
	h.fleet.CrashAt(pidA, 2)
	in := map[string]string{"process-ids": pidA}

	r := h.run(in)
	opened := decodeIncidents(t, r.outputs["triggered"])
	if len(opened) != 1 || opened[0].Type != "error" || opened[0].Error == nil ||
		!strings.Contains(*opened[0].Error, "{rt_crash_on_purpose,2}") || !strings.Contains(*opened[0].Error, "the last slot it kept is 1") {
		t.Fatalf("pass 1: want one error incident with the node's reason and the slot it kept, got %s\n%s", r.outputs["triggered"], r.stdout)
	}
	for pass := 2; pass <= 4; pass++ {
		h.now = h.now.Add(5 * time.Minute)
		r = h.run(in)
		if r.outputs["resolved-count"] != "0" || r.outputs["error-count"] != "1" || !strings.Contains(r.stdout, "still failing: the node has computed nothing past slot 1") {
			t.Fatalf("pass %d: the stale 200 after the 500 was taken for health: resolved %s, errors %s\n%s",
				pass, r.outputs["resolved-count"], r.outputs["error-count"], r.stdout)
		}
	}
	// Something computes it further (the process was fixed): recovered.
	h.fleet.Set(pidA, 3, 3)
	h.now = h.now.Add(5 * time.Minute)
	if r = h.run(in); r.outputs["resolved-count"] != "1" || len(h.pd.Open()) != 0 {
		t.Fatalf("after the slot moved past the failure: resolved %s, open %v\n%s", r.outputs["resolved-count"], h.pd.Open(), r.stdout)
	}
	assertNoDuplicates(t, h)
}

// The history file, which holds the note of a failed computation, is lost
// (an evicted cache) while the crash stands: the next passes read the
// node's last good slot with nothing to tell it from health. The error
// incident is not resolved on that read: it waits for the slot to move or
// the process to be in step.
func TestACrashOutlivesALostHistoryFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 3, 3)
	h.fleet.CrashAt(pidA, 2)
	in := map[string]string{"process-ids": pidA}
	if r := h.run(in); r.outputs["triggered-count"] != "1" {
		t.Fatalf("pass 1: %s\n%s", r.outputs["triggered"], r.stdout)
	}
	for pass := 2; pass <= 3; pass++ {
		if err := os.Remove(filepath.Join(h.ws, ".nonce-monitor-history.json")); err != nil && pass == 2 {
			t.Fatal(err)
		}
		h.now = h.now.Add(5 * time.Minute)
		r := h.run(in)
		if r.outputs["resolved-count"] != "0" || len(h.pd.Open()) != 1 {
			t.Fatalf("pass %d, the history lost: the last good slot was taken for recovery: resolved %s\n%s", pass, r.outputs["resolved"], r.stdout)
		}
	}
	h.fleet.Set(pidA, 3, 3) // computed past the failure
	h.now = h.now.Add(5 * time.Minute)
	if r := h.run(in); r.outputs["resolved-count"] != "1" || len(h.pd.Open()) != 0 {
		t.Fatalf("in step: resolved %s, open %v\n%s", r.outputs["resolved-count"], h.pd.Open(), r.stdout)
	}
}

// The monitor's own read of a process the node has not loaded starts a
// computation, which the node abandons when the read times out, keeping
// the slot it reached. That pass, and the passes after that read that
// slot back, the process is loading: no page, nothing resolved, and the
// read is never retried (a retry would restart the node's work). Once
// something computes it further, its reads are evidence again; one left
// where the monitor's request left it for an hour is read as it stands.
func TestASlotTheMonitorsAbandonedReadLeftIsLoading(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const cold = "L000000000000000000000000000000000000000000"
	h.fleet.Set(pidA, 5, 5) // the node answers others: it is up
	h.fleet.Set(cold, 0, 120)
	h.fleet.LoadsSlowly(cold, 55)
	in := map[string]string{"process-ids": pidA + "\n" + cold, "request-timeout": "500ms", "concurrency": "1"}

	r := h.run(in)
	if got := reportStatuses(t, h)[cold]; got != "loading" || len(h.pd.Accepted()) != 0 || r.outputs["error-count"] != "0" {
		t.Fatalf("pass 1: status %q, events %d\n%s", got, len(h.pd.Accepted()), r.stdout)
	}
	reads := h.fleet.Requests("state")
	for pass := 2; pass <= 3; pass++ {
		h.now = h.now.Add(5 * time.Minute)
		r = h.run(in)
		if got := reportStatuses(t, h)[cold]; got != "loading" || len(h.pd.Accepted()) != 0 || !strings.Contains(r.stdout, "loading: slot 55 so far") {
			t.Fatalf("pass %d: the partial slot the monitor's abandoned read left was taken as the node's progress: status %q, events %d\n%s",
				pass, got, len(h.pd.Accepted()), r.stdout)
		}
	}
	if n := h.fleet.Requests("state") - reads; n != 4 {
		t.Errorf("%d state reads in two passes of two processes, want 4 (none retried)", n)
	}
	// An hour on, nothing has computed it further: it is read as it stands,
	// 65 behind.
	h.now = h.now.Add(time.Hour)
	r = h.run(in)
	if got := reportStatuses(t, h)[cold]; got != "behind" || !slices.Contains(triggeredTypes(h), strings.TrimPrefix(key(incident.Mismatch, cold), "nonce-monitor-")) {
		t.Fatalf("an hour later: status %q, triggers %v\n%s", got, triggeredTypes(h), r.stdout)
	}
}

// A process the node had computed (an earlier pass read its slot) whose
// read then times out once, on a node slow for a moment: a read of a
// computed process starts no computation, so nothing was abandoned, and
// the slot read next is the node's own. A node stuck there, 100 behind, is
// paged at once, not an hour later.
func TestATimeoutOnAComputedProcessLeavesNoLoadingBehind(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const stuck = "K000000000000000000000000000000000000000000"
	h.fleet.Set(pidA, 5, 5)
	h.fleet.Set(stuck, 3, 3)
	in := map[string]string{"process-ids": pidA + "\n" + stuck, "request-timeout": "500ms", "concurrency": "1"}
	if r := h.run(in); reportStatuses(t, h)[stuck] != "ok" {
		t.Fatalf("pass 1: %q\n%s", reportStatuses(t, h)[stuck], r.stdout)
	}
	h.now = h.now.Add(5 * time.Minute)
	h.fleet.Set(stuck, 3, 103)
	h.fleet.Break(stuck, aotest.Hang, aotest.OK)
	if r := h.run(in); reportStatuses(t, h)[stuck] != "loading" || len(h.pd.Accepted()) != 0 {
		t.Fatalf("pass 2 (the read timed out): %q\n%s", reportStatuses(t, h)[stuck], r.stdout)
	}
	h.now = h.now.Add(5 * time.Minute)
	h.fleet.Set(stuck, 3, 103)
	r := h.run(in)
	if got := reportStatuses(t, h)[stuck]; got != "behind" || !slices.Contains(triggeredTypes(h), strings.TrimPrefix(key(incident.Mismatch, stuck), "nonce-monitor-")) {
		t.Fatalf("pass 3: status %q, triggers %v: the node's own slot was taken for one the monitor's read left\n%s", got, triggeredTypes(h), r.stdout)
	}
}

// A process whose every read times out while the node answers the others
// is loading for an hour, then failing: a node that never loads it is not
// hidden for ever.
func TestAProcessTheNodeNeverLoadsFailsAfterAnHour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const stuck = "S000000000000000000000000000000000000000000"
	h.fleet.Set(pidA, 5, 5)
	h.fleet.Set(stuck, 5, 5)
	h.fleet.Break(stuck, aotest.Hang, aotest.OK)
	in := map[string]string{"process-ids": pidA + "\n" + stuck, "request-timeout": "500ms", "concurrency": "1"}
	for _, at := range []time.Duration{0, 30 * time.Minute, 55 * time.Minute} {
		h.now = day1.Add(at)
		if r := h.run(in); reportStatuses(t, h)[stuck] != "loading" || len(h.pd.Accepted()) != 0 {
			t.Fatalf("+%s: status %q, events %d\n%s", at, reportStatuses(t, h)[stuck], len(h.pd.Accepted()), r.stdout)
		}
	}
	h.now = day1.Add(61 * time.Minute)
	r := h.run(in)
	if got := triggeredTypes(h); reportStatuses(t, h)[stuck] != "error" || !slices.Contains(got, strings.TrimPrefix(key(incident.Unreadable, stuck), "nonce-monitor-")) ||
		!strings.Contains(r.stdout, "not loaded: for 1h1m0s every read of this process timed out") {
		t.Fatalf("after an hour: status %q, triggers %v\n%s", reportStatuses(t, h)[stuck], got, r.stdout)
	}
}

// A process the node does not hold gets the node's own 404, naming it:
// "this node does not have this process", a failure of that process, even
// when every listed process is unknown there. It is not the configuration
// error a server that is not a node gives.
func TestEveryProcessUnknownToTheNodeIsTheirsNotTheConfigurations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 5, 5)
		h.fleet.Break(pid, aotest.Unknown, aotest.OK)
	}
	r := h.run(nil)
	if strings.Contains(r.stdout, "Configuration") || r.outputs["error-count"] != "3" {
		t.Fatalf("error-count %s\n%s", r.outputs["error-count"], r.stdout)
	}
	if got := triggeredTypes(h); len(got) != 3 {
		t.Errorf("triggers %v, want an error incident per process", got)
	}
	if !strings.Contains(r.stdout, "this node does not have this process (HTTP 404, the node's own answer)") {
		t.Errorf("the node's 404 is not said as what it is:\n%s", r.stdout)
	}
}

// A node restarted in the middle of a pass (it stops answering, and is back
// seconds later) is asked again before the pass ends: nobody is paged. One
// still down after the second look is paged.
func TestARestartWithinThePassPagesNobody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		backAt  int32 // the address probe that finds it back; 0: never
		wantOpe int
	}{
		{"back within the pass", 3, 0},
		// The look's last probe, lookAgainFor after its first: a restart
		// of up to 30 s is not paged.
		{"back at the look's last probe", int32(len(lookWaits) + 1), 0},
		{"down for the whole pass", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			var pids []string
			for i := range 12 {
				pid := strings.Repeat("R", 42) + string(rune('a'+i))
				h.fleet.Set(pid, 5, 5)
				pids = append(pids, pid)
			}
			var probes atomic.Int32
			h.fleet.BeforeEach = func(r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/~meta@1.0/info/address") && probes.Add(1) == tc.backAt {
					h.fleet.StateDown(false)
				}
			}
			h.fleet.StateDown(true)
			r := h.run(map[string]string{"process-ids": strings.Join(pids, "\n"), "concurrency": "4"})
			if got := len(h.pd.Open()); got != tc.wantOpe {
				t.Fatalf("open incidents %v, want %d\n%s", h.pd.Open(), tc.wantOpe, r.stdout)
			}
			if tc.backAt == 0 {
				if !strings.Contains(r.stdout, "did not answer for 30s after it stopped answering: it is down") {
					t.Errorf("the second look is not said:\n%s", r.stdout)
				}
				return
			}
			if r.outputs["checked-count"] != "12" || r.outputs["error-count"] != "0" || !strings.Contains(r.stdout, "answered again after") {
				t.Errorf("back within the pass: errors %s\n%s", r.outputs["error-count"], r.stdout)
			}
		})
	}
}
