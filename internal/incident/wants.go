package incident

import (
	"sort"
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

// processView is phase 1 of Decide: what each observed process wants on its
// own, before grouping.
type processView struct {
	wants map[string]wanted // the incident a process wants
	held  map[string]bool   // processes whose incidents stay as they are
	// deferred: past the threshold, not paged yet (catch-up grace), sorted.
	deferred []string
	// failing is the next state's consecutive-failure counts.
	failing map[string]int
	// partial: some process was not checked (the pass was cut short).
	partial bool
	// loadingOn: the hosts where some process was loading: whether a
	// server incident there recovered is unknown.
	loadingOn map[string]bool
}

// wantsOf is phase 1: each process's own want, from its observation, its
// open incidents and its failure streak.
//
// Not checked at all (the pass was cut short) holds everything; so does a
// silenced process, and one its state server was loading. Not checkable while a mismatch or a stuck incident is
// open holds (the responder is paged already, and recovery cannot be told). Not checkable
// for ErrorThreshold passes in a row wants an error incident. An open stuck
// incident wants to stay while the slot is still (for any time) or the gap
// is past the threshold, and is held while the trend is unknown (a run gap
// emptied the history: no evidence the slot moved). At or past Threshold
// (or, with a mismatch open, ResolveThreshold) wants a mismatch, unless it
// is catching up within the grace. Still for StuckAfter wants a stuck
// incident. An open error incident read again below the threshold is
// recovered only in step or with its state slot moved since. In a narrowed
// pass, the failure counts of the processes it does not list are kept.
func wantsOf(prev State, observations []Observation, now time.Time, p Policy) processView {
	openBy := openBySubject(prev)
	v := processView{wants: map[string]wanted{}, held: map[string]bool{}, failing: map[string]int{}, loadingOn: map[string]bool{}}
	if p.Narrowed {
		for pid, n := range prev.Failing {
			v.failing[pid] = n
		}
	}
	for _, o := range observations {
		delete(v.failing, o.ProcessID)
		if o.Check == CheckInterrupted || o.Check == CheckLoading {
			if o.Check == CheckInterrupted {
				v.partial = true
			} else {
				v.loadingOn[o.Server] = true
			}
			v.held[o.ProcessID] = true
			if n, ok := prev.Failing[o.ProcessID]; ok {
				v.failing[o.ProcessID] = n
			}
			continue
		}
		streak := 0
		if o.Check != CheckRead {
			streak = min(prev.Failing[o.ProcessID]+1, max(p.ErrorThreshold, 1))
			if p.ErrorThreshold > 1 {
				v.failing[o.ProcessID] = streak
			}
		}
		open := openBy[subjectKey{name: o.ProcessID}]
		status := Classify(o, p.Threshold)
		stuckOpen := hasType(open, Stuck)
		// The first case that matches decides: the order is the precedence.
		// A process no case matches wants nothing: reconcileAll resolves
		// what is open for it (evidence of recovery), unless a group
		// covers it.
		switch {
		case status == StatusSilenced:
			// Maintenance: what is open stays as it is; nothing opens.
			v.held[o.ProcessID] = true
		case status == StatusFailing && (hasType(open, Mismatch) || stuckOpen):
			// Unread this pass: no evidence either way about the open
			// page's trouble, so it holds (never swapped for an error page).
			v.held[o.ProcessID] = true
		case status == StatusFailing:
			// Unreadable: paged once the streak reaches error-threshold;
			// an open error incident stays wanted meanwhile.
			if streak >= p.ErrorThreshold || hasType(open, Unreadable) {
				v.wants[o.ProcessID] = wanted{Unreadable, unreadableSeverity}
			}
		case stuckOpen && (status == StatusBehind || o.Trend.Class == trend.Stuck):
			// One page per process: a stuck incident already pages for it,
			// and stays until the state server moves.
			v.wants[o.ProcessID] = wanted{Stuck, stuckSeverity}
		case stuckOpen && o.Trend.Class == trend.Unknown:
			// Too little history to tell whether the slot moved.
			v.held[o.ProcessID] = true
		case status == StatusBehind && !hasType(open, Mismatch) && catchingUp(o, p):
			// Behind but closing the gap (catch-up-grace): not paged yet.
			// An open mismatch is never deferred.
			v.deferred = append(v.deferred, o.ProcessID)
		case status == StatusBehind || (hasType(open, Mismatch) && o.SlotsBehind >= p.ResolveThreshold):
			// Behind, or an open mismatch not yet back under the resolve
			// threshold (hysteresis): a mismatch at its gap's severity.
			v.wants[o.ProcessID] = wanted{Mismatch, severityFor(p.Levels, o.SlotsBehind)}
		case stuck(o, now, p):
			// Within the threshold, but still for stuck-after while its
			// scheduler advanced.
			v.wants[o.ProcessID] = wanted{Stuck, stuckSeverity}
		case hasType(open, Unreadable) && status == StatusOK && o.SlotsBehind > 0 && !o.StateMoved:
			// Read again after it could not be, but not in step, and at
			// the slot it had before (or with nothing earlier to tell):
			// a node answers a failed computation once and its last good
			// slot after, so this read is no evidence the failure ended.
			// Held until the slot moves or the process is in step.
			v.held[o.ProcessID] = true
		}
	}
	sort.Strings(v.deferred)
	return v
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
