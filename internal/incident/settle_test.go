package incident

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIntentAndSettle(t *testing.T) {
	old := inc(pidA, Mismatch, "error", day1)
	fresh := inc(pidB, Unreadable, "error", day2)
	gone := inc(pidB, Mismatch, "warning", day1)
	prev := open(old, gone)
	prev.Failing[pidA] = 1
	before := prev.Clone()
	plan := Plan{
		Events: []Event{
			ev(Trigger, Opened, fresh),
			ev(Resolve, Recovered, old),
			ev(Forget, Removed, gone),
		},
		Next: State{Open: Open{}, Failing: map[string]int{pidB: 2}},
	}
	withFailing := func(s State) State { s.Failing = map[string]int{pidB: 2}; return s }
	sendsAll := func(e Event) bool { return e.Action != Forget }

	intent, sends := Intent(prev, plan, sendsAll)
	if !sends {
		t.Fatal("Intent: nothing to record, want the trigger and the resolve")
	}
	// A Forget is not sent: it is settled, never intended.
	if diff := cmp.Diff(withFailing(open(unconfirmed(old), unconfirmed(fresh), gone)), intent); diff != "" {
		t.Errorf("Intent (-want +got):\n%s", diff)
	}
	if _, sends := Intent(prev, plan, func(Event) bool { return false }); sends {
		t.Error("Intent with nothing sent: sends = true")
	}

	for _, tc := range []struct {
		name     string
		outcomes []Outcome
		want     State
	}{
		{"all delivered", []Outcome{Delivered, Delivered, Delivered}, withFailing(open(fresh))},
		{"none delivered: prev, failure counts advanced", []Outcome{NotDelivered, NotDelivered, Delivered}, withFailing(open(old))},
		{"unknown stays unconfirmed", []Outcome{OutcomeUnknown, OutcomeUnknown, Delivered}, withFailing(open(unconfirmed(old), unconfirmed(fresh)))},
		{"mixed", []Outcome{Delivered, OutcomeUnknown, Delivered}, withFailing(open(unconfirmed(old), fresh))},
	} {
		if diff := cmp.Diff(tc.want, Settle(prev, plan, tc.outcomes)); diff != "" {
			t.Errorf("%s: Settle (-want +got):\n%s", tc.name, diff)
		}
	}
	if diff := cmp.Diff(withFailing(open(old, gone)), Settle(prev, Plan{Next: plan.Next}, nil)); diff != "" {
		t.Errorf("no events: Settle (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, prev); diff != "" {
		t.Errorf("Settle changed prev (-want +got):\n%s", diff)
	}
}
