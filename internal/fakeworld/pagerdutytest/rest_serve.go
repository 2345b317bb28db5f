package pagerdutytest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How the REST stand-in answers, as PagerDuty documents it: GET /incidents,
// GET /incidents/{id}/alerts and GET /services/{id} (its status), `Authorization: Token token=…`, the
// statuses[], service_ids[] and incident_key filters (incident_key also
// finds the incidents holding an alert with that key: grouped, merged,
// or opened by hand), offset/limit pagination (limit at most 100, offset +
// limit at most 10,000) with `more`, and its errors.

// maxOffset is PagerDuty's bound on offset + limit in classic pagination.
const maxOffset = 10_000

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
	if offset+limit > maxOffset {
		restError(w, http.StatusBadRequest, 2002, "Arguments Caused Error",
			"Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range.")
		return
	}
	statuses := map[string]bool{}
	for _, v := range q["statuses[]"] {
		statuses[v] = true
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/services/"); ok {
		s.showService(w, id)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/incidents")
	switch {
	case path == "" || path == "/":
		if q.Has("incident_key") {
			st.keyed++
		} else {
			st.pageSizes = append(st.pageSizes, limit)
		}
		s.listIncidents(w, q, statuses, offset, limit)
	case strings.HasSuffix(path, "/alerts"):
		s.listAlerts(w, strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/alerts"), statuses, offset, limit)
	default:
		restError(w, http.StatusNotFound, 2100, "Not Found")
	}
}

// holds reports whether inc is one an incident_key filter finds: its own
// key, or one of its alerts' keys.
func (inc *restIncident) holds(key string) bool {
	if inc.key == key {
		return true
	}
	for _, a := range inc.alerts {
		if a.key == key {
			return true
		}
	}
	return false
}

func (s *Server) listIncidents(w http.ResponseWriter, q map[string][]string, statuses map[string]bool, offset, limit int) {
	services, keyed := q["service_ids[]"], q["incident_key"]
	var all []map[string]any
	for _, inc := range s.rest.incidents {
		service := cmp.Or(inc.service, ServiceID)
		if (len(statuses) > 0 && !statuses[inc.status]) || (len(keyed) > 0 && !inc.holds(keyed[0])) ||
			(len(services) > 0 && !contains(services, service)) {
			continue
		}
		status := inc.status
		if s.rest.status != "" {
			status = s.rest.status
		}
		open := inc.openAlerts()
		all = append(all, map[string]any{
			"id": inc.id, "type": "incident", "incident_number": inc.number, "status": status,
			"incident_key": nilIfEmpty(inc.key), "created_at": inc.created.Format(time.RFC3339),
			"html_url":     s.rest.htmlBase + inc.id,
			"title":        "[FIRING] stand-in incident " + inc.id,
			"service":      map[string]string{"id": service, "type": "service_reference"},
			"alert_counts": map[string]int{"all": len(inc.alerts), "triggered": open, "resolved": len(inc.alerts) - open},
			// Personal data a client must not carry on.
			"assignments": []any{map[string]any{"assignee": map[string]string{"id": "PUSER1", "summary": "Jane Doe"}}},
		})
	}
	page, more := window(len(all), offset, limit)
	writeJSON(w, map[string]any{"incidents": nonNil(all[page[0]:page[1]]), "limit": limit, "offset": offset, "more": more})
}

func (s *Server) listAlerts(w http.ResponseWriter, id string, statuses map[string]bool, offset, limit int) {
	var inc *restIncident
	for _, o := range s.rest.incidents {
		if o.id == id {
			inc = o
		}
	}
	if inc == nil {
		restError(w, http.StatusNotFound, 2100, "Not Found")
		return
	}
	var all []map[string]any
	for _, a := range inc.alerts {
		status := "resolved"
		if a.open {
			status = "triggered"
		}
		if len(statuses) > 0 && !statuses[status] {
			continue
		}
		all = append(all, map[string]any{"id": a.id, "type": "alert", "status": status, "alert_key": a.key,
			"severity": a.severity, "incident": map[string]string{"id": inc.id, "type": "incident_reference"}})
	}
	page, more := window(len(all), offset, limit)
	writeJSON(w, map[string]any{"alerts": nonNil(all[page[0]:page[1]]), "limit": limit, "offset": offset, "more": more})
}

// showService answers GET /services/{id}: the one service, with its status.
func (s *Server) showService(w http.ResponseWriter, id string) {
	if id != ServiceID {
		restError(w, http.StatusNotFound, 2100, "Not Found")
		return
	}
	status := "active"
	switch {
	case s.rest.disabled:
		status = "disabled"
	case s.rest.maintenance:
		status = "maintenance"
	}
	writeJSON(w, map[string]any{"service": map[string]any{"id": id, "type": "service", "name": "Stand-in", "status": status}})
}

func window(n, offset, limit int) ([2]int, bool) {
	lo := min(max(offset, 0), n)
	hi := min(lo+limit, n)
	return [2]int{lo, hi}, hi < n
}

func restError(w http.ResponseWriter, status, code int, msg string, errs ...string) {
	w.WriteHeader(status)
	body := map[string]any{"code": code, "message": msg}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeJSON(w, map[string]any{"error": body})
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
