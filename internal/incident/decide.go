package incident

import (
	"sort"
	"time"
)

// Observation is what one pass learned about one monitored process.
type Observation struct {
	ProcessID string
	// Checked is false when either nonce could not be read.
	Checked     bool
	SlotsBehind int64
}

// Policy is the part of the configuration the decision depends on.
type Policy struct {
	Threshold     int64 // slots apart at which a mismatch incident opens
	Levels        []Level
	AutoResolve   bool
	ErrorSeverity string // severity of "cannot be checked" incidents
}

// Action is what to do with one incident.
type Action string

const (
	Trigger Action = "trigger"
	Resolve Action = "resolve"
	// Forget drops an incident from the state without telling PagerDuty:
	// used when auto-resolve is off, so a human resolves it there.
	Forget Action = "forget"
)

// Reason says why an event is due; the report shows it.
type Reason string

const (
	Opened         Reason = "opened"          // a new breach or failure
	SeverityRaised Reason = "severity raised" // same incident, worse now
	Rotated        Reason = "rotated"         // a new UTC day: old key closed, today's opened
	Recovered      Reason = "recovered"       // the process is fine again
	Removed        Reason = "removed"         // no longer in the monitored list
)

// Event is one decided change to one incident.
type Event struct {
	Action   Action
	Reason   Reason
	Incident Incident
}

// Plan is the outcome of Decide: the events to deliver, in order, and the
// state that results if every one of them is delivered.
type Plan struct {
	Events []Event
	Next   Open
}

// Decide is the incident policy. Per process:
//   - not checkable while a mismatch incident is open: hold everything (the
//     process is already paged for; we cannot tell whether it recovered);
//   - not checkable otherwise: an error incident is wanted;
//   - at or past the threshold: a mismatch incident is wanted;
//   - otherwise nothing is wanted.
//
// Open incidents that are no longer wanted close (resolve, or forget when
// auto-resolve is off); wanted ones from an earlier UTC day rotate; a wanted
// incident whose severity rose is re-triggered under its key; a wanted type
// with no incident under today's key is triggered. Processes no longer
// observed at all have their incidents closed as removed.
func Decide(prev Open, observations []Observation, now time.Time, p Policy) Plan {
	byProcess := map[string][]Incident{}
	for _, inc := range prev {
		byProcess[inc.ProcessID] = append(byProcess[inc.ProcessID], inc)
	}
	obs := map[string]Observation{}
	for _, o := range observations {
		obs[o.ProcessID] = o
	}

	var events []Event
	closeEvent := func(inc Incident, why Reason) Event {
		if p.AutoResolve {
			return Event{Action: Resolve, Reason: why, Incident: inc}
		}
		return Event{Action: Forget, Reason: why, Incident: inc}
	}

	for _, pid := range sortedKeys(byProcess, obs) {
		open := byProcess[pid]
		sort.Slice(open, func(i, j int) bool { return open[i].DedupKey < open[j].DedupKey })
		o, observed := obs[pid]
		if !observed {
			for _, inc := range open {
				events = append(events, closeEvent(inc, Removed))
			}
			continue
		}
		if !o.Checked && hasType(open, Mismatch) {
			continue
		}

		want := map[Type]string{}
		switch {
		case !o.Checked:
			want[Error] = p.ErrorSeverity
		case o.SlotsBehind >= p.Threshold:
			want[Mismatch] = SeverityFor(p.Levels, o.SlotsBehind)
		}

		var triggers []Event
		rotated := map[Type]bool{}
		haveToday := map[Type]bool{}
		for _, inc := range open {
			sev, wanted := want[inc.Type]
			switch {
			case !wanted:
				events = append(events, closeEvent(inc, Recovered))
			case inc.DedupKey != DedupKey(inc.Type, pid, now):
				events = append(events, closeEvent(inc, Rotated))
				rotated[inc.Type] = true
			default:
				haveToday[inc.Type] = true
				if moreSevere(sev, inc.Severity) {
					raised := inc
					raised.Severity = sev
					triggers = append(triggers, Event{Action: Trigger, Reason: SeverityRaised, Incident: raised})
				}
			}
		}
		for _, t := range []Type{Error, Mismatch} {
			sev, wanted := want[t]
			if !wanted || haveToday[t] {
				continue
			}
			why := Opened
			if rotated[t] {
				why = Rotated
			}
			triggers = append(triggers, Event{Action: Trigger, Reason: why, Incident: Incident{
				ProcessID: pid, Type: t, DedupKey: DedupKey(t, pid, now), Severity: sev, Since: now.UTC(),
			}})
		}
		// Closing first means a responder never sees today's incident
		// while yesterday's still looks current.
		events = append(events, triggers...)
	}

	next := prev.Clone()
	for _, ev := range events {
		next.Apply(ev)
	}
	return Plan{Events: events, Next: next}
}

// Apply records one delivered event in o. The shell applies only the events
// PagerDuty accepted, so an undelivered one is decided again next pass.
func (o Open) Apply(ev Event) {
	switch ev.Action {
	case Trigger:
		o[ev.Incident.DedupKey] = ev.Incident
	case Resolve, Forget:
		delete(o, ev.Incident.DedupKey)
	}
}

func hasType(incs []Incident, t Type) bool {
	for _, inc := range incs {
		if inc.Type == t {
			return true
		}
	}
	return false
}

func sortedKeys(a map[string][]Incident, b map[string]Observation) []string {
	seen := map[string]bool{}
	var keys []string
	for k := range a {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
