package pagerdutytest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How the REST stand-in answers: the incident and alert listings, paged
// as PagerDuty pages them, and its errors.

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
