package incident

import (
	"sort"
	"time"
)

// reconcileAll is phase 3: every subject's open incidents against what it
// wants this pass, in order (groups first, the root cause leading, then
// processes, each sorted), and the processes each wanted group covers,
// by its dedup key.
//
// Held: a grouped incident not wanted in a pass that was cut short or
// narrowed, or a server incident not wanted while a process on its host was
// loading (whether its processes recovered is unknown); a process that is
// held, covered by a group, or (in a narrowed pass) not listed. Closed as
// removed: a process no longer in the configured lists, and a server
// incident none of whose processes is listed any more.
func reconcileAll(prev State, observations []Observation, v processView, c coverage, now time.Time, p Policy) ([]Event, map[string][]string) {
	openBy := openBySubject(prev)
	obs := map[string]bool{}
	hosts := map[string]bool{}
	for _, o := range observations {
		obs[o.ProcessID] = true
		hosts[o.Server] = true
	}
	affected := map[string][]string{}
	var events []Event
	for _, k := range subjects(openBy, obs, c.groups) {
		open := openBy[k]
		sort.Slice(open, func(i, j int) bool { return open[i].DedupKey < open[j].DedupKey })
		if k.t != "" {
			var want *wanted
			members, isWanted := c.groups[k]
			if isWanted {
				want = &wanted{k.t, groupSeverity}
				affected[keyOf(k.t, k.name, now, p)] = members
			}
			if (v.partial || p.Narrowed || (k.t == Server && v.loadingOn[k.name])) && !isWanted {
				// Its processes may be among those not checked, or not
				// read (loading): whether it recovered is unknown, so it
				// is held.
				continue
			}
			why := Recovered
			if k.t == Server && !hosts[k.name] {
				why = Removed
			}
			evs := reconcileSubject(open, want, k.t, k.name, why, now, p)
			for i := range evs {
				evs[i].Affected = members
				if evs[i].Action != Trigger {
					evs[i].Affected = onServer(observations, k)
				}
			}
			events = append(events, evs...)
			continue
		}
		if !obs[k.name] {
			if p.Narrowed {
				continue
			}
			for _, inc := range open {
				events = append(events, closeEvent(inc, Removed, p))
			}
			continue
		}
		if v.held[k.name] || c.covered[k.name] {
			continue
		}
		var want *wanted
		if w, ok := v.wants[k.name]; ok {
			want = &w
		}
		events = append(events, reconcileSubject(open, want, "", k.name, Recovered, now, p)...)
	}
	return events, affected
}

// reconcileSubject turns one subject's open incidents and wanted type into events:
// closes first (for why, when not wanted), so a responder never sees today's
// incident while yesterday's still looks current.
func reconcileSubject(open []Incident, want *wanted, groupType Type, subject string, why Reason, now time.Time, p Policy) []Event {
	var closes, triggers []Event
	rotated, haveToday := false, false
	for _, inc := range open {
		switch {
		case want == nil || want.t != inc.Type:
			closes = append(closes, closeEvent(inc, why, p))
		case fromEarlierDay(inc, now):
			closes = append(closes, closeEvent(inc, Rotated, p))
			rotated = true
		case haveToday:
			// A second incident of today for the subject (another key
			// format, from an earlier version): one is enough.
			closes = append(closes, closeEvent(inc, Rotated, p))
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
		reason := Opened
		if rotated {
			reason = Rotated
		}
		inc := Incident{Type: want.t, DedupKey: keyOf(want.t, subject, now, p), Severity: want.severity, Since: now.UTC()}
		if groupType != "" {
			inc.Server = subject
		} else {
			inc.ProcessID = subject
		}
		triggers = append(triggers, Event{Action: Trigger, Reason: reason, Incident: inc})
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

// subjects lists every subject with an open incident, an observation or a
// wanted group: groups first (the root cause leads), then processes, each
// sorted.
func subjects(open map[subjectKey][]Incident, obs map[string]bool, groups map[subjectKey][]string) []subjectKey {
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
