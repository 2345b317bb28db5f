package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

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
			name: "a clock stepped back across midnight: the incident of the day after is kept, not rotated back",
			prev: open(inc(pidA, Mismatch, "error", day2)), obs: []Observation{behind(pidA, 70)}, now: day2.Add(-10 * time.Minute), policy: policyOn,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day2))},
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
