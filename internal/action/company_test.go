package action

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// The action in company: other jobs on the same PagerDuty service, people
// running it by hand, a fleet that changes its shard layout. Each test
// runs whole passes against the stand-ins and ends with PagerDuty holding
// no false page, no page twice, and nothing of the job's open for good.

// pidX is a process another repository's monitor watches.
const pidX = "X000000000000000000000000000000000000000000"

// otherJob is another repository's monitor: its own workspace (state
// file), the same PagerDuty service, routing key and REST key.
func (h *harness) otherJob(repo string) *harness {
	o := *h
	o.ws, o.repo = h.t.TempDir(), repo
	return &o
}

// endsClean checks what PagerDuty ends with: no alert opened more than
// once (a duplicate page), and none of these keys still open.
func endsClean(t *testing.T, h *harness, closed ...string) {
	t.Helper()
	for key, n := range h.pd.Opened() {
		if n > 1 {
			t.Errorf("%s opened %d times: paged twice", key, n)
		}
	}
	for _, key := range closed {
		if slices.Contains(h.pd.Open(), key) {
			t.Errorf("%s still open in PagerDuty at the end", key)
		}
	}
}

// Another repository's monitor pages process X on the same service; this
// job lists only A. Round after round, this job neither adopts X nor
// resolves it, so the other job pages it once; nor does it touch another
// integration's incident whose key merely looks like the monitor's (an
// unlisted process, in the pattern of keys from before job identities).
func TestTwoMonitorsOnOneServiceLeaveEachOthersPagesAlone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	other := h.otherJob("other-org/ao-watch")
	mine := h.withREST(map[string]string{"process-ids": pidA})
	theirs := other.withREST(map[string]string{"process-ids": pidX})
	h.fleet.Set(pidA, 5, 5)
	h.fleet.Set(pidX, 0, 300)
	lookalike := incident.DedupKey(incident.Mismatch, pidC, day1) // another integration's
	h.pd.OpenAlerts("critical", lookalike)
	var xKey string
	for round := range 3 {
		other.run(theirs)
		if round == 0 {
			open := h.pd.Open()
			xKey = open[slices.IndexFunc(open, func(k string) bool { return strings.Contains(k, pidX) })]
		}
		r := h.run(mine)
		if r.exit != 0 || r.outputs["resolved-count"] != "0" || r.outputs["open-count"] != "0" || strings.Contains(r.stdout, "adopted from PagerDuty") {
			t.Fatalf("round %d: this job touched what it never sent: exit %d, resolved %s, open %s\n%s",
				round, r.exit, r.outputs["resolved-count"], r.outputs["open-count"], r.stdout)
		}
		h.now = h.now.Add(5 * time.Minute)
	}
	for _, ev := range h.pd.Accepted() {
		if ev.EventAction == "resolve" {
			t.Errorf("a resolve was sent for %s", ev.DedupKey)
		}
	}
	if !slices.Contains(h.pd.Open(), lookalike) || !slices.Contains(h.pd.Open(), xKey) {
		t.Errorf("open in PagerDuty %v, want the other job's %s and the other integration's %s", h.pd.Open(), xKey, lookalike)
	}
	// X recovers: its own job resolves it.
	h.fleet.Set(pidX, 300, 300)
	other.run(theirs)
	endsClean(t, h, xKey)
}

// The scheduled runs use the inline process-ids (three processes, all 300
// behind, all paged); a run started by hand narrows that same input to one
// ID. It resolves nothing it did not check, says so in a note, and the
// next scheduled pass pages nothing again. With the REST API key and
// without.
func TestManualRunNarrowingTheSameInputHoldsTheRest(t *testing.T) {
	t.Parallel()
	for _, withKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("key=%v", withKey), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := func(ids string) map[string]string {
				extra := map[string]string{"process-ids": ids}
				if withKey {
					return h.withREST(extra)
				}
				return extra
			}
			all := pidA + "\n" + pidB + "\n" + pidC
			for _, pid := range []string{pidA, pidB, pidC} {
				h.fleet.Set(pid, 0, 300)
			}
			if r := h.run(in(all)); r.outputs["open-count"] != "3" {
				t.Fatalf("scheduled pass: open-count %s\n%s", r.outputs["open-count"], r.stdout)
			}
			h.event, h.now = "workflow_dispatch", h.now.Add(2*time.Minute)
			r := h.run(in(pidA))
			if r.exit != 0 || r.outputs["resolved-count"] != "0" || len(h.pd.Open()) != 3 {
				t.Fatalf("manual run: exit %d, resolved %s, open in PagerDuty %v\n%s", r.exit, r.outputs["resolved-count"], h.pd.Open(), r.stdout)
			}
			if !strings.Contains(r.summary, "started by hand and checks 1 process, not the processes the state file was written for (3)") ||
				!strings.Contains(r.summary, "holds the 2 open incidents of processes it does not check") {
				t.Errorf("the manual run did not say it ran narrowed:\n%s", r.summary)
			}
			h.event, h.now = "", h.now.Add(3*time.Minute)
			r = h.run(in(all))
			if r.outputs["triggered-count"] != "0" || r.outputs["open-count"] != "3" {
				t.Errorf("next scheduled pass: triggered %s, open %s\n%s", r.outputs["triggered-count"], r.outputs["open-count"], r.stdout)
			}
			for _, pid := range []string{pidA, pidB, pidC} {
				h.fleet.Set(pid, 300, 300)
			}
			h.now = h.now.Add(5 * time.Minute)
			h.run(in(all))
			endsClean(t, h, key(incident.Mismatch, pidA), key(incident.Mismatch, pidB), key(incident.Mismatch, pidC))
			if len(h.pd.Open()) != 0 {
				t.Errorf("open at the end: %v", h.pd.Open())
			}
		})
	}
}

// A scheduled pass whose list lost a process resolves its incident as
// removed, as before: only a run started by hand is a partial view.
func TestScheduledPassResolvesWhatItsListLost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 300)
	h.fleet.Set(pidB, 0, 300)
	h.run(map[string]string{"process-ids": pidA + "\n" + pidB})
	r := h.run(map[string]string{"process-ids": pidA})
	if r.outputs["resolved-count"] != "1" || slices.Contains(h.pd.Open(), key(incident.Mismatch, pidB)) {
		t.Errorf("resolved-count %s, open %v: want B resolved as removed\n%s", r.outputs["resolved-count"], h.pd.Open(), r.stdout)
	}
}

// shardPIDs returns n process IDs on each shard of both layouts (2 and 3
// shards), so that every shard of either holds at least n of them.
func shardPIDs(n int) []string {
	var pids []string
	count := map[config.Shard]int{}
	for i := 0; len(pids) < 40; i++ {
		pid := fmt.Sprintf("S%042d", i)
		need := false
		for _, sh := range []config.Shard{{Index: 1, Count: 2}, {Index: 2, Count: 2}, {Index: 1, Count: 3}, {Index: 2, Count: 3}, {Index: 3, Count: 3}} {
			if sh.Holds(pid) && count[sh] < n {
				need = true
			}
		}
		if !need {
			continue
		}
		for _, sh := range []config.Shard{{Index: 1, Count: 2}, {Index: 2, Count: 2}, {Index: 1, Count: 3}, {Index: 2, Count: 3}, {Index: 3, Count: 3}} {
			if sh.Holds(pid) {
				count[sh]++
			}
		}
		pids = append(pids, pid)
		done := true
		for _, c := range []config.Shard{{Index: 1, Count: 2}, {Index: 2, Count: 2}, {Index: 1, Count: 3}, {Index: 2, Count: 3}, {Index: 3, Count: 3}} {
			done = done && count[c] >= n
		}
		if done {
			break
		}
	}
	return pids
}

// Two shards each hold an open grouped server incident; the fleet moves to
// three shards, with the REST API key. The new layout adopts the old
// layout's incidents (its own job's): no new server page while the server
// is still down, one of the two old pages kept for the outage, and every
// one resolved when the server recovers.
func TestNewShardLayoutAdoptsTheOldLayoutsGroupedIncidents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pids := shardPIDs(3)
	ids := strings.Join(pids, "\n")
	for _, pid := range pids {
		h.fleet.Set(pid, 1, 1)
		h.fleet.Break(pid, aotest.Gateway, aotest.OK)
	}
	in := func(shard string) map[string]string {
		return h.withREST(map[string]string{"process-ids": ids, "shard": shard, "group-threshold": "2"})
	}
	for _, sh := range []string{"1/2", "2/2"} {
		if r := h.run(in(sh)); r.exit != 0 {
			t.Fatalf("shard %s: exit %d\n%s", sh, r.exit, r.stdout)
		}
	}
	old := h.pd.Open()
	if len(old) != 2 || !strings.Contains(old[0], "-shard-1-of-2-") || !strings.Contains(old[1], "-shard-2-of-2-") {
		t.Fatalf("the old layout opened %v, want one server incident a shard", old)
	}
	for pass := range 2 {
		h.now = h.now.Add(5 * time.Minute)
		for _, sh := range []string{"1/3", "2/3", "3/3"} {
			if r := h.run(in(sh)); r.exit != 0 || r.outputs["triggered-count"] != "0" {
				t.Fatalf("pass %d, shard %s: exit %d, triggered %s\n%s", pass, sh, r.exit, r.outputs["triggered-count"], r.stdout)
			}
		}
	}
	if open := h.pd.Open(); len(open) != 1 || open[0] != old[0] {
		t.Errorf("while the server is down, open %v: want the old layout's first page only, none of the new layout's", open)
	}
	for _, pid := range pids {
		h.fleet.Break(pid, aotest.OK, aotest.OK)
	}
	h.now = h.now.Add(5 * time.Minute)
	for _, sh := range []string{"1/3", "2/3", "3/3"} {
		h.run(in(sh))
	}
	endsClean(t, h, old...)
	if n := len(h.pd.Opened()); n != 2 {
		t.Errorf("%d alerts opened in all, want the old layout's 2: %v", n, h.pd.Opened())
	}
}

// A state file an earlier version wrote holds keys without the job's
// identity (a process's and a server's). The upgraded job keeps them
// quietly while their trouble lasts (no second page under the new key),
// and resolves them with their own keys on recovery, with the REST API
// key and without.
func TestKeysFromAnEarlierVersionStillResolve(t *testing.T) {
	t.Parallel()
	for _, withKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("key=%v", withKey), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := map[string]string{"process-ids": pidA + "\n" + pidB + "\n" + pidC, "group-threshold": "1"}
			if withKey {
				in = h.withREST(in)
			}
			h.fleet.Set(pidA, 0, 300)
			for _, pid := range []string{pidB, pidC} {
				h.fleet.Set(pid, 1, 1)
				h.fleet.Break(pid, aotest.Gateway, aotest.OK)
			}
			host := mustHost(t, h.fleet.State.URL)
			oldA := incident.DedupKey(incident.Mismatch, pidA, day1)
			oldServer := incident.GroupKey(incident.Server, host, "", day1)
			h.pd.OpenAlerts("critical", oldA, oldServer)
			since := day1.Add(-time.Hour).Format(time.RFC3339)
			writeFile(t, h.ws, ".pagerduty-state.json", fmt.Sprintf(`{"version": 1, "lists": "process-ids", "incidents": [
				{"process_id": %q, "type": "mismatch", "dedup_key": %q, "severity": "critical", "since": %q},
				{"server": %q, "type": "server", "dedup_key": %q, "severity": "critical", "since": %q}]}`,
				pidA, oldA, since, host, oldServer, since))
			r := h.run(in)
			if r.exit != 0 || r.outputs["triggered-count"] != "0" || r.outputs["resolved-count"] != "0" {
				t.Fatalf("still in trouble: exit %d, triggered %s, resolved %s\n%s", r.exit, r.outputs["triggered-count"], r.outputs["resolved-count"], r.stdout)
			}
			h.fleet.Set(pidA, 300, 300)
			for _, pid := range []string{pidB, pidC} {
				h.fleet.Break(pid, aotest.OK, aotest.OK)
			}
			h.now = h.now.Add(5 * time.Minute)
			h.run(in)
			endsClean(t, h, oldA, oldServer)
			if len(h.pd.Open()) != 0 {
				t.Errorf("open at the end: %v", h.pd.Open())
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
