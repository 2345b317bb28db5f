package incident

import (
	"sort"
	"time"
)

// Remote is what PagerDuty's REST API shows of this monitor's alerts at the
// start of a pass: PagerDuty's own memory of what is open, which outlives
// any state file.
type Remote struct {
	// Open holds one entry per dedup key of an open alert whose key is
	// this monitor's (see ParseDedupKey), in any order, whatever incident
	// holds it.
	Open []RemoteAlert
	// Complete: the listing covered every open incident of the service.
	// Then a key it did not show is not open.
	Complete bool
	// Gone holds keys PagerDuty was asked about one by one and holds open
	// in no incident: true when no incident ever held the key (PagerDuty
	// accepted the trigger and opened nothing), false when one did and
	// was resolved. A key in Open is never in Gone.
	Gone map[string]bool
	// Dropping: the service accepts events and acts on none (a
	// maintenance window, or disabled). A trigger sent while it is so
	// opened nothing, whatever incident held its key before.
	Dropping bool
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
	// NotOpened: PagerDuty accepted their trigger and no incident ever
	// held their key (a maintenance window, a disabled service, an event
	// rule), or none holds it open while the service drops every event
	// (Remote.Dropping: a person's resolve of the incident the trigger
	// opened before the window, or a trigger sent again after one, alike).
	// Kept open in State as they were, marked unconfirmed, so the trigger
	// is sent again (Fit says why) and the state file holds still.
	NotOpened []Incident
	// NotTaken: PagerDuty accepted their resolve and still holds them
	// open: open in State again, decided like any other (a resolve sent
	// again says why).
	NotTaken []Incident
	// Taken: resolves PagerDuty accepted that it now shows done; dropped
	// from State.Resolving.
	Taken []Incident
	// Links is PagerDuty's view of every open alert, by dedup key.
	Links map[string]Link
	// HoldGroups is Scope.HoldGroups, for Fit.
	HoldGroups bool
}

// Reconcile brings the state in line with what PagerDuty holds open. An
// incident unknown to the state is adopted only when scope recognises its
// key as this job's. Failure counts are left as they are. Pure: prev is not
// changed.
//
// An alert open in PagerDuty whose key this job sent is adopted with
// PagerDuty's severity when it said it (see Fit). An incident open in
// the state that PagerDuty does not show is dropped only when PagerDuty
// said so: asked by key, or in a complete listing; a confirmed one whose
// key PagerDuty never opened is kept and sent again instead. An
// unconfirmed incident PagerDuty shows open, at a known severity no lower
// than the state's, is confirmed. A resolve PagerDuty accepted is dropped
// once it shows the alert gone, and opened again if it shows it open.
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
		if inc, ok := r.State.Resolving[a.DedupKey]; ok {
			delete(r.State.Resolving, a.DedupKey)
			r.State.Open[a.DedupKey] = inc
			r.NotTaken = append(r.NotTaken, inc)
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
	gone := func(key string) (known, never bool) {
		if never, ok := remote.Gone[key]; ok {
			return true, never
		}
		return remote.Complete && !seen[key], false
	}
	for key, inc := range prev.Open {
		known, never := gone(key)
		switch {
		case !known:
		case (never || remote.Dropping) && !inc.Unconfirmed:
			inc.Unconfirmed = true
			r.State.Open[key] = inc
			r.NotOpened = append(r.NotOpened, prev.Open[key])
		default:
			delete(r.State.Open, key)
			r.Closed = append(r.Closed, inc)
		}
	}
	for key, inc := range prev.Resolving {
		if known, _ := gone(key); known || prev.Open[key].DedupKey != "" {
			delete(r.State.Resolving, key)
			r.Taken = append(r.Taken, inc)
		}
	}
	for _, l := range [][]Incident{r.Adopted, r.Closed, r.Settled, r.NotOpened, r.NotTaken, r.Taken} {
		sort.Slice(l, func(i, j int) bool { return l[i].DedupKey < l[j].DedupKey })
	}
	return r
}
