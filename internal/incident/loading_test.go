package incident

import "testing"

func loading(pid, server string) Observation {
	return Observation{ProcessID: pid, Server: server, Check: CheckLoading, StateFailed: true}
}

// A process its state server is loading is no evidence either way: it
// opens nothing, resolves nothing, keeps its failure streak, and holds a
// server incident on its own host only (docs/ao-endpoints.md: a node
// computing a process it had not loaded, or the slot the monitor's own
// abandoned request left).
func TestLoadingIsNoEvidence(t *testing.T) {
	grouped := with(policyOn, func(p *Policy) { p.GroupThreshold = 1; p.ErrorThreshold = 3 })
	serverA := serverInc(Server, host, day1)
	serverB := serverInc(Server, "other.test", day1)
	runCases(t, []decideCase{
		{
			name: "loading opens nothing",
			obs:  []Observation{loading(pidA, host)},
			want: Plan{Next: open()},
		},
		{
			name: "loading holds an open mismatch (no resolve)",
			prev: open(inc(pidA, Mismatch, "critical", day1)),
			obs:  []Observation{loading(pidA, host)},
			want: Plan{Next: open(inc(pidA, Mismatch, "critical", day1))},
		},
		{
			name: "loading holds an open error incident",
			prev: open(inc(pidA, Unreadable, "error", day1)),
			obs:  []Observation{loading(pidA, host)},
			want: Plan{Next: open(inc(pidA, Unreadable, "error", day1))},
		},
		{
			name:   "loading keeps the failure streak as it was (neither a failure nor a read)",
			prev:   failingFor(open(), map[string]int{pidA: 2}),
			obs:    []Observation{loading(pidA, host)},
			policy: with(policyOn, func(p *Policy) { p.ErrorThreshold = 3 }),
			want:   Plan{Next: failingFor(open(), map[string]int{pidA: 2})},
		},
		{
			name:   "a server incident whose host has a process loading is held; another host's recovered one resolves",
			prev:   open(serverA, serverB),
			obs:    []Observation{loading(pidA, host), behindOn(pidB, 0), {ProcessID: "C000000000000000000000000000000000000000000", Server: "other.test", Check: CheckRead}},
			policy: grouped,
			want: Plan{
				Events: []Event{ev(Resolve, Recovered, serverB, "C000000000000000000000000000000000000000000")},
				Next:   open(serverA),
			},
		},
	})
}

func TestLoadingStatus(t *testing.T) {
	if got := Classify(loading(pidA, host), 50); got != StatusLoading {
		t.Errorf("Classify(loading) = %q, want %q", got, StatusLoading)
	}
	if got := Classify(Observation{ProcessID: pidA, Check: CheckLoading, Silenced: true}, 50); got != StatusSilenced {
		t.Errorf("a silenced process is silenced whatever its check: %q", got)
	}
}

// An open error incident read again below the threshold is recovered only
// on evidence: in step, or the state slot moved since its latest earlier
// sample. A node answers a failed computation once and its last good slot
// after, so a read at an unchanged slot (or with no earlier sample to tell,
// a lost history file) is no evidence the failure ended.
func TestAnErrorIncidentResolvesOnlyOnEvidence(t *testing.T) {
	failed := open(inc(pidA, Unreadable, "error", day1))
	readAgain := func(behind int64, moved bool) Observation {
		o := behindOn(pidA, behind)
		o.StateMoved = moved
		return o
	}
	runCases(t, []decideCase{
		{
			name:   "2 behind at the slot it had: held",
			prev:   failed,
			obs:    []Observation{readAgain(2, false)},
			policy: policyOn,
			want:   Plan{Next: failed},
		},
		{
			name:   "2 behind, the slot moved since: recovered",
			prev:   failed,
			obs:    []Observation{readAgain(2, true)},
			policy: policyOn,
			want:   Plan{Events: []Event{ev(Resolve, Recovered, inc(pidA, Unreadable, "error", day1))}, Next: open()},
		},
		{
			name:   "in step: recovered, moved or not",
			prev:   failed,
			obs:    []Observation{readAgain(0, false)},
			policy: policyOn,
			want:   Plan{Events: []Event{ev(Resolve, Recovered, inc(pidA, Unreadable, "error", day1))}, Next: open()},
		},
		{
			name:   "a mismatch incident is not held so: below its threshold it is recovered",
			prev:   open(inc(pidA, Mismatch, "error", day1)),
			obs:    []Observation{readAgain(2, false)},
			policy: policyOn,
			want:   Plan{Events: []Event{ev(Resolve, Recovered, inc(pidA, Mismatch, "error", day1))}, Next: open()},
		},
	})
}
