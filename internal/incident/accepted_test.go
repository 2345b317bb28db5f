package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Events PagerDuty accepted (a 2xx) are not always done: a maintenance
// window, a disabled service or an event rule accept a trigger and open
// nothing, or accept a resolve and leave the incident open. What the REST
// API shows settles them.

func resolving(incs ...Incident) State {
	s := NewState()
	for _, i := range incs {
		s.Resolving[i.DedupKey] = i
	}
	return s
}

func withResolving(s State, incs ...Incident) State {
	s = s.Clone()
	for _, i := range incs {
		s.Resolving[i.DedupKey] = i
	}
	return s
}

func TestReconcileAcceptedEvents(t *testing.T) {
	a := inc(pidA, Mismatch, "error", day1)
	b := inc(pidB, Unreadable, "error", day1)
	pdA := alert(a.DedupKey, 1)
	tests := []struct {
		name   string
		prev   State
		remote Remote
		want   Reconciled
	}{
		{
			name: "a trigger accepted and never opened: kept as it was, sent again",
			prev: open(a), remote: Remote{Gone: map[string]bool{a.DedupKey: true}},
			want: Reconciled{State: open(unconfirmed(a)), NotOpened: []Incident{a}},
		},
		{
			name: "an unconfirmed trigger never opened: it never arrived, decided afresh",
			prev: open(unconfirmed(a)), remote: Remote{Gone: map[string]bool{a.DedupKey: true}},
			want: Reconciled{State: open(), Closed: []Incident{unconfirmed(a)}},
		},
		{
			name: "opened and resolved in PagerDuty (asked by key): the state learns it",
			prev: open(a, b), remote: Remote{Gone: map[string]bool{a.DedupKey: false}},
			want: Reconciled{State: open(b), Closed: []Incident{a}},
		},
		{
			name: "resolved in PagerDuty while the service drops every event: the trigger sent again opened nothing, kept as it was",
			prev: open(a), remote: Remote{Gone: map[string]bool{a.DedupKey: false}, Dropping: true},
			want: Reconciled{State: open(unconfirmed(a)), NotOpened: []Incident{a}},
		},
		{
			name: "not shown by an incomplete listing nor asked: held",
			prev: open(a), remote: Remote{},
			want: Reconciled{State: open(a)},
		},
		{
			name: "a resolve accepted and the incident still open: open again",
			prev: resolving(a), remote: Remote{Open: []RemoteAlert{pdA}},
			want: Reconciled{State: open(a), NotTaken: []Incident{a}, Links: map[string]Link{a.DedupKey: pdA.Link}},
		},
		{
			name: "a resolve accepted and the key gone when asked: done",
			prev: resolving(a), remote: Remote{Gone: map[string]bool{a.DedupKey: false}},
			want: Reconciled{State: NewState(), Taken: []Incident{a}},
		},
		{
			name: "a resolve accepted and a complete listing without it: done",
			prev: resolving(a), remote: Remote{Complete: true},
			want: Reconciled{State: NewState(), Taken: []Incident{a}},
		},
		{
			name: "a resolve accepted, nothing known of it this pass: kept",
			prev: resolving(a), remote: Remote{},
			want: Reconciled{State: resolving(a)},
		},
		{
			name: "a resolve accepted, then the key triggered again: the trigger stands",
			prev: withResolving(open(a), a), remote: Remote{Open: []RemoteAlert{pdA}},
			want: Reconciled{State: open(a), Taken: []Incident{a}, Links: map[string]Link{a.DedupKey: pdA.Link}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.prev.Clone()
			got := Reconcile(tt.prev, tt.remote, Scope{})
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Reconcile (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.prev); diff != "" {
				t.Errorf("Reconcile changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

// A whole pass, pure: reconcile, decide, adjust, every event delivered,
// settle. While PagerDuty opens nothing for an accepted trigger, or keeps
// an incident open after an accepted resolve, the event is sent again,
// says why, and the state ends as it began: the state file holds still.
func TestAcceptedButNotDoneHoldsTheStateStill(t *testing.T) {
	confirm := policyOn
	confirm.ConfirmResolves = true
	a := inc(pidA, Mismatch, "error", day1)
	tests := []struct {
		name   string
		prev   State
		remote Remote
		obs    []Observation
		want   []Event
	}{
		{
			name: "still behind, the trigger never opened", prev: open(a),
			remote: Remote{Gone: map[string]bool{a.DedupKey: true}}, obs: []Observation{behind(pidA, 60)},
			want: []Event{ev(Trigger, NotOpened, unconfirmed(a))},
		},
		{
			name: "recovered, the resolve not taken", prev: resolving(a),
			remote: Remote{Open: []RemoteAlert{alert(a.DedupKey, 1)}}, obs: []Observation{behind(pidA, 0)},
			want: []Event{ev(Resolve, NotTaken, a)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := Reconcile(tt.prev, tt.remote, Scope{})
			st, plan := rec.Fit(Decide(rec.State, tt.obs, day1, confirm))
			if diff := cmp.Diff(tt.want, plan.Events, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			outcomes := make([]Outcome, len(plan.Events))
			if diff := cmp.Diff(tt.prev, Settle(st, plan, outcomes), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the state after the pass (-began +ended):\n%s", diff)
			}
		})
	}
}

// With ConfirmResolves, a delivered resolve keeps its incident in
// Resolving (never acted on by Decide) until a listing settles it; a
// resolve not delivered leaves it open; a trigger under the key ends it.
// Without, a delivered resolve forgets the incident, as it always did.
func TestSettleKeepsAcceptedResolvesToConfirm(t *testing.T) {
	a, b := inc(pidA, Mismatch, "error", day1), inc(pidB, Mismatch, "error", day1)
	plan := Plan{Events: []Event{ev(Resolve, Recovered, a), ev(Resolve, Recovered, b)}, ConfirmResolves: true}
	got := Settle(open(a, b), plan, []Outcome{Delivered, NotDelivered})
	if diff := cmp.Diff(withResolving(open(b), a), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("confirming (-want +got):\n%s", diff)
	}
	plan.ConfirmResolves = false
	if diff := cmp.Diff(open(b), Settle(open(a, b), plan, []Outcome{Delivered, NotDelivered}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("not confirming (-want +got):\n%s", diff)
	}
	again := Plan{Events: []Event{ev(Trigger, Opened, a)}}
	if diff := cmp.Diff(open(a), Settle(resolving(a), again, []Outcome{Delivered}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("triggered again (-want +got):\n%s", diff)
	}
	// Decide never acts on what is resolving: a recovered process with a
	// resolve in flight sends nothing.
	confirm := policyOn
	confirm.ConfirmResolves = true
	if p := Decide(resolving(a), []Observation{behind(pidA, 0)}, day1, confirm); len(p.Events) != 0 {
		t.Errorf("Decide acted on a resolving incident: %+v", p.Events)
	}
}

func TestParseDedupKeyReadsTheOwner(t *testing.T) {
	const me = "j0123abcd"
	day := day1.Truncate(24 * time.Hour)
	for _, tt := range []struct {
		key   string
		want  Incident
		owner string
		ok    bool
	}{
		{ProcessKey(Mismatch, pidA, me, day1), Incident{ProcessID: pidA, Type: Mismatch, DedupKey: ProcessKey(Mismatch, pidA, me, day1), Since: day}, me, true},
		{ProcessKey(Stuck, pidA, "", day1), Incident{ProcessID: pidA, Type: Stuck, DedupKey: ProcessKey(Stuck, pidA, "", day1), Since: day}, "", true},
		{DedupKey(Mismatch, pidA+"-jXYZ", day1), Incident{}, "", false},     // not an owner
		{DedupKey(Mismatch, pidA+"-j0123abc", day1), Incident{}, "", false}, // too short
		{DedupKey(Mismatch, pidA+"-"+me+"-x", day1), Incident{}, "", false},
	} {
		got, owner, ok := ParseDedupKey(tt.key)
		if ok != tt.ok || owner != tt.owner || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseDedupKey(%q) = %+v, %q, %v; want %+v, %q, %v", tt.key, got, owner, ok, tt.want, tt.owner, tt.ok)
		}
	}
	if k := ProcessKey(Mismatch, pidA, Owner("acme/mon\n.pagerduty-state.json"), day1); len(k) != 85 {
		t.Errorf("%q is %d characters, want the 85 the docs give for a mismatch key", k, len(k))
	}
}

// An accepted resolve waits for a listing for ResolvingFor at most: a REST
// API unreadable for days must not grow the state file for good.
func TestStaleResolvesAreTakenAsDone(t *testing.T) {
	a, b := inc(pidA, Mismatch, "error", day1), inc(pidB, Mismatch, "error", day1.Add(-ResolvingFor))
	st := resolving(a, b)
	if diff := cmp.Diff(resolving(a), st.WithoutStaleResolves(day1.Add(time.Minute)), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(st.Resolving) != 2 {
		t.Error("WithoutStaleResolves changed its input")
	}
}
