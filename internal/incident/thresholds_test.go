package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	pidC = "C000000000000000000000000000000000000000000"
	pidD = "D000000000000000000000000000000000000000000"
	host = "state.test"
)

func stateFailing(pid string) Observation {
	return Observation{ProcessID: pid, Server: host, StateFailed: true}
}

func schedulerFailing(pid string) Observation {
	return Observation{ProcessID: pid, Server: host, SchedulerFailed: true}
}

func behindOn(pid string, slots int64) Observation {
	return Observation{ProcessID: pid, Server: host, Check: CheckRead, SlotsBehind: slots}
}

func with(p Policy, change func(*Policy)) Policy { change(&p); return p }

func failingFor(s State, counts map[string]int) State {
	s.Failing = counts
	return s
}

func serverInc(t Type, subject string, opened time.Time) Incident {
	return Incident{Server: subject, Type: t, DedupKey: DedupKey(t, subject, opened), Severity: "critical", Since: opened}
}

func TestDecideThresholdsSilenceAndStorms(t *testing.T) {
	twoPasses := with(policyOn, func(p *Policy) { p.ErrorThreshold = 2 })
	hysteresis := with(policyOn, func(p *Policy) { p.ResolveThreshold = 20 })
	grouping := with(policyOn, func(p *Policy) { p.GroupThreshold = 2 })
	tests := []decideCase{
		{
			name: "error threshold 2: a first failure opens nothing and is counted",
			prev: open(), obs: []Observation{failing(pidA)}, policy: twoPasses,
			want: Plan{Next: failingFor(open(), map[string]int{pidA: 1})},
		},
		{
			name: "error threshold 2: the second failure in a row opens the error incident",
			prev: failingFor(open(), map[string]int{pidA: 1}), obs: []Observation{failing(pidA)}, policy: twoPasses,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1))},
				Next:   failingFor(open(inc(pidA, Unreadable, "error", day1)), map[string]int{pidA: 2}),
			},
		},
		{
			name: "error threshold 2: a long outage keeps the capped count, so the state does not change",
			prev: failingFor(open(inc(pidA, Unreadable, "error", day1)), map[string]int{pidA: 2}), obs: []Observation{failing(pidA)}, policy: twoPasses,
			want: Plan{Next: failingFor(open(inc(pidA, Unreadable, "error", day1)), map[string]int{pidA: 2})},
		},
		{
			name: "error threshold 2: a one-pass blip is forgotten when the process is checkable again",
			prev: failingFor(open(), map[string]int{pidA: 1}), obs: []Observation{behind(pidA, 0)}, policy: twoPasses,
			want: Plan{Next: open()},
		},
		{
			name: "error threshold 1 keeps no counts",
			prev: open(), obs: []Observation{failing(pidA)}, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1))},
				Next:   open(inc(pidA, Unreadable, "error", day1)),
			},
		},
		{
			name: "resolve threshold: between the two thresholds an open incident stays open",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 30)}, policy: hysteresis,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day1))},
		},
		{
			name: "resolve threshold: between the two thresholds nothing new opens",
			prev: open(), obs: []Observation{behind(pidA, 30)}, policy: hysteresis,
			want: Plan{Next: open()},
		},
		{
			name: "resolve threshold: below it the incident resolves",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{behind(pidA, 19)}, policy: hysteresis,
			want: Plan{Events: []Event{ev(Resolve, Recovered, inc(pidA, Mismatch, "error", day1))}, Next: open()},
		},
		{
			name: "silenced: behind but never paged",
			prev: open(), obs: []Observation{{ProcessID: pidA, Check: CheckRead, SlotsBehind: 500, Silenced: true}}, policy: policyOn,
			want: Plan{Next: open()},
		},
		{
			name: "silenced: an open incident is held, not resolved and not rotated",
			prev: open(inc(pidA, Mismatch, "error", day1)), obs: []Observation{{ProcessID: pidA, Check: CheckRead, Silenced: true}}, policy: policyOn,
			want: Plan{Next: open(inc(pidA, Mismatch, "error", day1))},
		},
		{
			name: "storm: more than group-threshold processes failing on one server open one server incident",
			prev: open(), obs: []Observation{stateFailing(pidA), stateFailing(pidB), stateFailing(pidC), behindOn(pidD, 0)}, policy: grouping,
			want: Plan{
				Events:   []Event{ev(Trigger, Opened, serverInc(Server, host, day1), pidA, pidB, pidC)},
				Next:     open(serverInc(Server, host, day1)),
				Affected: map[string][]string{DedupKey(Server, host, day1): {pidA, pidB, pidC}},
			},
		},
		{
			name: "storm: behind processes count too, and existing incidents are held",
			prev: open(inc(pidA, Unreadable, "error", day1)),
			obs:  []Observation{stateFailing(pidA), behindOn(pidB, 60), stateFailing(pidC)}, policy: grouping,
			want: Plan{
				Events:   []Event{ev(Trigger, Opened, serverInc(Server, host, day1), pidA, pidB, pidC)},
				Next:     open(inc(pidA, Unreadable, "error", day1), serverInc(Server, host, day1)),
				Affected: map[string][]string{DedupKey(Server, host, day1): {pidA, pidB, pidC}},
			},
		},
		{
			name: "storm: exactly group-threshold processes in trouble page one by one",
			prev: open(), obs: []Observation{stateFailing(pidA), stateFailing(pidB), behindOn(pidC, 0)}, policy: grouping,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1)), ev(Trigger, Opened, inc(pidB, Unreadable, "error", day1))},
				Next:   open(inc(pidA, Unreadable, "error", day1), inc(pidB, Unreadable, "error", day1)),
			},
		},
		{
			name: "storm over: the server incident resolves, listing the server's processes",
			prev: open(serverInc(Server, host, day1)), obs: []Observation{behindOn(pidA, 0), behindOn(pidB, 1), behindOn(pidC, 0)}, policy: grouping,
			want: Plan{
				Events: []Event{ev(Resolve, Recovered, serverInc(Server, host, day1), pidA, pidB, pidC)},
				Next:   open(),
			},
		},
		{
			name: "scheduler unreachable for most processes: one scheduler incident",
			prev: open(), obs: []Observation{schedulerFailing(pidA), schedulerFailing(pidB), schedulerFailing(pidC), behindOn(pidD, 0)}, policy: grouping,
			want: Plan{
				Events:   []Event{ev(Trigger, Opened, serverInc(Scheduler, "su-router.test", day1), pidA, pidB, pidC)},
				Next:     open(serverInc(Scheduler, "su-router.test", day1)),
				Affected: map[string][]string{DedupKey(Scheduler, "su-router.test", day1): {pidA, pidB, pidC}},
			},
		},
		{
			name: "scheduler failing for a minority: per-process error incidents",
			prev: open(), obs: []Observation{schedulerFailing(pidA), behindOn(pidB, 0), behindOn(pidC, 0), behindOn(pidD, 0)}, policy: grouping,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1))},
				Next:   open(inc(pidA, Unreadable, "error", day1)),
			},
		},
		{
			name: "grouping off (0): every process pages on its own",
			prev: open(), obs: []Observation{stateFailing(pidA), stateFailing(pidB), stateFailing(pidC)}, policy: policyOn,
			want: Plan{
				Events: []Event{ev(Trigger, Opened, inc(pidA, Unreadable, "error", day1)), ev(Trigger, Opened, inc(pidB, Unreadable, "error", day1)), ev(Trigger, Opened, inc(pidC, Unreadable, "error", day1))},
				Next:   open(inc(pidA, Unreadable, "error", day1), inc(pidB, Unreadable, "error", day1), inc(pidC, Unreadable, "error", day1)),
			},
		},
	}
	runCases(t, tests)
}

// Grouped incidents rotate like any other.
func TestServerIncidentRotates(t *testing.T) {
	p := with(policyOn, func(p *Policy) { p.GroupThreshold = 1 })
	got := Decide(open(serverInc(Server, host, day1)), []Observation{stateFailing(pidA), stateFailing(pidB)}, day2, p)
	want := []Event{
		ev(Resolve, Rotated, serverInc(Server, host, day1), pidA, pidB),
		ev(Trigger, Rotated, serverInc(Server, host, day2), pidA, pidB),
	}
	if diff := cmp.Diff(want, got.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// A pass cut short cannot tell whether a server recovered: its processes
// may be the ones not checked. Its incident is held; a full pass resolves it.
func TestServerIncidentHeldInAPartialPass(t *testing.T) {
	p := with(policyOn, func(p *Policy) { p.GroupThreshold = 1 })
	prev := open(serverInc(Server, host, day1))
	partial := []Observation{behindOn(pidA, 0), {ProcessID: pidB, Server: host, Check: CheckInterrupted}}
	if got := Decide(prev, partial, day1, p); len(got.Events) != 0 || len(got.Next.Open) != 1 {
		t.Errorf("partial pass: events %v, open %v", got.Events, got.Next.Open)
	}
	full := []Observation{behindOn(pidA, 0), behindOn(pidB, 0)}
	if got := Decide(prev, full, day1, p); len(got.Events) != 1 || got.Events[0].Action != Resolve {
		t.Errorf("full pass: events %v", got.Events)
	}
}
