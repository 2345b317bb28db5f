package pagerdutytest

import (
	"fmt"
	"time"
)

// The REST API stand-in serves GET /incidents and GET /incidents/{id}/alerts
// from the alerts the Events API side opened, as PagerDuty documents them:
// `Authorization: Token token=…`, statuses[] and service_ids[] filters,
// offset/limit pagination (limit at most 100) with `more`, and an incident
// holding several alerts when alert grouping is on (it then has no
// incident_key of its own). People can acknowledge or resolve incidents.

// APIToken is the REST API key the stand-in accepts unless SetAPIToken
// changes it; ServiceID is the one service it holds.
const (
	APIToken  = "u+StandInRestApiToken"
	ServiceID = "PSTANDIN"
)

type restIncident struct {
	id      string
	number  uint
	key     string // incident_key: the first alert's, "" when grouped
	status  string // triggered | acknowledged
	created time.Time
	alerts  []*restAlert // open ones, in order
}

type restAlert struct {
	id, key, severity string
}

type restState struct {
	token     string
	grouping  bool
	script    []int // statuses to answer before serving again
	requests  int
	pageSizes []int // every listing page's limit, in order
	next      uint  // last incident number
	open      []*restIncident
	byKey     map[string]*restIncident
	hang      bool   // never answer a REST request
	htmlBase  string // incidents' html_url is htmlBase + id
	status    string // if set, every incident's status shows as this
}

func newRESTState() restState {
	return restState{token: APIToken, byKey: map[string]*restIncident{}, htmlBase: "https://standin.pagerduty.com/incidents/"}
}

// openAlert records a trigger (called with s.mu held).
func (s *Server) openAlert(key, severity string) {
	if !s.open[key] {
		s.opened[key]++
	}
	s.open[key] = true
	st := &s.rest
	if inc := st.byKey[key]; inc != nil {
		for _, a := range inc.alerts {
			if a.key == key {
				a.severity = severity
			}
		}
		return
	}
	st.next++
	a := &restAlert{id: fmt.Sprintf("A%05d", st.next), key: key, severity: severity}
	if st.grouping && len(st.open) > 0 {
		inc := st.open[len(st.open)-1]
		inc.alerts = append(inc.alerts, a)
		inc.key = ""
		st.byKey[key] = inc
		return
	}
	inc := &restIncident{id: fmt.Sprintf("Q%05d", st.next), number: st.next, key: key, status: "triggered",
		created: time.Now().UTC().Truncate(time.Second), alerts: []*restAlert{a}}
	st.open = append(st.open, inc)
	st.byKey[key] = inc
}

// closeAlert records a resolve: an incident resolves with its last alert
// (called with s.mu held).
func (s *Server) closeAlert(key string) {
	delete(s.open, key)
	st := &s.rest
	inc := st.byKey[key]
	if inc == nil {
		return
	}
	delete(st.byKey, key)
	for i, a := range inc.alerts {
		if a.key == key {
			inc.alerts = append(inc.alerts[:i], inc.alerts[i+1:]...)
			break
		}
	}
	if len(inc.alerts) == 0 {
		for i, o := range st.open {
			if o == inc {
				st.open = append(st.open[:i], st.open[i+1:]...)
				break
			}
		}
	}
}

// ResolveByHand is a person resolving, in PagerDuty's web app, the incident
// that holds key's alert (every alert in it).
func (s *Server) ResolveByHand(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.rest.byKey[key]; inc != nil {
		for _, a := range append([]*restAlert(nil), inc.alerts...) {
			s.closeAlert(a.key)
		}
	}
}

// Acknowledge is a person acknowledging the incident that holds key's alert.
func (s *Server) Acknowledge(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.rest.byKey[key]; inc != nil {
		inc.status = "acknowledged"
	}
}

// OpenAlerts opens alerts as triggers would (counted as opened, not as
// accepted events): for tests that need PagerDuty to hold many at once.
func (s *Server) OpenAlerts(severity string, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		s.openAlert(k, severity)
	}
}

// GroupAlerts turns alert grouping on or off: while on, a new alert joins
// the newest open incident.
func (s *Server) GroupAlerts(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.grouping = on
}

// Disguise makes the listing show every incident's html_url as htmlBase +
// its ID, and, if status is not empty, its status as status: PagerDuty's
// text is untrusted too.
func (s *Server) Disguise(htmlBase, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.htmlBase, s.rest.status = htmlBase, status
}

// HangREST makes every REST request wait until the client gives up (the
// Events API side still answers).
func (s *Server) HangREST(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.hang = on
}

// SetAPIToken changes the REST API key the stand-in accepts.
func (s *Server) SetAPIToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.token = token
}

// FailNextREST makes the next REST requests answer these statuses, in order
// (Accept serves one as usual).
func (s *Server) FailNextREST(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.script = append(s.rest.script, statuses...)
}

// RESTRequests counts REST requests; RESTPageSizes lists the limit of every
// incident listing page served.
func (s *Server) RESTRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rest.requests
}

// RESTPageSizes lists the limit each incident listing asked for, in order.
func (s *Server) RESTPageSizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.rest.pageSizes...)
}
