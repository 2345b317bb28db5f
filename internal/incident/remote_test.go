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
