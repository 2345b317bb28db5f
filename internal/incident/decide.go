package incident

import (
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

// Observation is what one pass learned about one monitored process.
type Observation struct {
	ProcessID string
	// Check is how the process's check ended; SlotsBehind holds only when
	// it read both nonces (CheckRead).
	Check       Check
	SlotsBehind int64
	// Server is the host of the process's state server: the group a
	// storm of troubles is attributed to.
	Server          string
	StateFailed     bool // the state server's side of the check failed
	SchedulerFailed bool // the scheduler's side of the check failed
	// Silenced processes are checked and reported but never paged; their
	// incidents are held as they are.
	Silenced bool
	// Trend is the process's motion over its recent samples.
	Trend trend.Trend
	// StateMoved: the state slot read this pass differs from the one read
	// at the process's latest earlier sample, so the node has computed
	// since. False without an earlier sample (a new process, a history
	// file lost).
	StateMoved bool
}

// Check is how a process's check ended this pass.
type Check uint8

const (
	// CheckFailed: a nonce could not be read (StateFailed and
	// SchedulerFailed say whose). The zero value.
	CheckFailed Check = iota
	// CheckRead: both nonces were read.
	CheckRead
	// CheckInterrupted: the pass ended (deadline or cancellation) before
	// the check did, or its host was misconfigured. It opens, resolves and
	// advances nothing.
	CheckInterrupted
	// CheckLoading: the state server was computing the process (it had not
	// loaded it), or answered a slot the monitor's own abandoned request
	// left: no evidence of its progress either way. Like an interrupted
	// check it opens, resolves and advances nothing, and a server incident
	// on its host is held.
	CheckLoading
)

// The severities that are not the operator's to choose: a process that
// cannot be read or is stuck pages at error, a grouped incident (many
// processes, or the scheduler) at critical. Mismatches page at the levels
// of Policy.Levels.
const (
	unreadableSeverity = SeverityError
	stuckSeverity      = SeverityError
	groupSeverity      = Critical
)

// Policy is the part of the configuration the decision depends on.
type Policy struct {
	Threshold        int64 // slots apart at which a mismatch incident opens
	ResolveThreshold int64 // slots apart below which an open mismatch resolves (≤ Threshold)
	Levels           []Level
	AutoResolve      bool
	// ErrorThreshold is how many consecutive passes a process must fail
	// to be checked before an error incident opens (1 = at once).
	ErrorThreshold int
	// GroupThreshold: more than this many processes in trouble on one state
	// server open one server incident instead (0 turns grouping off).
	GroupThreshold int
	SchedulerHost  string // names the scheduler incident
	// StuckAfter: a state slot still for this long while the scheduler
	// advanced wants a stuck incident (0: off).
	StuckAfter time.Duration
	// CatchUpGrace: a process past the threshold that is catching up with
	// an ETA under this, or whose server just restarted, is not paged yet
	// (0: off).
	CatchUpGrace time.Duration
	// Owner is this job's identity in process dedup keys (see Owner): ""
	// gives the keys of versions before job identities.
	Owner string
	// Job is this job's identity in grouped dedup keys: its layout (the
	// shard, "shard-2-of-4") and its Owner, joined with "-".
	Job string
	// ConfirmResolves: PagerDuty's REST API is read every pass, so a
	// resolve it accepts is kept in State.Resolving until a listing shows
	// the alert gone (an accepted resolve can be dropped: a maintenance
	// window, an event rule).
	ConfirmResolves bool
	// Narrowed: this pass checks a different list than the one the state
	// file was written for (a manual run with process-ids, a new shard
	// layout). Incidents of processes it does not list are held, not
	// resolved as removed, and grouped incidents it does not want are held.
	Narrowed bool
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
	// NotOpened: PagerDuty accepted the trigger and opened no incident
	// for it (a maintenance window, a disabled service, an event rule),
	// so it is sent again: it opens once PagerDuty opens incidents again.
	NotOpened Reason = "accepted but no incident opened, sent again"
	// NotTaken: PagerDuty accepted the resolve and still holds the alert
	// open, so it is sent again; the incident is reported open meanwhile.
	NotTaken Reason = "resolve accepted but the incident is still open, sent again"
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
	// ConfirmResolves is Policy.ConfirmResolves: Settle keeps a delivered
	// resolve's incident in State.Resolving.
	ConfirmResolves bool
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

// Decide is the incident policy, in three pure phases:
//
//  1. wantsOf: what each process wants on its own (an incident type and
//     severity), what it holds as it is, and what waits (catch-up grace).
//  2. cover: which grouped incidents are wanted and which processes they
//     cover. A group opens when more than GroupThreshold processes of one
//     state server (or, for the scheduler, most processes) are in trouble,
//     and once open it stays open while any process it covers is still in
//     trouble: covered processes open nothing of their own, so a server
//     that recovers in steps pages nobody again.
//  3. reconcileAll: each subject's open incidents against what it wants:
//     closes (resolve, or forget without auto-resolve), rotations to a new
//     UTC day, severity raises, unconfirmed re-sends, and new triggers.
//
// The principle throughout: an incident opens on evidence of trouble and
// resolves only on evidence of recovery. Whatever this pass did not
// observe (cut short, a narrowed list, no trend yet, an incident type this
// version does not know) is held as it is; only a process removed from the
// configured lists closes unobserved.
func Decide(prev State, observations []Observation, now time.Time, p Policy) Plan {
	v := wantsOf(prev, observations, now, p)
	c := cover(prev, observations, v, p)
	events, affected := reconcileAll(prev, observations, v, c, now, p)
	next := prev.Clone()
	next.Failing = v.failing
	for _, ev := range events {
		next.apply(ev, p.ConfirmResolves)
	}
	return Plan{Events: events, Next: next, Affected: affected, Deferred: v.deferred, ConfirmResolves: p.ConfirmResolves}
}

// openBySubject indexes the open incidents this version knows by subject;
// incidents of unknown types are left out, so they are held untouched.
func openBySubject(prev State) map[subjectKey][]Incident {
	openBy := map[subjectKey][]Incident{}
	for _, inc := range prev.Open {
		if !inc.Type.Known() {
			continue
		}
		k := subjectKey{name: inc.Subject()}
		if inc.Type.Grouped() {
			k.t = inc.Type
		}
		openBy[k] = append(openBy[k], inc)
	}
	return openBy
}

func hasType(incs []Incident, t Type) bool {
	for _, inc := range incs {
		if inc.Type == t {
			return true
		}
	}
	return false
}
