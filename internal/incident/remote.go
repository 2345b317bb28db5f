package incident

import (
	"sort"
	"strings"
	"time"
)

// Remote is what PagerDuty's REST API shows of this monitor's alerts at the
// start of a pass: PagerDuty's own memory of what is open, which outlives
// any state file.
type Remote struct {
	// Open holds one entry per dedup key of an open alert whose key is
	// this monitor's (see ParseDedupKey), in any order.
	Open []RemoteAlert
	// Complete: the listing covered every open incident of the service.
	// Only then does an incident missing from it count as resolved.
	Complete bool
}

// RemoteAlert is one open alert as PagerDuty shows it.
type RemoteAlert struct {
	DedupKey string
	// Severity is the alert's, when PagerDuty said it ("" otherwise).
	Severity Severity
	// Since is when PagerDuty opened the incident (zero if unknown).
	Since time.Time
	Link  Link
}

// Link is how PagerDuty shows the incident an alert belongs to: no
// personal data (assignees, acknowledgers) is kept.
type Link struct {
	Number uint   `json:"number"`
	Status string `json:"status"` // triggered | acknowledged
	URL    string `json:"url"`    // the incident's html_url
}

// Reconciled is the state brought in line with PagerDuty, and what changed.
type Reconciled struct {
	State State
	// Adopted: open in PagerDuty, unknown to the state (a lost, stale or
	// overwritten state file); now open in State, decided like any other.
	Adopted []Incident
	// Closed: open in the state, not open in PagerDuty (a person, or an
	// overlapping run, resolved it; or an unconfirmed trigger never
	// arrived); dropped from State, so a process still in trouble is
	// paged again.
	Closed []Incident
	// Settled: unconfirmed in the state and open in PagerDuty at its
	// severity or above: confirmed.
	Settled []Incident
	// Links is PagerDuty's view of every open alert, by dedup key.
	Links map[string]Link
	// HoldGroups is Scope.HoldGroups, for Unraised.
	HoldGroups bool
}

// Scope is what one job may adopt from PagerDuty: only keys its own Decide
// would make, so a shard or another job's incidents are left to their owner.
type Scope struct {
	// Job is Policy.Job: grouped keys carry it (see GroupKey).
	Job string
	// Hosts are the hosts this job groups under: its state servers and
	// its scheduler router, as Observation.Server and
	// Policy.SchedulerHost name them. A grouped key is recognised only as
	// GroupKey of one of them, since a key's subject may hold the job and
	// a long host may be shortened to a hash.
	Hosts []string
	// Holds says whether a process is this job's (a shard's own); nil
	// holds every process.
	Holds func(processID string) bool
	// HoldGroups: this pass cannot tell whether it sees a group whole (no
	// state file records the job's lists: a manual run's hand-picked list
	// looks like the job's own), so an adopted grouped incident is not
	// resolved this pass (see Unraised); the next pass decides it.
	HoldGroups bool
}

// Recognize reads back a key this job's Decide could have made: its type,
// subject and UTC day (as Since). Another job's keys, other integrations'
// and the test event's are not ok.
func (s Scope) Recognize(key string) (Incident, bool) {
	inc, ok := ParseDedupKey(key)
	if !ok {
		return Incident{}, false
	}
	if !inc.Type.Grouped() {
		if s.Holds != nil && !s.Holds(inc.ProcessID) {
			return Incident{}, false
		}
		return inc, true
	}
	for _, h := range s.Hosts {
		if GroupKey(inc.Type, h, s.Job, inc.Since) == key {
			inc.Server = h
			return inc, true
		}
	}
	return Incident{}, false
}

// Reconcile brings the state in line with what PagerDuty holds open. An
// incident unknown to the state is adopted only when scope recognises its
// key as this job's. Failure counts are left as they are. Pure: prev is not
// changed.
//
// An alert open in PagerDuty whose key this monitor could have made is
// adopted with PagerDuty's severity when it said it (see Unraised). An incident open in the state that PagerDuty
// does not show is dropped only when the listing was complete. An
// unconfirmed incident PagerDuty shows open, at a known severity no lower
// than the state's, is confirmed.
func Reconcile(prev State, remote Remote, scope Scope) Reconciled {
	r := Reconciled{State: prev.Clone(), Links: map[string]Link{}, HoldGroups: scope.HoldGroups}
	seen := map[string]bool{}
	for _, a := range remote.Open {
		if seen[a.DedupKey] {
			continue
		}
		seen[a.DedupKey] = true
		r.Links[a.DedupKey] = a.Link
		if inc, ok := r.State.Open[a.DedupKey]; ok {
			// An open alert proves the key arrived, not its severity: a
			// severity raise is settled only if PagerDuty shows it (single-
			// alert incidents are listed without one). Otherwise it stays
			// unconfirmed and Decide sends it again, harmlessly if it had
			// arrived (same key, deduplicated).
			if inc.Unconfirmed && a.Severity.Valid() && !inc.Severity.MoreSevere(a.Severity) {
				inc.Unconfirmed = false
				r.State.Open[a.DedupKey] = inc
				r.Settled = append(r.Settled, inc)
			}
			continue
		}
		inc, ok := scope.Recognize(a.DedupKey)
		if !ok {
			continue
		}
		if day := inc.Since; !a.Since.Before(day) && a.Since.Before(day.Add(24*time.Hour)) {
			// PagerDuty's opening time, if it falls on the key's own day.
			inc.Since = a.Since.UTC()
		}
		if a.Severity.Valid() {
			inc.Severity = a.Severity
		}
		r.State.Open[inc.DedupKey] = inc
		r.Adopted = append(r.Adopted, inc)
	}
	if remote.Complete {
		for key, inc := range prev.Open {
			if !seen[key] {
				delete(r.State.Open, key)
				r.Closed = append(r.Closed, inc)
			}
		}
	}
	for _, l := range [][]Incident{r.Adopted, r.Closed, r.Settled} {
		sort.Slice(l, func(i, j int) bool { return l[i].DedupKey < l[j].DedupKey })
	}
	return r
}

// Unraised takes out of plan the triggers Decide made only because an
// adopted incident's severity was unknown, and gives those incidents this
// pass's severity in the returned state instead (the state deliver starts
// from). PagerDuty already holds them open: re-sending every one after a
// lost state file would page nobody and spend minutes of event pacing. A
// later rise is sent as usual.
//
// An adopted incident Decide would forget (auto-resolve off: left to a
// human) is simply not adopted: forgetting it would otherwise be reported
// again on every pass while it stays open in PagerDuty. With
// Scope.HoldGroups, an adopted grouped incident Decide would resolve is
// held open instead.
func (r Reconciled) Unraised(plan Plan) (State, Plan) {
	adopted, unknown := map[string]bool{}, map[string]bool{}
	for _, inc := range r.Adopted {
		adopted[inc.DedupKey] = true
		unknown[inc.DedupKey] = inc.Severity == ""
	}
	st := r.State.Clone()
	kept := plan.Events[:0:0]
	for _, ev := range plan.Events {
		key := ev.Incident.DedupKey
		switch {
		case ev.Action == Trigger && ev.Reason == SeverityRaised && unknown[key]:
			st.Open[key] = ev.Incident
			continue
		case ev.Action == Forget && adopted[key]:
			delete(st.Open, key)
			continue
		case ev.Action == Resolve && adopted[key] && r.HoldGroups && ev.Incident.Type.Grouped():
			continue // held: still open in st
		}
		kept = append(kept, ev)
	}
	plan.Events = kept
	return st, plan
}

// ParseDedupKey reads back a key DedupKey made: its type, subject and UTC
// day (as Since). Keys this monitor cannot have made (another integration's,
// the test event's, a process incident's whose subject is not a process ID)
// are not ok.
func ParseDedupKey(key string) (Incident, bool) {
	const prefix, dateLen = "nonce-monitor-", len("-20060102")
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || len(rest) <= dateLen {
		return Incident{}, false
	}
	day, err := time.Parse("-20060102", rest[len(rest)-dateLen:])
	if err != nil {
		return Incident{}, false
	}
	typ, subject, ok := strings.Cut(rest[:len(rest)-dateLen], "-")
	t := Type(typ)
	switch t {
	case Mismatch, Unreadable, Stuck, Server, Scheduler:
	default:
		return Incident{}, false
	}
	if !ok || subject == "" || DedupKey(t, subject, day) != key || (!t.Grouped() && !processID(subject)) {
		return Incident{}, false
	}
	inc := Incident{Type: t, DedupKey: key, Since: day}
	if t.Grouped() {
		inc.Server = subject
	} else {
		inc.ProcessID = subject
	}
	return inc, true
}

// processID reports whether s can be a process ID (an Arweave transaction
// ID: 43 characters of base64url), the only subject a process incident's
// key has. Another integration's key with this monitor's prefix is not
// adopted, resolved or shown as a process.
func processID(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
