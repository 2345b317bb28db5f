package incident

import "sort"

// coverage is phase 2 of Decide: the grouped incidents wanted this pass,
// the processes each covers, and every covered process.
// groupHolds is how many processes still in trouble keep an open group open.
const groupHolds = 2

type coverage struct {
	groups  map[subjectKey][]string
	covered map[string]bool
}

// cover is phase 2: which grouped incidents are wanted and whom they cover.
//
// A server incident opens when more than GroupThreshold processes of one
// state server want an incident (a breach, a stuck slot, or failing on the
// state server's side). A scheduler incident opens when the scheduler's side
// fails for more than GroupThreshold processes and for most of the
// processes checked. Once open (it is in prev), a group needs no threshold:
// it stays wanted while at least groupHolds processes it is about are still
// in trouble (behind, even if catching up; failing on its side, even before
// the error threshold; stuck), and covers exactly those, so a server
// recovering in steps pages nobody again. A lone process left in trouble is
// no longer the server's trouble (a node answering every other process is
// up): the group resolves and that process is paged on its own, once,
// rather than holding a critical server incident open for days.
func cover(prev State, observations []Observation, v processView, p Policy) coverage {
	c := coverage{groups: map[subjectKey][]string{}, covered: map[string]bool{}}
	if p.GroupThreshold <= 0 {
		return c
	}
	openBy := openBySubject(prev)
	troubled := map[string][]string{}  // host → processes wanting an incident
	lingering := map[string][]string{} // host → processes still in any trouble
	var schedulerDown, schedulerLingering []string
	active := 0
	for _, o := range observations {
		if o.Silenced || o.Check == CheckInterrupted || o.Check == CheckLoading {
			continue
		}
		active++
		w, ok := v.wants[o.ProcessID]
		mismatch := ok && (w.t == Mismatch || w.t == Stuck)
		failing := ok && w.t == Unreadable
		heldFailing := v.held[o.ProcessID] && o.Check != CheckRead
		switch {
		case mismatch || ((failing || heldFailing) && o.StateFailed):
			troubled[o.Server] = append(troubled[o.Server], o.ProcessID)
		case (failing || heldFailing) && o.SchedulerFailed:
			schedulerDown = append(schedulerDown, o.ProcessID)
		}
		switch status := Classify(o, p.Threshold); {
		case mismatch || status == StatusBehind || (status == StatusFailing && o.StateFailed):
			lingering[o.Server] = append(lingering[o.Server], o.ProcessID)
		case status == StatusFailing && o.SchedulerFailed:
			schedulerLingering = append(schedulerLingering, o.ProcessID)
		}
	}
	add := func(k subjectKey, pids []string) {
		sort.Strings(pids)
		c.groups[k] = pids
		for _, pid := range pids {
			c.covered[pid] = true
		}
	}
	for host, pids := range troubled {
		if len(pids) > p.GroupThreshold {
			add(subjectKey{Server, host}, pids)
		}
	}
	for host, pids := range lingering {
		k := subjectKey{Server, host}
		if _, open := openBy[k]; open && len(pids) >= groupHolds {
			add(k, pids)
		}
	}
	schedulerKey := subjectKey{Scheduler, p.SchedulerHost}
	if _, open := openBy[schedulerKey]; open && len(schedulerLingering) >= groupHolds {
		add(schedulerKey, schedulerLingering)
	} else if len(schedulerDown) > p.GroupThreshold && 2*len(schedulerDown) > active {
		add(schedulerKey, schedulerDown)
	}
	return c
}
