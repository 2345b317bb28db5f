package pagerdutytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.rest
	st.requests++
	if st.hang {
		s.mu.Unlock()
		<-r.Context().Done()
		s.mu.Lock()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if len(st.script) > 0 {
		status := st.script[0]
		st.script = st.script[1:]
		if status != Accept {
			restError(w, status, 2020, "Scripted failure")
			return
		}
	}
	if r.Header.Get("Authorization") != "Token token="+st.token {
		restError(w, http.StatusUnauthorized, 2006, "Authentication failed")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Accept"), "application/vnd.pagerduty+json;version=2") {
		restError(w, http.StatusNotAcceptable, 2001, "Invalid Accept header")
		return
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 25
	}
	limit = min(limit, 100)
	statuses := map[string]bool{}
	for _, v := range q["statuses[]"] {
		statuses[v] = true
	}
	path := strings.TrimPrefix(r.URL.Path, "/incidents")
	switch {
	case path == "" || path == "/":
		st.pageSizes = append(st.pageSizes, limit)
		s.listIncidents(w, q, statuses, offset, limit)
	case strings.HasSuffix(path, "/alerts"):
		s.listAlerts(w, strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/alerts"), statuses, offset, limit)
	default:
		restError(w, http.StatusNotFound, 2100, "Not Found")
	}
}

func (s *Server) listIncidents(w http.ResponseWriter, q map[string][]string, statuses map[string]bool, offset, limit int) {
	if services := q["service_ids[]"]; len(services) > 0 && !contains(services, ServiceID) {
		writeJSON(w, map[string]any{"incidents": []any{}, "limit": limit, "offset": offset, "more": false})
		return
	}
	var all []map[string]any
	for _, inc := range s.rest.open {
		if len(statuses) > 0 && !statuses[inc.status] {
			continue
		}
		status := inc.status
		if s.rest.status != "" {
			status = s.rest.status
		}
		all = append(all, map[string]any{
			"id": inc.id, "type": "incident", "incident_number": inc.number, "status": status,
			"incident_key": nilIfEmpty(inc.key), "created_at": inc.created.Format(time.RFC3339),
			"html_url":     s.rest.htmlBase + inc.id,
			"title":        "[FIRING] stand-in incident " + inc.id,
			"service":      map[string]string{"id": ServiceID, "type": "service_reference"},
			"alert_counts": map[string]int{"all": len(inc.alerts), "triggered": len(inc.alerts), "resolved": 0},
			// Personal data a client must not carry on.
			"assignments": []any{map[string]any{"assignee": map[string]string{"id": "PUSER1", "summary": "Jane Doe"}}},
		})
	}
	page, more := window(len(all), offset, limit)
	writeJSON(w, map[string]any{"incidents": nonNil(all[page[0]:page[1]]), "limit": limit, "offset": offset, "more": more})
}

func (s *Server) listAlerts(w http.ResponseWriter, id string, statuses map[string]bool, offset, limit int) {
	var inc *restIncident
	for _, o := range s.rest.open {
		if o.id == id {
			inc = o
		}
	}
	if inc == nil {
		restError(w, http.StatusNotFound, 2100, "Not Found")
		return
	}
	var all []map[string]any
	if len(statuses) == 0 || statuses["triggered"] {
		for _, a := range inc.alerts {
			all = append(all, map[string]any{"id": a.id, "type": "alert", "status": "triggered", "alert_key": a.key,
				"severity": a.severity, "incident": map[string]string{"id": inc.id, "type": "incident_reference"}})
		}
	}
	page, more := window(len(all), offset, limit)
	writeJSON(w, map[string]any{"alerts": nonNil(all[page[0]:page[1]]), "limit": limit, "offset": offset, "more": more})
}

func window(n, offset, limit int) ([2]int, bool) {
	lo := min(max(offset, 0), n)
	hi := min(lo+limit, n)
	return [2]int{lo, hi}, hi < n
}

func restError(w http.ResponseWriter, status, code int, msg string) {
	w.WriteHeader(status)
	writeJSON(w, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
