package pagerdutytest

import "sort"

// What people and the service's settings do to PagerDuty, and what tests
// read back of it.

// ResolveByHand is a person resolving, in PagerDuty's web app, the incident
// that holds key's open alert (every alert in it).
func (s *Server) ResolveByHand(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.rest.incidentOf(key); inc != nil {
		s.resolveIncident(inc)
	}
}

// Acknowledge is a person acknowledging the incident that holds key's open
// alert. Triggers under its keys then update it without notifying anyone.
func (s *Server) Acknowledge(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.rest.incidentOf(key); inc != nil {
		inc.status = "acknowledged"
	}
}

// OpenByHand is a person opening an incident in the web app: it has a
// generated incident_key and no alerts. It returns the incident's ID.
func (s *Server) OpenByHand() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc := s.rest.newIncident("")
	inc.key = handMadeKey(inc.number)
	return inc.id
}

// IncidentOf returns the ID of the incident holding key's open alert ("" if
// none).
func (s *Server) IncidentOf(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.rest.incidentOf(key); inc != nil {
		return inc.id
	}
	return ""
}

// Merge is a person merging the incidents that hold these keys' open
// alerts into the incident target: their alerts move to it, keys
// unchanged, and they are resolved (with nothing left open in them).
func (s *Server) Merge(target string, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var into *restIncident
	for _, inc := range s.rest.incidents {
		if inc.id == target {
			into = inc
		}
	}
	if into == nil {
		panic("pagerdutytest: no incident " + target)
	}
	for _, key := range keys {
		src := s.rest.incidentOf(key)
		if src == nil || src == into {
			continue
		}
		for _, a := range src.alerts {
			if a.open {
				a.incident = into
				into.alerts = append(into.alerts, a)
			}
		}
		kept := src.alerts[:0]
		for _, a := range src.alerts {
			if !a.open {
				kept = append(kept, a)
			}
		}
		src.alerts = kept
		src.status = "resolved"
	}
}

// Reassign is a person moving the incident that holds key's open alert to
// another service.
func (s *Server) Reassign(key, service string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.rest.incidentOf(key); inc != nil {
		inc.service = service
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

// GroupAlerts turns time-based alert grouping on or off: while on, a new
// alert joins the newest open incident, which then has no incident_key.
func (s *Server) GroupAlerts(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.grouping = on
}

// GroupByContent turns content-based alert grouping on or off: while on,
// a new alert opens an incident of its own with no incident_key.
func (s *Server) GroupByContent(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.byContent = on
}

// Maintenance puts the service in a maintenance window (or ends it): events
// are accepted and dropped, no incident opens or resolves through them.
func (s *Server) Maintenance(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.maintenance = on
}

// Disable disables the service (or enables it): as a maintenance window.
func (s *Server) Disable(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.disabled = on
}

// SuppressTriggers is an event rule suppressing every trigger (accepted,
// no incident); IgnoreResolves one dropping every resolve (accepted, the
// incident stays open).
func (s *Server) SuppressTriggers(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.suppress = on
}

// IgnoreResolves is an event rule dropping every resolve: accepted (202),
// the incident stays open.
func (s *Server) IgnoreResolves(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.ignoreResolves = on
}

// Dropped returns the events PagerDuty accepted and did nothing with, in
// order.
func (s *Server) Dropped() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.rest.dropped...)
}

// Incident is how a test sees one of PagerDuty's incidents.
type Incident struct {
	ID, Key, Status string
	Number          uint
	Open            []string // the dedup keys of its open alerts, sorted
	Notified        int      // times it paged someone
}

// OpenIncidents returns the incidents not resolved, oldest first.
func (s *Server) OpenIncidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Incident
	for _, inc := range s.rest.incidents {
		if inc.status == "resolved" {
			continue
		}
		v := Incident{ID: inc.id, Key: inc.key, Status: inc.status, Number: inc.number, Notified: inc.notified}
		for _, a := range inc.alerts {
			if a.open {
				v.Open = append(v.Open, a.key)
			}
		}
		sort.Strings(v.Open)
		out = append(out, v)
	}
	return out
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

// RESTRequests counts REST requests.
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

// KeyedLookups counts incident listings filtered by incident_key.
func (s *Server) KeyedLookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rest.keyed
}
