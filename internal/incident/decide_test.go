package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/trend"
)

const (
	pidA = "4hXj_E-5fAKmo4E8KjgQvuDJKAFk9P2grhycVmISDLs"
	pidB = "B000000000000000000000000000000000000000000"
)

var (
	day1     = time.Date(2026, 11, 22, 23, 55, 0, 0, time.UTC)
	day2     = time.Date(2026, 11, 23, 0, 5, 0, 0, time.UTC)
	policyOn = Policy{
		Threshold:        50,
		ResolveThreshold: 50,
		Levels:           []Level{{"critical", 100}, {"error", 50}, {"warning", 0}},
		AutoResolve:      true,
		ErrorThreshold:   1,
		SchedulerHost:    "su-router.test",
	}
)

func withAutoResolve(p Policy, on bool) Policy { p.AutoResolve = on; return p }

func inc(pid string, t Type, sev Severity, opened time.Time) Incident {
	return Incident{ProcessID: pid, Type: t, DedupKey: DedupKey(t, pid, opened), Severity: sev, Since: opened}
}

func open(incs ...Incident) State {
	s := NewState()
	for _, i := range incs {
		s.Open[i.DedupKey] = i
	}
	return s
}

func ev(a Action, r Reason, inc Incident, affected ...string) Event {
	return Event{Action: a, Reason: r, Incident: inc, Affected: affected}
}

func behind(pid string, slots int64) Observation {
	return Observation{ProcessID: pid, Check: CheckRead, SlotsBehind: slots}
}

func failing(pid string) Observation { return Observation{ProcessID: pid} }

func unconfirmed(i Incident) Incident { i.Unconfirmed = true; return i }

func TestIntendApplyRevert(t *testing.T) {
	old := inc(pidA, Mismatch, "error", day1)
	prev := open(old)
	fresh := inc(pidB, Unreadable, "error", day1)
	st := prev.Clone()
	st.Intend(Event{Action: Trigger, Incident: fresh})
	st.Intend(Event{Action: Resolve, Incident: old})
	if diff := cmp.Diff(open(unconfirmed(old), unconfirmed(fresh)), st); diff != "" {
		t.Errorf("after Intend (-want +got):\n%s", diff)
	}
	// Confirmed trigger, resolve that certainly failed.
	st.Apply(Event{Action: Trigger, Incident: unconfirmed(fresh)})
	st.Revert(Event{Action: Resolve, Incident: old}, prev)
	if diff := cmp.Diff(open(old, fresh), st); diff != "" {
		t.Errorf("after Apply and Revert (-want +got):\n%s", diff)
	}
	// A trigger that certainly failed for an incident prev did not have.
	st.Revert(Event{Action: Trigger, Incident: fresh}, prev)
	if diff := cmp.Diff(open(old), st); diff != "" {
		t.Errorf("after reverting a new trigger (-want +got):\n%s", diff)
	}
}

func TestDecide(t *testing.T) {
	raisedA := inc(pidA, Mismatch, "critical", day1)
	tests := []decideCase{
		{
			name: "healthy process, nothing open: nothing to do",
			prev: open(), obs: []Observation{behind(pidA, 3)}, now: day1, policy: policyOn,
			want: Plan{Next: open()},
		},
		{
			name: "new breach at exactly the threshold triggers with the level's severity",
			prev: open(), obs: []Observation{behind(pidA, 50)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Mismatch, "error", day1))},
				Next:   open(inc(pidA, Mismatch, "error", day1)),
			},
		},
		{
			name: "one slot under the threshold does not trigger",
			prev: open(), obs: []Observation{behind(pidA, 49)}, now: day1, policy: policyOn,
			want: Plan{Next: open()},
		},
		{
			name: "threshold 0 alerts on every process, at the lowest severity",
			prev: open(), obs: []Observation{behind(pidA, 0)}, now: day1,
			policy: func() Policy { p := policyOn; p.Threshold, p.ResolveThreshold = 0, 0; return p }(),
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Mismatch, "warning", day1))},
				Next:   open(inc(pidA, Mismatch, "warning", day1)),
			},
		},
		{
			name: "still breaching at the same severity: no event, state unchanged",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 75)}, now: day1, policy: policyOn,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day1))},
		},
		{
			name: "severity rises: re-trigger under the same key with the new severity",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 150)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, SeverityRaised, raisedA)},
				Next:   open(raisedA),
			},
		},
		{
			name: "unconfirmed and still wanted: the trigger is sent again, even though the state looks unchanged",
			prev: open(unconfirmed(inc(pidA, Mismatch, "error", day1))), obs: []Observation{behind(pidA, 75)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, Unconfirmed, unconfirmed(inc(pidA, Mismatch, "error", day1)))},
				Next:   open(inc(pidA, Mismatch, "error", day1)),
			},
		},
		{
			name: "unconfirmed resolve and behind again: re-triggered (the lost-page case)",
			prev: open(unconfirmed(inc(pidA, Mismatch, "error", day1))), obs: []Observation{behind(pidA, 60)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, Unconfirmed, unconfirmed(inc(pidA, Mismatch, "error", day1)))},
				Next:   open(inc(pidA, Mismatch, "error", day1)),
			},
		},
		{
			name: "unconfirmed and recovered: resolved",
			prev: open(unconfirmed(inc(pidA, Mismatch, "error", day1))), obs: []Observation{behind(pidA, 2)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Resolve, Recovered, unconfirmed(inc(pidA, Mismatch, "error", day1)))},
				Next:   open(),
			},
		},
		{
			name: "unconfirmed and worse: one trigger, with the raised severity",
			prev: open(unconfirmed(inc(pidA, Mismatch, "error", day1))), obs: []Observation{behind(pidA, 150)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, SeverityRaised, unconfirmed(raisedA))},
				Next:   open(raisedA),
			},
		},
		{
			name: "unconfirmed from yesterday and still wanted: rotated like any other",
			prev: open(unconfirmed(inc(pidA, Mismatch, "error", day1))), obs: []Observation{behind(pidA, 75)}, now: day2, policy: policyOn,
			want: Plan{
				Events: []Event{
					ev(Resolve, Rotated, unconfirmed(inc(pidA, Mismatch, "error", day1))),
					ev(Trigger, Rotated, inc(pidA, Mismatch, "error", day2)),
				},
				Next: open(inc(pidA, Mismatch, "error", day2)),
			},
		},
		{
			name: "not checked (pass cut short): its incident is neither resolved nor re-sent, its failure count kept",
			prev: func() State {
				s := open(unconfirmed(inc(pidA, Mismatch, "error", day1)))
				s.Failing[pidB] = 1
				return s
			}(),
			obs: []Observation{{ProcessID: pidA, Check: CheckInterrupted}, {ProcessID: pidB, Check: CheckInterrupted}},
			now: day2, policy: func() Policy { p := policyOn; p.ErrorThreshold = 3; return p }(),
			want: Plan{Next: func() State {
				s := open(unconfirmed(inc(pidA, Mismatch, "error", day1)))
				s.Failing[pidB] = 1
				return s
			}()},
		},
		{
			name: "not checked: nothing opens for it, and it is not counted as removed",
			prev: open(), obs: []Observation{{ProcessID: pidA, Check: CheckInterrupted}}, now: day1, policy: policyOn,
			want: Plan{Next: open()},
		},
		{
			name: "severity falls but still over the threshold: nothing sent, highest severity kept",
			prev: open(raisedA), obs: []Observation{behind(pidA, 60)}, now: day1, policy: policyOn,
			want: Plan{Next: open(raisedA)},
		},
		{
			name: "recovery resolves with the stored key",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 2)}, now: day2, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Resolve, Recovered, inc(pidA, Mismatch, "error", day1))},
				Next:   open(),
			},
		},
		{
			name: "recovery with auto-resolve off forgets the incident without an event to send",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 2)}, now: day1,
			policy: withAutoResolve(policyOn, false),
			want: Plan{
				Events: []Event{ev(Forget, Recovered, inc(pidA, Mismatch, "error", day1))},
				Next:   open(),
			},
		},
		{
			name: "day rollover while still breaching: resolve yesterday's key, trigger today's",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 70)}, now: day2, policy: policyOn,
			want: Plan{
				Events: []Event{
					ev(Resolve, Rotated, inc(pidA, Mismatch, "error", day1)),
					ev(Trigger, Rotated, inc(pidA, Mismatch, "error", day2)),
				},
				Next: open(inc(pidA, Mismatch, "error", day2)),
			},
		},
		{
			name: "day rollover with auto-resolve off: yesterday's is left to a human, today's opens",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 70)}, now: day2,
			policy: withAutoResolve(policyOn, false),
			want: Plan{
				Events: []Event{
					ev(Forget, Rotated, inc(pidA, Mismatch, "error", day1)),
					ev(Trigger, Rotated, inc(pidA, Mismatch, "error", day2)),
				},
				Next: open(inc(pidA, Mismatch, "error", day2)),
			},
		},
		{
			name: "rotation whose resolve failed last pass: resolve the old key again, keep today's",
			prev: open(inc(pidA, Mismatch, "error", day1), inc(pidA, Mismatch, "error", day2)),
			obs:  []Observation{behind(pidA, 70)}, now: day2, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Resolve, Rotated, inc(pidA, Mismatch, "error", day1))},
				Next:   open(inc(pidA, Mismatch, "error", day2)),
			},
		},
		{
			name: "process cannot be checked: error incident",
			prev: open(), obs: []Observation{failing(pidA)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1))},
				Next:   open(inc(pidA, Unreadable, "error", day1)),
			},
		},
		{
			name: "still failing: no second incident",
			prev: open(inc(pidA, Unreadable, "error", day1)), obs: []Observation{failing(pidA)}, now: day1, policy: policyOn,
			want: Plan{Next: open(inc(pidA, Unreadable, "error", day1))},
		},
		{
			name: "error then recovered: resolve the error incident",
			prev: open(inc(pidA, Unreadable, "error", day1)), obs: []Observation{behind(pidA, 0)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Resolve, Recovered, inc(pidA, Unreadable, "error", day1))},
				Next:   open(),
			},
		},
		{
			name: "error then behind: resolve the error incident, trigger a mismatch",
			prev: open(inc(pidA, Unreadable, "error", day1)), obs: []Observation{behind(pidA, 120)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{
					ev(Resolve, Recovered, inc(pidA, Unreadable, "error", day1)),
					ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1)),
				},
				Next: open(inc(pidA, Mismatch, "critical", day1)),
			},
		},
		{
			name: "behind then not checkable: the open mismatch is held, no error incident on top",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{failing(pidA)}, now: day2, policy: policyOn,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day1))},
		},
		{
			name: "process removed from the list: its incident is resolved",
			prev: open(inc(pidB, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 0)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Resolve, Removed, inc(pidB, Mismatch, "error", day1))},
				Next:   open(),
			},
		},
		{
			name: "old-format state (key from an earlier day, opened that day) is honoured: recovery resolves its key",
			prev: open(Incident{ProcessID: pidA, Type: Mismatch, DedupKey: "nonce-monitor-mismatch-" + pidA + "-20251005",
				Severity: "error", Since: time.Date(2025, 10, 5, 10, 0, 0, 0, time.UTC)}),
			obs: []Observation{behind(pidA, 1)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Resolve, Recovered, Incident{ProcessID: pidA, Type: Mismatch,
					DedupKey: "nonce-monitor-mismatch-" + pidA + "-20251005", Severity: "error",
					Since: time.Date(2025, 10, 5, 10, 0, 0, 0, time.UTC)})},
				Next: open(),
			},
		},
		{
			name: "several processes: events ordered by process, each closing before opening",
			prev: open(inc(pidB, Unreadable, "error", day1)),
			obs:  []Observation{behind(pidB, 60), failing(pidA)}, now: day1, policy: policyOn,
			want: Plan{
				Events: []Event{
					ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1)),
					ev(Resolve, Recovered, inc(pidB, Unreadable, "error", day1)),
					ev(Trigger, Opened, inc(pidB, Mismatch, "error", day1)),
				},
				Next: open(inc(pidA, Unreadable, "error", day1), inc(pidB, Mismatch, "error", day1)),
			},
		},
	}
	runCases(t, tests)
}

// Undelivered events are decided again: applying only some events and
// deciding again must converge on the same next state.
func TestDecideRetriesUndeliveredEvents(t *testing.T) {
	prev := open(inc(pidA, Mismatch, "error", day1))
	obs := []Observation{behind(pidA, 70), failing(pidB)}
	first := Decide(prev, obs, day2, policyOn)
	if len(first.Events) != 3 {
		t.Fatalf("want 3 events (rotate A: resolve + trigger, open B), got %+v", first.Events)
	}
	// Only the middle event (today's trigger for A) is delivered.
	state := prev.Clone()
	state.Apply(first.Events[1])

	second := Decide(state, obs, day2, policyOn)
	want := []Event{first.Events[0], first.Events[2]}
	if diff := cmp.Diff(want, second.Events); diff != "" {
		t.Errorf("second pass events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first.Next, second.Next); diff != "" {
		t.Errorf("passes do not converge (-first +second):\n%s", diff)
	}
}

func TestDedupKeyUsesUTCDay(t *testing.T) {
	east := time.FixedZone("UTC+10", 10*3600)
	got := DedupKey(Mismatch, pidA, time.Date(2026, 11, 23, 8, 0, 0, 0, east))
	want := "nonce-monitor-mismatch-" + pidA + "-20261122"
	if got != want {
		t.Errorf("DedupKey = %q, want %q", got, want)
	}
	if len(got) > 255 {
		t.Errorf("dedup key longer than PagerDuty's 255: %d", len(got))
	}
}

func TestParseLevels(t *testing.T) {
	got, err := ParseLevels(" warning:0, critical:100 ,error:50")
	if err != nil {
		t.Fatal(err)
	}
	want := []Level{{"critical", 100}, {"error", 50}, {"warning", 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseLevels (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "critical", "urgent:5", "error:-1", "error:x", "error:1,error:2"} {
		if _, err := ParseLevels(bad); err == nil {
			t.Errorf("ParseLevels(%q) accepted a bad value", bad)
		}
	}
}

func TestSeverityFor(t *testing.T) {
	levels := []Level{{"critical", 100}, {"error", 50}}
	for slots, want := range map[int64]Severity{0: "error", 49: "error", 50: "error", 99: "error", 100: "critical", 5000: "critical"} {
		if got := severityFor(levels, slots); got != want {
			t.Errorf("severityFor(%d) = %q, want %q", slots, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		o    Observation
		want Status
	}{
		{Observation{Check: CheckRead, SlotsBehind: 49}, StatusOK},
		{Observation{Check: CheckRead, SlotsBehind: 50}, StatusBehind},
		{Observation{}, StatusFailing},
		{Observation{Check: CheckInterrupted}, StatusNotChecked},
		// Silenced wins over everything: maintenance is not behind.
		{Observation{Check: CheckRead, SlotsBehind: 500, Silenced: true}, StatusSilenced},
		{Observation{Silenced: true}, StatusSilenced},
	} {
		if got := Classify(tc.o, 50); got != tc.want {
			t.Errorf("Classify(%+v) = %s, want %s", tc.o, got, tc.want)
		}
	}
}

func moving(pid string, slots int64, t trend.Trend) Observation {
	o := behind(pid, slots)
	o.Trend = t
	return o
}

// Paging on motion: stuck incidents and the catch-up grace, and how they
// combine with mismatch (one page per process).
func TestDecideWithTrends(t *testing.T) {
	p := policyOn
	p.StuckAfter = 20 * time.Minute
	p.CatchUpGrace = 15 * time.Minute
	stuckFor := func(d time.Duration) trend.Trend { return trend.Trend{Class: trend.Stuck, StuckSince: day1.Add(-d)} }
	catching := func(eta time.Duration) trend.Trend { return trend.Trend{Class: trend.CatchingUp, ETA: eta} }
	stuckInc := inc(pidA, Stuck, "error", day1)
	for _, tc := range []struct {
		name     string
		prev     State
		obs      Observation
		policy   Policy
		events   []Event
		next     State
		deferred []string
	}{
		{"still for stuck-after, below the threshold: a stuck page", open(), moving(pidA, 30, stuckFor(20*time.Minute)), p,
			[]Event{ev(Trigger, Opened, stuckInc)}, open(stuckInc), nil},
		{"still, but not for long enough: nothing", open(), moving(pidA, 30, stuckFor(19*time.Minute)), p, nil, open(), nil},
		{"stuck-after off: nothing", open(), moving(pidA, 30, stuckFor(time.Hour)), policyOn, nil, open(), nil},
		{"the state server moves again: the stuck incident resolves", open(stuckInc), moving(pidA, 30, trend.Trend{Class: trend.Steady}), p,
			[]Event{ev(Resolve, Recovered, stuckInc)}, open(), nil},
		{"stuck and now past the threshold: the stuck page stands, no second one", open(stuckInc), moving(pidA, 80, stuckFor(time.Hour)), p,
			nil, open(stuckInc), nil},
		{"a mismatch open and the server freezes: the mismatch stands, no stuck page", open(inc(pidA, Mismatch, "error", day1)), moving(pidA, 80, stuckFor(time.Hour)), p,
			nil, open(inc(pidA, Mismatch, "error", day1)), nil},
		{"past the threshold, catching up within the grace: not paged yet", open(), moving(pidA, 120, catching(4*time.Minute)), p,
			nil, open(), []string{pidA}},
		{"catching up, but slower than the grace: paged", open(), moving(pidA, 120, catching(40*time.Minute)), p,
			[]Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, open(inc(pidA, Mismatch, "critical", day1)), nil},
		{"catch-up-grace off: paged", open(), moving(pidA, 120, catching(4*time.Minute)), policyOn,
			[]Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, open(inc(pidA, Mismatch, "critical", day1)), nil},
		{"just restarted from a lower slot: one pass to see its motion", open(), moving(pidA, 120, trend.Trend{Class: trend.Unknown, Reset: true}), p,
			nil, open(), []string{pidA}},
		{"no history at all: paged (nothing says it is catching up)", open(), moving(pidA, 120, trend.Trend{Class: trend.Unknown}), p,
			[]Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, open(inc(pidA, Mismatch, "critical", day1)), nil},
		{"already paged and now catching up: the page stands until it recovers", open(inc(pidA, Mismatch, "critical", day1)), moving(pidA, 120, catching(4*time.Minute)), p,
			nil, open(inc(pidA, Mismatch, "critical", day1)), nil},
	} {
		t.Run(tc.name, decideCase{
			prev: tc.prev, obs: []Observation{tc.obs}, now: day1, policy: tc.policy,
			want: Plan{Events: tc.events, Next: tc.next, Deferred: tc.deferred},
		}.check)
	}
}
