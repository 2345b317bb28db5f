package pagerdutytest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// PagerDuty's model of what events do, as its documentation describes it,
// shared by the Events API side and the REST API's listings:
//
//   - A trigger whose dedup key has an open alert updates that alert
//     (severity), whatever incident holds it, and leaves the incident's
//     status as it is: a trigger on an acknowledged incident notifies
//     nobody. Otherwise it opens a new alert, in a new incident whose
//     incident_key is the dedup key, or, with alert grouping, in the newest
//     open incident (time-based: the incident then has no incident_key) or
//     alone in an incident with no incident_key (content-based).
//   - A resolve resolves the key's open alert; an incident resolves with
//     its last open alert. A resolve for no open alert is dropped.
//   - During a maintenance window, or on a disabled service, every event
//     is accepted (202) and dropped: no incident opens, and no incident
//     resolves through the Events API. An event rule can suppress triggers
//     (accepted, no incident) or drop resolves.
//   - A person can acknowledge or resolve an incident, open one by hand
//     (it gets a generated incident_key and no alerts), and merge
//     incidents: the sources' alerts move, keys unchanged, to the target,
//     and the sources are resolved.

// APIToken is the REST API key the stand-in accepts unless SetAPIToken
// changes it; ServiceID is the one service it holds.
const (
	APIToken  = "u+StandInRestApiToken"
	ServiceID = "PSTANDIN"
)

type restIncident struct {
	id       string
	number   uint
	key      string // incident_key: "" when alert grouping made it (null)
	status   string // triggered | acknowledged | resolved
	created  time.Time
	alerts   []*restAlert // every alert it holds, open or resolved, in order
	notified int          // times it paged someone: once, when it opened
	service  string       // "" for ServiceID
}

type restAlert struct {
	id, key, severity string
	open              bool
	incident          *restIncident
}

// openAlerts counts the incident's open alerts.
func (inc *restIncident) openAlerts() int {
	n := 0
	for _, a := range inc.alerts {
		if a.open {
			n++
		}
	}
	return n
}

type restState struct {
	token     string
	grouping  bool  // time-based alert grouping
	byContent bool  // content-based alert grouping
	script    []int // statuses to answer before serving again
	requests  int
	pageSizes []int // every incident listing page's limit, in order
	keyed     int   // incident listings filtered by incident_key
	next      uint  // last incident number
	incidents []*restIncident
	byKey     map[string]*restAlert // the open alert of each dedup key
	hang      bool                  // never answer a REST request
	htmlBase  string                // incidents' html_url is htmlBase + id
	status    string                // if set, every incident's status shows as this
	// The service and its rules.
	maintenance, disabled    bool
	suppress, ignoreResolves bool
	dropped                  []Event // events accepted and dropped
}

func newRESTState() restState {
	return restState{token: APIToken, byKey: map[string]*restAlert{}, htmlBase: "https://standin.pagerduty.com/incidents/"}
}

// trigger applies an accepted trigger (called with s.mu held): false when
// PagerDuty dropped it.
func (s *Server) trigger(ev Event) bool {
	st := &s.rest
	if st.maintenance || st.disabled || st.suppress {
		st.dropped = append(st.dropped, ev)
		return false
	}
	s.openAlert(ev.DedupKey, ev.Payload.Severity)
	return true
}

// resolve applies an accepted resolve (called with s.mu held): false when
// PagerDuty dropped it (maintenance, a rule, or no open alert).
func (s *Server) resolve(ev Event) bool {
	st := &s.rest
	if st.maintenance || st.disabled || st.ignoreResolves || st.byKey[ev.DedupKey] == nil {
		st.dropped = append(st.dropped, ev)
		return false
	}
	s.closeAlert(ev.DedupKey)
	return true
}

// openAlert opens key's alert, or updates the open one (called with s.mu
// held).
func (s *Server) openAlert(key, severity string) {
	st := &s.rest
	if a := st.byKey[key]; a != nil {
		a.severity = severity
		return
	}
	s.opened[key]++
	st.next++
	a := &restAlert{id: fmt.Sprintf("A%05d", st.next), key: key, severity: severity, open: true}
	st.byKey[key] = a
	if st.grouping {
		if inc := st.newestGrouped(); inc != nil {
			a.incident = inc
			inc.alerts = append(inc.alerts, a)
			inc.key = ""
			return
		}
	}
	inc := st.newIncident(key)
	if st.byContent {
		inc.key = ""
	}
	a.incident = inc
	inc.alerts = []*restAlert{a}
}

// newestGrouped is the newest open incident alerts can be grouped into
// (one that holds alerts), or nil.
func (st *restState) newestGrouped() *restIncident {
	for i := len(st.incidents) - 1; i >= 0; i-- {
		if inc := st.incidents[i]; inc.status != "resolved" && len(inc.alerts) > 0 {
			return inc
		}
	}
	return nil
}

func (st *restState) newIncident(key string) *restIncident {
	st.next++
	inc := &restIncident{id: fmt.Sprintf("Q%05d", st.next), number: st.next, key: key, status: "triggered",
		created: time.Now().UTC().Truncate(time.Second), notified: 1}
	st.incidents = append(st.incidents, inc)
	return inc
}

// closeAlert resolves key's open alert, and its incident with its last
// open alert (called with s.mu held).
func (s *Server) closeAlert(key string) {
	st := &s.rest
	a := st.byKey[key]
	if a == nil {
		return
	}
	delete(st.byKey, key)
	a.open = false
	if inc := a.incident; inc.openAlerts() == 0 {
		inc.status = "resolved"
	}
}

// resolveIncident resolves an incident and every alert in it (called with
// s.mu held).
func (s *Server) resolveIncident(inc *restIncident) {
	for _, a := range inc.alerts {
		if a.open {
			s.closeAlert(a.key)
		}
	}
	inc.status = "resolved"
}

// incidentOf is the incident holding key's open alert, or nil.
func (st *restState) incidentOf(key string) *restIncident {
	if a := st.byKey[key]; a != nil {
		return a.incident
	}
	return nil
}

// handMadeKey is the incident_key PagerDuty generates for an incident
// opened by hand: 32 hex digits, nothing like a monitor's.
func handMadeKey(n uint) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "hand-made %d", n))
	return hex.EncodeToString(sum[:16])
}
