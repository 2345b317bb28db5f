package incident

import (
	"sort"
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

// Observation is what one pass learned about one monitored process.
type Observation struct {
	ProcessID string
	// Checked is false when either nonce could not be read.
	Checked     bool
	SlotsBehind int64
	// Server is the host of the process's state server: the group a
	// storm of troubles is attributed to.
	Server          string
	StateFailed     bool // the state server's side of the check failed
	SchedulerFailed bool // the scheduler's side of the check failed
	// Silenced processes are checked and reported but never paged; their
	// incidents are held as they are.
	Silenced bool
	// NotChecked: the pass ended (deadline or cancellation) before this
	// process's check did. It opens, resolves and advances nothing.
	NotChecked bool
	// Trend is the process's motion over its recent samples.
	Trend trend.Trend
}

// Policy is the part of the configuration the decision depends on.
type Policy struct {
	Threshold        int64 // slots apart at which a mismatch incident opens
	ResolveThreshold int64 // slots apart below which an open mismatch resolves (≤ Threshold)
	Levels           []Level
	AutoResolve      bool
	ErrorSeverity    Severity // severity of "cannot be checked" incidents
	// ErrorThreshold is how many consecutive passes a process must fail
	// to be checked before an error incident opens (1 = at once).
	ErrorThreshold int
	// GroupThreshold: more than this many processes in trouble on one state
	// server open one server incident instead (0 turns grouping off).
	GroupThreshold int
	GroupSeverity  Severity
	SchedulerHost  string // names the scheduler incident
	// StuckAfter: a state slot still for this long while the scheduler
	// advanced wants a stuck incident (0: off).
	StuckAfter time.Duration
	// CatchUpGrace: a process past the threshold that is catching up with
	// an ETA under this, or whose server just restarted, is not paged yet
	// (0: off).
	CatchUpGrace time.Duration
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
	Recovered      Reason = "recovered"       // the process (or server) is fine again
	Removed        Reason = "removed"         // no longer in the monitored list
	// Unconfirmed: the last event's outcome is unknown (no answer, or the
	// pass was killed), so the trigger is sent again; the dedup key makes
	// that harmless if PagerDuty already has it.
	Unconfirmed Reason = "unconfirmed, sent again"
)

// Event is one decided change to one incident. Affected lists the
// processes a grouped incident covers (for its payload and the outputs).
type Event struct {
	Action   Action
	Reason   Reason
	Incident Incident
	Affected []string
}

// Plan is the outcome of Decide: the events to deliver, in order, the state
// that results if every one is delivered, and the processes each wanted
// grouped incident covers this pass.
type Plan struct {
	Events   []Event
	Next     State
	Affected map[string][]string // dedup key of a grouped incident → process IDs
	// Deferred lists the processes past the threshold not paged yet
	// because they are catching up (catch-up-grace), sorted.
	Deferred []string
}

// wanted is the incident a subject should have this pass: one type, at
// one severity.
type wanted struct {
	t        Type
	severity Severity
}

type subjectKey struct {
	t    Type // Server or Scheduler for groups; "" for processes
	name string
}

// Decide is the incident policy.
//
// Per process: not checked at all (the pass was cut short) holds
// everything, and so does any grouped incident not wanted in such a pass;
// not checkable while a mismatch incident is open holds
// everything (the responder is already paged for it, and we cannot tell
// whether it recovered); not checkable for ErrorThreshold passes in a row
// wants an error incident; at or past Threshold (or, with a mismatch open,
// at or past ResolveThreshold) wants a mismatch incident.
//
// Storms: when more than GroupThreshold processes on one state server want
// an incident, one server incident is wanted instead and those processes
// open none of their own (incidents they already have are held). Likewise
// one scheduler incident when the scheduler side fails for more than
// GroupThreshold processes and for most of them.
//
// For every subject, open incidents no longer wanted close (resolve, or
// forget when auto-resolve is off); wanted ones from an earlier UTC day
// rotate; a wanted incident whose severity rose is re-triggered under its
// key; a wanted type with no incident under today's key is triggered.
// Processes no longer observed have their incidents closed as removed.
func Decide(prev State, observations []Observation, now time.Time, p Policy) Plan {
	next := prev.Clone()
	next.Failing = map[string]int{}

	openBy := map[subjectKey][]Incident{}
	for _, inc := range prev.Open {
		k := subjectKey{name: inc.Subject()}
		if inc.Type.Grouped() {
			k.t = inc.Type
		}
		openBy[k] = append(openBy[k], inc)
	}

	obs := map[string]Observation{}
	wants := map[string]wanted{}
	held := map[string]bool{}
	var deferred []string
	partial := false
	for _, o := range observations {
		obs[o.ProcessID] = o
		if o.NotChecked {
			partial = true
			held[o.ProcessID] = true
			if n, ok := prev.Failing[o.ProcessID]; ok {
				next.Failing[o.ProcessID] = n
			}
			continue
		}
		streak := 0
		if !o.Checked {
			streak = min(prev.Failing[o.ProcessID]+1, max(p.ErrorThreshold, 1))
			if p.ErrorThreshold > 1 {
				next.Failing[o.ProcessID] = streak
			}
		}
		open := openBy[subjectKey{name: o.ProcessID}]
		status := Classify(o, p.Threshold)
		switch {
		case status == StatusSilenced:
			held[o.ProcessID] = true
		case status == StatusFailing && hasType(open, Mismatch):
			held[o.ProcessID] = true
		case status == StatusFailing:
			if streak >= p.ErrorThreshold || hasType(open, Error) {
				wants[o.ProcessID] = wanted{Error, p.ErrorSeverity}
			}
		case hasType(open, Stuck) && (status == StatusBehind || stuck(o, now, p)):
			// One page per process: a stuck incident already pages for it,
			// and stays until the state server moves.
			wants[o.ProcessID] = wanted{Stuck, SeverityError}
		case status == StatusBehind && !hasType(open, Mismatch) && catchingUp(o, p):
			deferred = append(deferred, o.ProcessID)
		case status == StatusBehind || (hasType(open, Mismatch) && o.SlotsBehind >= p.ResolveThreshold):
			wants[o.ProcessID] = wanted{Mismatch, severityFor(p.Levels, o.SlotsBehind)}
		case stuck(o, now, p):
			wants[o.ProcessID] = wanted{Stuck, SeverityError}
		}
	}
	sort.Strings(deferred)

	groups, covered := storms(observations, wants, held, p)
	affected := map[string][]string{}

	var events []Event
	for _, k := range subjects(openBy, obs, groups) {
		open := openBy[k]
		sort.Slice(open, func(i, j int) bool { return open[i].DedupKey < open[j].DedupKey })
		if k.t != "" {
			var want *wanted
			members, isWanted := groups[k]
			if isWanted {
				want = &wanted{k.t, p.GroupSeverity}
				affected[DedupKey(k.t, k.name, now)] = members
			}
			if partial && !isWanted {
				// Its processes may be among those not checked: whether
				// it recovered is unknown, so it is held.
				continue
			}
			evs := reconcile(open, want, k.t, k.name, now, p)
			for i := range evs {
				evs[i].Affected = members
				if evs[i].Action != Trigger {
					evs[i].Affected = onServer(observations, k)
				}
			}
			events = append(events, evs...)
			continue
		}
		if _, observed := obs[k.name]; !observed {
			for _, inc := range open {
				events = append(events, closeEvent(inc, Removed, p))
			}
			continue
		}
		if held[k.name] || covered[k.name] {
			continue
		}
		var want *wanted
		if w, ok := wants[k.name]; ok {
			want = &w
		}
		events = append(events, reconcile(open, want, "", k.name, now, p)...)
	}

	for _, ev := range events {
		next.Apply(ev)
	}
	return Plan{Events: events, Next: next, Affected: affected, Deferred: deferred}
}

// stuck reports whether o's state slot has been still for StuckAfter while
// its scheduler advanced.
func stuck(o Observation, now time.Time, p Policy) bool {
	return p.StuckAfter > 0 && o.Trend.Class == trend.Stuck && now.Sub(o.Trend.StuckSince) >= p.StuckAfter
}

// catchingUp reports whether o, past the threshold, may wait: it closes
// its gap within CatchUpGrace, or its server just restarted and one more
// pass will tell.
func catchingUp(o Observation, p Policy) bool {
	if p.CatchUpGrace <= 0 {
		return false
	}
	t := o.Trend
	return (t.Class == trend.CatchingUp && t.ETA < p.CatchUpGrace) || (t.Class == trend.Unknown && t.Reset)
}

// storms finds the grouped incidents wanted this pass and the processes
// they cover.
func storms(observations []Observation, wants map[string]wanted, held map[string]bool, p Policy) (map[subjectKey][]string, map[string]bool) {
	groups := map[subjectKey][]string{}
	covered := map[string]bool{}
	if p.GroupThreshold <= 0 {
		return groups, covered
	}
	troubled := map[string][]string{}
	var schedulerDown []string
	active := 0
	for _, o := range observations {
		if o.Silenced || o.NotChecked {
			continue
		}
		active++
		w, ok := wants[o.ProcessID]
		mismatch := ok && (w.t == Mismatch || w.t == Stuck)
		failing := ok && w.t == Error
		heldFailing := held[o.ProcessID] && !o.Checked
		switch {
		case mismatch || ((failing || heldFailing) && o.StateFailed):
			troubled[o.Server] = append(troubled[o.Server], o.ProcessID)
		case (failing || heldFailing) && o.SchedulerFailed:
			schedulerDown = append(schedulerDown, o.ProcessID)
		}
	}
	for host, pids := range troubled {
		if len(pids) > p.GroupThreshold {
			sort.Strings(pids)
			groups[subjectKey{Server, host}] = pids
			for _, pid := range pids {
				covered[pid] = true
			}
		}
	}
	if len(schedulerDown) > p.GroupThreshold && 2*len(schedulerDown) > active {
		sort.Strings(schedulerDown)
		groups[subjectKey{Scheduler, p.SchedulerHost}] = schedulerDown
		for _, pid := range schedulerDown {
			covered[pid] = true
		}
	}
	return groups, covered
}

// reconcile turns one subject's open incidents and wanted types into events:
// closes first, so a responder never sees today's incident while
// yesterday's still looks current.
func reconcile(open []Incident, want *wanted, groupType Type, subject string, now time.Time, p Policy) []Event {
	var closes, triggers []Event
	rotated, haveToday := false, false
	for _, inc := range open {
		switch {
		case want == nil || want.t != inc.Type:
			closes = append(closes, closeEvent(inc, Recovered, p))
		case inc.DedupKey != DedupKey(inc.Type, subject, now):
			closes = append(closes, closeEvent(inc, Rotated, p))
			rotated = true
		default:
			haveToday = true
			switch {
			case want.severity.MoreSevere(inc.Severity):
				raised := inc
				raised.Severity = want.severity
				triggers = append(triggers, Event{Action: Trigger, Reason: SeverityRaised, Incident: raised})
			case inc.Unconfirmed:
				triggers = append(triggers, Event{Action: Trigger, Reason: Unconfirmed, Incident: inc})
			}
		}
	}
	if want != nil && !haveToday {
		why := Opened
		if rotated {
			why = Rotated
		}
		inc := Incident{Type: want.t, DedupKey: DedupKey(want.t, subject, now), Severity: want.severity, Since: now.UTC()}
		if groupType != "" {
			inc.Server = subject
		} else {
			inc.ProcessID = subject
		}
		triggers = append(triggers, Event{Action: Trigger, Reason: why, Incident: inc})
	}
	return append(closes, triggers...)
}

func closeEvent(inc Incident, why Reason, p Policy) Event {
	if p.AutoResolve {
		return Event{Action: Resolve, Reason: why, Incident: inc}
	}
	return Event{Action: Forget, Reason: why, Incident: inc}
}

// onServer lists the observed processes a grouped incident is about.
func onServer(observations []Observation, k subjectKey) []string {
	var pids []string
	for _, o := range observations {
		if k.t == Scheduler || o.Server == k.name {
			pids = append(pids, o.ProcessID)
		}
	}
	sort.Strings(pids)
	return pids
}

func hasType(incs []Incident, t Type) bool {
	for _, inc := range incs {
		if inc.Type == t {
			return true
		}
	}
	return false
}

// subjects lists every subject with an open incident, an observation or a
// wanted group: groups first (the root cause leads), then processes, each
// sorted.
func subjects(open map[subjectKey][]Incident, obs map[string]Observation, groups map[subjectKey][]string) []subjectKey {
	seen := map[subjectKey]bool{}
	var keys []subjectKey
	add := func(k subjectKey) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for k := range open {
		add(k)
	}
	for pid := range obs {
		add(subjectKey{name: pid})
	}
	for k := range groups {
		add(k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if (a.t != "") != (b.t != "") {
			return a.t != ""
		}
		if a.t != b.t {
			return a.t < b.t
		}
		return a.name < b.name
	})
	return keys
}
