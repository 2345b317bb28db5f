package incident

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// decideCase is the one shape of Decide's tables: a previous state, a pass's
// observations, and the plan wanted. check runs it and verifies Decide left
// its input as it was.
type decideCase struct {
	name   string
	prev   State
	obs    []Observation
	now    time.Time
	policy Policy
	want   Plan
}

func (tc decideCase) check(t *testing.T) {
	t.Helper()
	now := tc.now
	if now.IsZero() {
		now = day1
	}
	before := tc.prev.Clone()
	got := Decide(tc.prev, tc.obs, now, tc.policy)
	if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Decide() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, tc.prev, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Decide() changed its input state (-before +after):\n%s", diff)
	}
}

func runCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, tc.check)
	}
}

// fleet names n processes on host.
func fleet(prefix byte, n int) []string {
	pids := make([]string, n)
	for i := range pids {
		pids[i] = fmt.Sprintf("%c%042d", prefix, i)
	}
	return pids
}

// A server that comes back in steps pages nobody again: the server incident
// stays open while any process it covers is still failing, those processes
// open nothing of their own, and when the last one recovers the server
// incident alone resolves.
func TestServerRecoveringInStepsPagesNobodyAgain(t *testing.T) {
	p := with(policyOn, func(p *Policy) { p.GroupThreshold = 10 })
	pids := fleet('s', 18)
	pass := func(failing int) []Observation {
		obs := make([]Observation, len(pids))
		for i, pid := range pids {
			obs[i] = behindOn(pid, 0)
			if i < failing {
				obs[i] = stateFailing(pid)
			}
		}
		return obs
	}
	st := NewState()
	var triggered, resolved []string
	for _, failing := range []int{18, 9, 3, 0} {
		plan := Decide(st, pass(failing), day1, p)
		for _, e := range plan.Events {
			switch e.Action {
			case Trigger:
				triggered = append(triggered, e.Incident.DedupKey)
			case Resolve:
				resolved = append(resolved, e.Incident.DedupKey)
			}
		}
		if failing > 0 {
			if got := plan.Affected[GroupKey(Server, host, "", day1)]; len(got) != failing {
				t.Errorf("%d failing: the server incident lists %d processes still failing", failing, len(got))
			}
		}
		st = plan.Next
	}
	key := GroupKey(Server, host, "", day1)
	if diff := cmp.Diff([]string{key}, triggered); diff != "" {
		t.Errorf("triggered over the recovery (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{key}, resolved); diff != "" {
		t.Errorf("resolved over the recovery (-want +got):\n%s", diff)
	}
}

// Run gaps, manual runs and newer versions: what the pass did not observe is
// held.
func TestDecideHoldsWhatItDidNotObserve(t *testing.T) {
	stuckPolicy := with(policyOn, func(p *Policy) { p.StuckAfter = 20 * time.Minute })
	narrowed := with(policyOn, func(p *Policy) { p.Narrowed = true })
	stuckInc := inc(pidA, Stuck, "error", day1)
	future := Incident{ProcessID: pidB, Type: "lagging", DedupKey: "nonce-monitor-lagging-x", Severity: "warning", Since: day1}
	runCases(t, []decideCase{
		{
			name: "run gap longer than the window: the trend is unknown, the stuck incident is held",
			prev: open(stuckInc), obs: []Observation{moving(pidA, 30, trend.Trend{Class: trend.Unknown})}, policy: stuckPolicy,
			want: Plan{Next: open(stuckInc)},
		},
		{
			name: "the pass after the gap: still, but for less than stuck-after: the stuck incident stays",
			prev: open(stuckInc), obs: []Observation{moving(pidA, 30, trend.Trend{Class: trend.Stuck, StuckSince: day1.Add(-5 * time.Minute)})}, policy: stuckPolicy,
			want: Plan{Next: open(stuckInc)},
		},
		{
			name: "the slot moved: resolved on that evidence",
			prev: open(stuckInc), obs: []Observation{moving(pidA, 30, trend.Trend{Class: trend.CatchingUp, ETA: time.Minute})}, policy: stuckPolicy,
			want: Plan{Events: []Event{ev(Resolve, Recovered, stuckInc)}, Next: open()},
		},
		{
			name: "not checkable while stuck is open: held, not resolved as recovered",
			prev: open(stuckInc), obs: []Observation{stateFailing(pidA)}, policy: stuckPolicy,
			want: Plan{Next: open(stuckInc)},
		},
		{
			name: "a manual run listing one of three paged processes holds the other two",
			prev: open(inc(pidA, Mismatch, "error", day1), inc(pidB, Mismatch, "error", day1), inc(pidC, Mismatch, "error", day1)),
			obs:  []Observation{behind(pidA, 75)}, policy: narrowed,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day1), inc(pidB, Mismatch, "error", day1), inc(pidC, Mismatch, "error", day1))},
		},
		{
			name: "a manual run keeps the failure counts of the processes it does not list",
			prev: failingFor(open(), map[string]int{pidB: 1}), obs: []Observation{behind(pidA, 0)},
			policy: with(narrowed, func(p *Policy) { p.ErrorThreshold = 3 }),
			want:   Plan{Next: failingFor(open(), map[string]int{pidB: 1})},
		},
		{
			name: "a manual run holds a server incident it does not want",
			prev: open(serverInc(Server, host, day1)), obs: []Observation{behindOn(pidA, 0)},
			policy: with(narrowed, func(p *Policy) { p.GroupThreshold = 2 }),
			want:   Plan{Next: open(serverInc(Server, host, day1))},
		},
		{
			name: "the scheduled run lists again: removed from the lists is resolved as removed",
			prev: open(inc(pidB, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 0)}, policy: policyOn,
			want: Plan{Events: []Event{ev(Resolve, Removed, inc(pidB, Mismatch, "error", day1))}, Next: open()},
		},
		{
			name: "an incident type a newer version wrote is kept and never acted on",
			prev: open(future), obs: []Observation{behind(pidB, 0)}, policy: policyOn,
			want: Plan{Next: open(future)},
		},
		{
			name:   "a server incident from an earlier key format, opened today, is kept (no re-page on upgrade)",
			prev:   open(serverInc(Server, host, day1)),
			obs:    []Observation{stateFailing(pidA), stateFailing(pidB), stateFailing(pidC)},
			policy: with(policyOn, func(p *Policy) { p.GroupThreshold = 2; p.Job = "shard-1-of-2" }),
			want: Plan{
				Next:     open(serverInc(Server, host, day1)),
				Affected: map[string][]string{GroupKey(Server, host, "shard-1-of-2", day1): {pidA, pidB, pidC}},
			},
		},
	})
}

// The boundaries: exactly at the resolve threshold, exactly half the
// processes failing the scheduler, an ETA exactly at the grace.
func TestDecideBoundaries(t *testing.T) {
	hysteresis := with(policyOn, func(p *Policy) { p.ResolveThreshold = 20 })
	grouping := with(policyOn, func(p *Policy) { p.GroupThreshold = 1 })
	grace := with(policyOn, func(p *Policy) { p.CatchUpGrace = 15 * time.Minute })
	catching := func(eta time.Duration) trend.Trend { return trend.Trend{Class: trend.CatchingUp, ETA: eta} }
	runCases(t, []decideCase{
		{
			name: "exactly at the resolve threshold: the mismatch stays open",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 20)}, policy: hysteresis,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day1))},
		},
		{
			name: "exactly half the processes failing the scheduler: no scheduler incident, each pages",
			prev: open(), obs: []Observation{schedulerFailing(pidA), schedulerFailing(pidB), behindOn(pidC, 0), behindOn(pidD, 0)}, policy: grouping,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1)), ev(Trigger, Opened, inc(pidB, Unreadable, "error", day1))},
				Next:   open(inc(pidA, Unreadable, "error", day1), inc(pidB, Unreadable, "error", day1)),
			},
		},
		{
			name: "an ETA exactly at the grace: paged",
			prev: open(), obs: []Observation{moving(pidA, 120, catching(15*time.Minute))}, policy: grace,
			want: Plan{Events: []Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, Next: open(inc(pidA, Mismatch, "critical", day1))},
		},
		{
			name: "an ETA a minute under the grace: deferred",
			prev: open(), obs: []Observation{moving(pidA, 120, catching(14*time.Minute))}, policy: grace,
			want: Plan{Next: open(), Deferred: []string{pidA}},
		},
	})
}

// Grouped keys carry the job, fit PagerDuty's 255 characters for any legal
// host, and are the same on every pass of a day.
func TestGroupKey(t *testing.T) {
	if a, b := GroupKey(Server, host, "shard-1-of-2", day1), GroupKey(Server, host, "shard-2-of-2", day1); a == b {
		t.Errorf("two shards share the key %q", a)
	}
	if got, want := GroupKey(Server, host, "", day1), "nonce-monitor-server-"+host+"-20261122"; got != want {
		t.Errorf("one job's key = %q, want the earlier format %q", got, want)
	}
	label := strings.Repeat("a", 63)
	for _, n := range []int{200, 225, 226, 253} {
		long := strings.TrimSuffix(strings.Repeat(label+".", 4), ".")[:n] + ":65535"
		for _, job := range []string{"", "shard-12-of-16", "0123456789abcdef"} {
			key := GroupKey(Server, long, job, day1)
			if len(key) > MaxDedupKey {
				t.Errorf("host of %d characters, job %q: key of %d characters", len(long), job, len(key))
			}
			if again := GroupKey(Server, long, job, day1.Add(time.Minute)); again != key {
				t.Errorf("key not stable across passes: %q then %q", key, again)
			}
			if job != "" && !strings.Contains(key, job) {
				t.Errorf("key %q lost the job %q", key, job)
			}
		}
	}
	other := strings.Repeat("b", 250)
	if GroupKey(Server, other+"x", "", day1) == GroupKey(Server, other+"y", "", day1) {
		t.Error("two long hosts differing at the end share a key")
	}
}
