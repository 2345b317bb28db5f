package incident

import "time"

// The processes, days, policy and builders the core's tests share.

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
