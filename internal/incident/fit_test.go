package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFitKeepsAdoptedIncidentsQuiet(t *testing.T) {
	keyA, keyC := DedupKey(Mismatch, pidA, day1), DedupKey(Unreadable, "C000000000000000000000000000000000000000000", day1)
	rec := Reconcile(NewState(), Remote{Open: []RemoteAlert{alert(keyA, 1), {DedupKey: keyC, Severity: "warning"}}, Complete: true}, Scope{})
	obs := []Observation{behind(pidA, 150), behind(pidB, 60), failing("C000000000000000000000000000000000000000000")}
	st, plan := rec.Fit(Decide(rec.State, obs, day1, policyOn))
	// A: adopted of unknown severity, still behind: nothing sent, severity now known.
	// B: a new breach. C: PagerDuty said warning, error wanted: a true rise.
	wantEvents := []Event{
		ev(Trigger, Opened, inc(pidB, Mismatch, "error", day1)),
		ev(Trigger, SeverityRaised, Incident{ProcessID: "C000000000000000000000000000000000000000000", Type: Unreadable, DedupKey: keyC, Severity: "error", Since: day1.Truncate(24 * time.Hour)}),
	}
	if diff := cmp.Diff(wantEvents, plan.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got := st.Open[keyA].Severity; got != "critical" {
		t.Errorf("adopted incident's severity in the state = %q, want this pass's (critical)", got)
	}
	if rec.State.Open[keyA].Severity != "" {
		t.Error("Fit changed the reconciled state in place")
	}
	// Next pass, same findings: the state now knows, nothing is sent.
	for _, e := range Decide(st, obs, day1, policyOn).Events {
		if e.Incident.DedupKey == keyA {
			t.Errorf("next pass sends %v", e)
		}
	}
}

func TestFitDoesNotAdoptWhatItWouldForget(t *testing.T) {
	keyA := DedupKey(Mismatch, pidA, day1)
	known := inc(pidB, Mismatch, "error", day1)
	rec := Reconcile(open(known), Remote{Open: []RemoteAlert{alert(keyA, 1), alert(known.DedupKey, 2)}, Complete: true}, Scope{})
	st, plan := rec.Fit(Decide(rec.State, []Observation{behind(pidA, 0), behind(pidB, 0)}, day1, withAutoResolve(policyOn, false)))
	// A recovered, auto-resolve off: left to a human, and not reported as
	// forgotten on every pass. B was the state's own: forgotten as usual.
	if diff := cmp.Diff([]Event{ev(Forget, Recovered, known)}, plan.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if _, ok := st.Open[keyA]; ok {
		t.Error("the adopted incident stays in the state")
	}
}

// A key carries the job that sent it (its Owner), and a grouped one its
// layout, and may shorten a long host to a hash: only the job that sent a
// key adopts it, from its own layout or an earlier one, never a sibling
// shard's, another job's or another integration's look-alike; a key from
// before job identities only as this job would have sent it.
func TestScopeRecognizesOnlyItsOwnKeys(t *testing.T) {
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57)
	hosts := []string{"cu.ao-testnet.xyz", long, "su-router.ao-testnet.xyz"}
	const me, other = "j0123abcd", "j4567ef01"
	one := Scope{Owner: me, Job: me, Hosts: hosts}
	shard1 := Scope{Owner: me, Job: "shard-1-of-2-" + me, Shards: 2, LegacyJob: "shard-1-of-2", Hosts: hosts}
	server := func(job string) string { return GroupKey(Server, "cu.ao-testnet.xyz", job, day1) }
	serverInc := func(job string) Incident {
		return Incident{Type: Server, Server: "cu.ao-testnet.xyz", DedupKey: server(job), Since: day1.Truncate(24 * time.Hour)}
	}
	listedOnly := Scope{Owner: me, Listed: func(pid string) bool { return pid == pidA }}
	procInc := func(pid, owner string) Incident {
		return Incident{Type: Mismatch, ProcessID: pid, DedupKey: ProcessKey(Mismatch, pid, owner, day1), Since: day1.Truncate(24 * time.Hour)}
	}
	tests := []struct {
		name  string
		scope Scope
		key   string
		want  Incident
		ok    bool
	}{
		{"one job, its server incident", one, server(me), serverInc(me), true},
		{"one job, its server incident from before job identities", one, server(""), serverInc(""), true},
		{"a shard, its own server incident", shard1, server("shard-1-of-2-" + me), serverInc("shard-1-of-2-" + me), true},
		{"a shard, its own from before job identities", shard1, server("shard-1-of-2"), serverInc("shard-1-of-2"), true},
		{"a shard, a host too long for the key", shard1, GroupKey(Scheduler, long, "shard-1-of-2-"+me, day1),
			Incident{Type: Scheduler, Server: long, DedupKey: GroupKey(Scheduler, long, "shard-1-of-2-"+me, day1), Since: day1.Truncate(24 * time.Hour)}, true},
		{"a sibling shard's server incident", shard1, server("shard-2-of-2-" + me), Incident{}, false},
		{"a sibling shard's, from before job identities", shard1, server("shard-2-of-2"), Incident{}, false},
		{"an earlier layout's server incident (2 of 3)", shard1, server("shard-2-of-3-" + me), serverInc("shard-2-of-3-" + me), true},
		{"the one job's, seen by a shard", shard1, server(me), serverInc(me), true},
		{"a shard's, seen by the one job", one, server("shard-2-of-2-" + me), serverInc("shard-2-of-2-" + me), true},
		{"another job's server incident", one, server(other), Incident{}, false},
		{"another job's shard", shard1, server("shard-1-of-3-" + other), Incident{}, false},
		{"the one job's from before identities, seen by a shard", shard1, server(""), Incident{}, false},
		{"a host this job does not watch", one, GroupKey(Server, "other.example", me, day1), Incident{}, false},
		{"its own process incident, listed or not", listedOnly, ProcessKey(Mismatch, pidB, me, day1), procInc(pidB, me), true},
		{"another job's process incident", listedOnly, ProcessKey(Mismatch, pidA, other, day1), Incident{}, false},
		{"a listed process's key from before identities", listedOnly, ProcessKey(Mismatch, pidA, "", day1), procInc(pidA, ""), true},
		{"an unlisted process's key from before identities", listedOnly, ProcessKey(Mismatch, pidB, "", day1), Incident{}, false},
		{"a listed process's key from before identities, the state file written since", Scope{Owner: me, LegacyHeld: true}, ProcessKey(Mismatch, pidA, "", day1), Incident{}, false},
		{"a server incident from before identities, the state file written since", Scope{Owner: me, Job: me, Hosts: hosts, LegacyHeld: true}, server(""), Incident{}, false},
		{"its own keys, the state file written since identities", Scope{Owner: me, Job: me, Hosts: hosts, LegacyHeld: true}, server(me), serverInc(me), true},
		{"a process another shard holds", Scope{Owner: me, Holds: func(string) bool { return false }}, ProcessKey(Mismatch, pidA, me, day1), Incident{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.scope.Recognize(tt.key)
			if ok != tt.ok || !cmp.Equal(got, tt.want) {
				t.Errorf("Recognize(%q) = %+v, %v; want %+v, %v", tt.key, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// A pass that cannot tell whether it sees a group whole holds an adopted
// grouped incident Decide would resolve; adopted process incidents, and
// groups the state already knew, are decided as usual.
func TestFitHoldsAdoptedGroupsWhenAsked(t *testing.T) {
	srv := Incident{Type: Server, Server: "h", DedupKey: DedupKey(Server, "h", day1), Severity: Critical, Since: day1}
	proc := inc(pidA, Mismatch, Critical, day1)
	for _, hold := range []bool{false, true} {
		rec := Reconciled{State: open(srv, proc), Adopted: []Incident{srv, proc}, HoldGroups: hold}
		plan := Plan{Events: []Event{{Action: Resolve, Reason: Recovered, Incident: srv}, {Action: Resolve, Reason: Recovered, Incident: proc}}}
		st, got := rec.Fit(plan)
		want := plan.Events
		if hold {
			want = want[1:]
		}
		if diff := cmp.Diff(want, got.Events); diff != "" {
			t.Errorf("HoldGroups %v: events (-want +got):\n%s", hold, diff)
		}
		if _, ok := st.Open[srv.DedupKey]; !ok {
			t.Errorf("HoldGroups %v: the server incident left the state before its resolve was sent", hold)
		}
	}
}

// A key shaped like the monitor's whose subject is no process ID (text
// from the network: markup, control characters) is not adopted.
func TestScopeRecognizesOnlyProcessIDs(t *testing.T) {
	for _, subject := range []string{"x\n::error::forged", "<img src=x>", pidA + "x", pidA[1:]} {
		if inc, ok := (Scope{}).Recognize(DedupKey(Mismatch, subject, day1)); ok {
			t.Errorf("adopted %q as %+v", subject, inc)
		}
	}
	if _, ok := (Scope{}).Recognize(DedupKey(Mismatch, pidA, day1)); !ok {
		t.Errorf("a key of process %s not recognised", pidA)
	}
}
