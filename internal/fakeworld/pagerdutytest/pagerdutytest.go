// Package pagerdutytest is a local stand-in for the PagerDuty Events API v2
// (and the REST API's incident listings, from the same alerts) that
// validates events the way the real one documents (routing key length,
// required trigger fields, summary and dedup key limits), answers 202 with
// a dedup key, and can be told to answer 400, 429 or 5xx. It models what
// events and people do to alerts and incidents as PagerDuty documents it
// (rest.go), so tests can assert what PagerDuty ends up with.
package pagerdutytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/org/nonce-monitor-action/internal/fakeworld"
)

// Event is an event as PagerDuty received it.
type Event struct {
	RoutingKey  string          `json:"routing_key"`
	EventAction string          `json:"event_action"`
	DedupKey    string          `json:"dedup_key"`
	Client      string          `json:"client"`
	ClientURL   string          `json:"client_url"`
	Links       json.RawMessage `json:"links"`
	Payload     *struct {
		Summary       string         `json:"summary"`
		Source        string         `json:"source"`
		Severity      string         `json:"severity"`
		Timestamp     string         `json:"timestamp"`
		Component     string         `json:"component"`
		Group         string         `json:"group"`
		Class         string         `json:"class"`
		CustomDetails map[string]any `json:"custom_details"`
	} `json:"payload"`
}

// Server is the stand-in.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	throttled bool // answer 429 to everything
	hang      bool // never answer
	// RetryAfter, when set, is sent with every 429.
	retryAfter string
	latency    time.Duration  // before answering an accepted event
	rejection  []string       // errors of a scripted 400; nil: the routing-key one
	script     []int          // statuses to answer before accepting again
	accepted   []Event        // events answered 202, in order
	bodies     [][]byte       // raw bodies of accepted events
	opened     map[string]int // alerts ever opened per dedup key
	requests   int
	rest       restState // the REST API's view of the same alerts
}

// Start starts the stand-in on loopback.
func Start() *Server { return StartListening(nil) }

// StartListening starts the stand-in on l (nil: loopback), for a run
// outside tests (cmd/standins).
func StartListening(l net.Listener) *Server {
	s := &Server{opened: map[string]int{}, rest: newRESTState()}
	s.Server = fakeworld.Serve(http.HandlerFunc(s.serve), l, nil)
	return s
}

// Accept, in a FailNext script, lets that request through as usual.
const Accept = 0

// FailNext makes the next requests answer these statuses, in order
// (429, 500, 503, ...; 400 answers like an invalid event; Accept takes it).
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, statuses...)
}

// Throttle makes every request answer 429 (with Retry-After when
// retryAfter is not empty) until called with false.
func (s *Server) Throttle(on bool, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttled, s.retryAfter = on, retryAfter
}

// Hang makes every request wait until the client gives up.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// RejectWith sets the errors a scripted 400 answers with (PagerDuty's text
// is untrusted too).
func (s *Server) RejectWith(errs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejection = errs
}

// SetLatency delays the answer to every accepted event by d, after the
// event is taken: the "PagerDuty took it but never answered" case.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Accepted returns the events answered 202, in order.
func (s *Server) Accepted() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.accepted...)
}

// Bodies returns the raw JSON bodies of accepted events, in order.
func (s *Server) Bodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// Requests counts every request, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Opened returns how many alerts were ever opened under each dedup key; a
// count over 1 means PagerDuty saw a second incident for one key.
func (s *Server) Opened() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[string]int, len(s.opened))
	for k, v := range s.opened {
		c[k] = v
	}
	return c
}

// Open returns the dedup keys of alerts open now, sorted.
func (s *Server) Open() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.rest.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hang := s.hang
	s.mu.Unlock()
	if hang {
		// The server notices a client hanging up only once the body is read.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	if r.Method == http.MethodGet && (strings.HasPrefix(r.URL.Path, "/incidents") || strings.HasPrefix(r.URL.Path, "/services/")) {
		s.serveREST(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.throttled {
		s.script = append([]int{http.StatusTooManyRequests}, s.script...)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" {
		http.NotFound(w, r)
		return
	}
	if len(s.script) > 0 && s.script[0] == Accept {
		s.script = s.script[1:]
	} else if len(s.script) > 0 {
		status := s.script[0]
		s.script = s.script[1:]
		switch status {
		case http.StatusBadRequest:
			errs := s.rejection
			if errs == nil {
				errs = []string{"Length of 'routing_key' is incorrect (should be 32 characters)"}
			}
			invalid(w, "Event object is invalid", errs...)
		case http.StatusTooManyRequests:
			if s.retryAfter != "" {
				w.Header().Set("Retry-After", s.retryAfter)
			}
			w.WriteHeader(status)
			fmt.Fprint(w, `{"status":"throttle event","message":"Requests for this service are arriving too quickly. Please retry later."}`)
		default:
			w.WriteHeader(status)
			fmt.Fprint(w, `{"status":"error"}`)
		}
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(body) > 512_000 {
		invalid(w, "Event object is invalid", "Event is too large")
		return
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		invalid(w, "Event object is invalid", "Could not parse JSON")
		return
	}
	if msgs := validate(ev); len(msgs) > 0 {
		invalid(w, "Event object is invalid", msgs...)
		return
	}
	switch ev.EventAction {
	case "trigger":
		s.trigger(ev)
	case "resolve":
		s.resolve(ev) // dropped, still 202, when nothing is open under its key
	}
	s.accepted = append(s.accepted, ev)
	s.bodies = append(s.bodies, body)
	if d := s.latency; d > 0 {
		// PagerDuty has taken the event; its answer is slow. A client that
		// gives up (or dies) now does not know it was taken.
		s.mu.Unlock()
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		s.mu.Lock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

func validate(ev Event) []string {
	var msgs []string
	if len(ev.RoutingKey) != 32 {
		msgs = append(msgs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	if len(ev.DedupKey) > 255 {
		msgs = append(msgs, "'dedup_key' is too long (should be at most 255 characters)")
	}
	switch ev.EventAction {
	case "trigger":
		p := ev.Payload
		if p == nil {
			return append(msgs, "'payload' is missing or blank")
		}
		if p.Summary == "" || utf8.RuneCountInString(p.Summary) > 1024 {
			msgs = append(msgs, "'payload.summary' is missing or longer than 1024 characters")
		}
		if p.Source == "" {
			msgs = append(msgs, "'payload.source' is missing or blank")
		}
		switch p.Severity {
		case "critical", "error", "warning", "info":
		default:
			msgs = append(msgs, "'payload.severity' is invalid (must be one of: critical, error, warning, info)")
		}
	case "acknowledge", "resolve":
		if ev.DedupKey == "" {
			msgs = append(msgs, "'dedup_key' is required for "+ev.EventAction)
		}
	default:
		msgs = append(msgs, "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
	}
	return msgs
}

func invalid(w http.ResponseWriter, message string, errs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": message, "errors": errs})
}
