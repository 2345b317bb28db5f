package incident

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func alert(key string, n uint) RemoteAlert {
	return RemoteAlert{DedupKey: key, Link: Link{Number: n, Status: "triggered", URL: "https://acme.pagerduty.com/incidents/Q" + string(rune('A'+n))}}
}

func withSeverity(a RemoteAlert, sev Severity) RemoteAlert {
	a.Severity = sev
	return a
}

// adopted is an incident as Reconcile adopts it from a key alone.
func adopted(pid string, t Type, opened time.Time) Incident {
	day := opened.UTC().Truncate(24 * time.Hour)
	return Incident{ProcessID: pid, Type: t, DedupKey: DedupKey(t, pid, opened), Since: day}
}

func TestParseDedupKey(t *testing.T) {
	dashed := "a-b-c" + strings.Repeat("x", 38)
	day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		key  string
		want Incident
		ok   bool
	}{
		{DedupKey(Mismatch, pidA, day1), Incident{ProcessID: pidA, Type: Mismatch, DedupKey: DedupKey(Mismatch, pidA, day1), Since: day}, true},
		{DedupKey(Server, "cu.ao-testnet.xyz", day1), Incident{Server: "cu.ao-testnet.xyz", Type: Server, DedupKey: DedupKey(Server, "cu.ao-testnet.xyz", day1), Since: day}, true},
		// Process IDs hold dashes: the type ends at the first, the day is the last.
		{DedupKey(Stuck, dashed, day1), Incident{ProcessID: dashed, Type: Stuck, DedupKey: DedupKey(Stuck, dashed, day1), Since: day}, true},
		// A process incident's subject is a process ID, or the key is not ours.
		{DedupKey(Mismatch, "a-b-c", day1), Incident{}, false},
		{DedupKey(Mismatch, "<img src=x>\n::error::x"+strings.Repeat("x", 20), day1), Incident{}, false},
		{"nonce-monitor-test", Incident{}, false},
		{"nonce-monitor-mismatch--20261122", Incident{}, false},
		{"nonce-monitor-outage-" + pidA + "-20261122", Incident{}, false},
		{"nonce-monitor-mismatch-" + pidA + "-20261399", Incident{}, false},
		{"other-tool-mismatch-" + pidA + "-20261122", Incident{}, false},
		{"nonce-monitor-mismatch-" + pidA, Incident{}, false},
	}
	for _, tt := range tests {
		got, _, ok := ParseDedupKey(tt.key)
		if ok != tt.ok || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseDedupKey(%q) = %+v, %v; want %+v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReconcile(t *testing.T) {
	a := inc(pidA, Mismatch, "error", day1)
	b := inc(pidB, Unreadable, "error", day1)
	pdA, pdB := alert(a.DedupKey, 1), alert(b.DedupKey, 2)
	all := Scope{}
	tests := []struct {
		name   string
		prev   State
		remote Remote
		adopt  Scope
		want   Reconciled
	}{
		{
			name: "both agree: nothing changes, links known",
			prev: open(a), remote: Remote{Open: []RemoteAlert{pdA}, Complete: true}, adopt: all,
			want: Reconciled{State: open(a), Links: map[string]Link{a.DedupKey: pdA.Link}},
		},
		{
			name: "no state file: what PagerDuty holds is adopted, severity unknown",
			prev: NewState(), remote: Remote{Open: []RemoteAlert{pdB, pdA}, Complete: true}, adopt: all,
			want: Reconciled{
				State:   open(adopted(pidA, Mismatch, day1), adopted(pidB, Unreadable, day1)),
				Adopted: []Incident{adopted(pidB, Unreadable, day1), adopted(pidA, Mismatch, day1)},
				Links:   map[string]Link{a.DedupKey: pdA.Link, b.DedupKey: pdB.Link},
			},
		},
		{
			name: "adopted with PagerDuty's severity and opening time when it says them",
			prev: NewState(),
			remote: Remote{Open: []RemoteAlert{{DedupKey: a.DedupKey, Severity: "critical", Since: day1.Add(time.Minute), Link: pdA.Link}},
				Complete: true},
			adopt: all,
			want: Reconciled{
				State:   open(Incident{ProcessID: pidA, Type: Mismatch, DedupKey: a.DedupKey, Severity: "critical", Since: day1.Add(time.Minute)}),
				Adopted: []Incident{{ProcessID: pidA, Type: Mismatch, DedupKey: a.DedupKey, Severity: "critical", Since: day1.Add(time.Minute)}},
				Links:   map[string]Link{a.DedupKey: pdA.Link},
			},
		},
		{
			name: "an opening time off the key's own day is not believed",
			prev: NewState(), remote: Remote{Open: []RemoteAlert{{DedupKey: a.DedupKey, Since: day1.Add(72 * time.Hour), Link: pdA.Link}}, Complete: true},
			adopt: all,
			want: Reconciled{
				State:   open(adopted(pidA, Mismatch, day1)),
				Adopted: []Incident{adopted(pidA, Mismatch, day1)},
				Links:   map[string]Link{a.DedupKey: pdA.Link},
			},
		},
		{
			name: "another shard's process is left to that shard",
			prev: NewState(), remote: Remote{Open: []RemoteAlert{pdA, pdB}, Complete: true},
			adopt: Scope{Holds: func(pid string) bool { return pid == pidB }},
			want: Reconciled{
				State:   open(adopted(pidB, Unreadable, day1)),
				Adopted: []Incident{adopted(pidB, Unreadable, day1)},
				Links:   map[string]Link{a.DedupKey: pdA.Link, b.DedupKey: pdB.Link},
			},
		},
		{
			name: "resolved in PagerDuty (by a person, or an overlapping run): the state learns it",
			prev: open(a, b), remote: Remote{Open: []RemoteAlert{pdB}, Complete: true}, adopt: all,
			want: Reconciled{State: open(b), Closed: []Incident{a}, Links: map[string]Link{b.DedupKey: pdB.Link}},
		},
		{
			name: "a listing cut short proves nothing resolved",
			prev: open(a, b), remote: Remote{Open: []RemoteAlert{pdB}, Complete: false}, adopt: all,
			want: Reconciled{State: open(a, b), Links: map[string]Link{b.DedupKey: pdB.Link}},
		},
		{
			name: "unconfirmed and open in PagerDuty at its severity: confirmed",
			prev: open(unconfirmed(a)), remote: Remote{Open: []RemoteAlert{withSeverity(pdA, "error")}, Complete: true}, adopt: all,
			want: Reconciled{State: open(a), Settled: []Incident{a}, Links: map[string]Link{a.DedupKey: pdA.Link}},
		},
		{
			// A raise intended (error) and killed before sending: the
			// alert is open, at the old severity or one not shown.
			name:   "unconfirmed and open in PagerDuty, severity lower or not shown: still unconfirmed (sent again)",
			prev:   open(unconfirmed(a), unconfirmed(b)),
			remote: Remote{Open: []RemoteAlert{withSeverity(pdA, "warning"), pdB}, Complete: true}, adopt: all,
			want: Reconciled{State: open(unconfirmed(a), unconfirmed(b)), Links: map[string]Link{a.DedupKey: pdA.Link, b.DedupKey: pdB.Link}},
		},
		{
			name: "unconfirmed and not open in PagerDuty: dropped, decided afresh",
			prev: open(unconfirmed(a)), remote: Remote{Complete: true}, adopt: all,
			want: Reconciled{State: open(), Closed: []Incident{unconfirmed(a)}, Links: map[string]Link{}},
		},
		{
			name: "keys that are not the monitor's are never adopted, a key listed twice once",
			prev: NewState(),
			remote: Remote{Open: []RemoteAlert{alert("nonce-monitor-test", 7), alert("db-down", 8), pdA, pdA},
				Complete: true},
			adopt: all,
			want: Reconciled{
				State:   open(adopted(pidA, Mismatch, day1)),
				Adopted: []Incident{adopted(pidA, Mismatch, day1)},
				Links: map[string]Link{"nonce-monitor-test": alert("", 7).Link, "db-down": alert("", 8).Link,
					a.DedupKey: pdA.Link},
			},
		},
		{
			name:   "failure counts are kept",
			prev:   func() State { s := open(); s.Failing[pidA] = 2; return s }(),
			remote: Remote{Complete: true}, adopt: all,
			want: Reconciled{State: func() State { s := open(); s.Failing[pidA] = 2; return s }(), Links: map[string]Link{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.prev.Clone()
			got := Reconcile(tt.prev, tt.remote, tt.adopt)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Reconcile (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.prev); diff != "" {
				t.Errorf("Reconcile changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

// The promise: with PagerDuty's memory, a pass with no state file, a stale
// one or one another run overwrote ends with PagerDuty holding exactly what
// a pass with the perfect state file leaves it.
func TestReconcileThenDecideMatchesAPerfectStateFile(t *testing.T) {
	pidC := "C000000000000000000000000000000000000000000"
	a, b, c := inc(pidA, Mismatch, "error", day1), inc(pidB, Unreadable, "error", day1), inc(pidC, Mismatch, "critical", day1)
	perfect := open(a, b, c)
	remote := Remote{Open: []RemoteAlert{alert(a.DedupKey, 1), alert(b.DedupKey, 2), alert(c.DedupKey, 3)}, Complete: true}
	obsSets := map[string][]Observation{
		"all recovered":                {behind(pidA, 0), behind(pidB, 0), behind(pidC, 0)},
		"all still in trouble":         {behind(pidA, 60), failing(pidB), behind(pidC, 150)},
		"one worse, one removed":       {behind(pidA, 150), failing(pidB)},
		"next day, still behind":       {behind(pidA, 60), behind(pidB, 0), behind(pidC, 150)},
		"one not checked (cut short)":  {{ProcessID: pidA, Check: CheckInterrupted}, behind(pidB, 0), behind(pidC, 0)},
		"a newcomer falls behind too":  {behind(pidA, 60), behind(pidB, 0), behind(pidC, 0), behind("D000000000000000000000000000000000000000000", 70)},
		"every process silenced today": {{ProcessID: pidA, Check: CheckRead, Silenced: true}, {ProcessID: pidB, Silenced: true}, {ProcessID: pidC, Check: CheckRead, Silenced: true}},
	}
	states := map[string]State{
		"no state file":        NewState(),
		"a stale state file":   open(a),
		"an overlapping run's": open(b, inc(pidA, Mismatch, "warning", day1.Add(-24*time.Hour))),
	}
	for obsName, obs := range obsSets {
		now := day1
		if obsName == "next day, still behind" {
			now = day2
		}
		want := openAfter(remote, Decide(perfect, obs, now, policyOn).Events)
		for stateName, st := range states {
			// An overlapping run's incident from yesterday that PagerDuty
			// resolved is not in remote: PagerDuty knows better.
			rec := Reconcile(st, remote, Scope{})
			plan := Decide(rec.State, obs, now, policyOn)
			if got := openAfter(remote, plan.Events); !cmp.Equal(want, got) {
				t.Errorf("%s, %s: PagerDuty holds %v, with the perfect state file %v", obsName, stateName, got, want)
			}
		}
	}
}

// openAfter is the dedup keys PagerDuty holds open after events, sorted.
func openAfter(remote Remote, events []Event) []string {
	keys := map[string]bool{}
	for _, a := range remote.Open {
		keys[a.DedupKey] = true
	}
	for _, ev := range events {
		switch ev.Action {
		case Trigger:
			keys[ev.Incident.DedupKey] = true
		case Resolve:
			delete(keys, ev.Incident.DedupKey)
		}
	}
	out := []string{}
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestAdjustKeepsAdoptedIncidentsQuiet(t *testing.T) {
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

func TestAdjustDoesNotAdoptWhatItWouldForget(t *testing.T) {
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
func TestAdjustHoldsAdoptedGroupsWhenAsked(t *testing.T) {
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
