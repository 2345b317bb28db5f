// Package slacktest is a local stand-in for a Slack incoming webhook: it
// answers "ok" to a valid message, checks Block Kit's limits the way Slack
// documents them, answers plain-text errors (invalid_payload,
// channel_not_found, rollup_error) and 429 with Retry-After when told to.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"unicode/utf8"

	"github.com/org/nonce-monitor-action/internal/fakeworld"
)

// Message is a message as Slack received it.
type Message struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Text string `json:"text"`
		} `json:"elements"`
	} `json:"blocks"`
}

// Server is the stand-in.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	script   []int
	echo     bool // error answers quote the request path (the webhook)
	received []Message
	raw      [][]byte
	requests int
}

// EchoPath makes error answers quote the webhook path, as a proxy in front
// of Slack might: the action must not print it.
func (s *Server) EchoPath(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = on
}

// Raw returns the raw bodies of the messages answered "ok".
func (s *Server) Raw() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.raw...)
}

// Start starts the stand-in on loopback.
func Start() *Server { return StartListening(nil) }

// StartListening starts the stand-in on l (nil: loopback), for a run
// outside tests (cmd/standins).
func StartListening(l net.Listener) *Server {
	s := &Server{}
	s.Server = fakeworld.Serve(http.HandlerFunc(s.serve), l, nil)
	return s
}

// FailNext makes the next requests answer these statuses: 400
// invalid_payload, 404 channel_not_found, 429 (Retry-After: 0), 500
// rollup_error.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, statuses...)
}

// Received returns the messages answered "ok", in order.
func (s *Server) Received() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

// Requests counts every request.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	w.Header().Set("Content-Type", "text/plain")
	if len(s.script) > 0 {
		status := s.script[0]
		s.script = s.script[1:]
		answer := map[int]string{400: "invalid_payload", 403: "invalid_token", 404: "channel_not_found", 410: "channel_is_archived", 429: "rate_limited", 500: "rollup_error"}[status]
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		if s.echo {
			answer += " for " + r.URL.Path
		}
		w.WriteHeader(status)
		fmt.Fprint(w, answer)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var m Message
	if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil || invalid(m) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "invalid_payload")
		return
	}
	s.received = append(s.received, m)
	s.raw = append(s.raw, body)
	fmt.Fprint(w, "ok")
}

// invalid applies Block Kit's documented limits.
func invalid(m Message) bool {
	if m.Text == "" && len(m.Blocks) == 0 {
		return true
	}
	if len(m.Blocks) > 50 {
		return true
	}
	for _, b := range m.Blocks {
		if b.Type == "section" && (b.Text == nil || b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 3000) {
			return true
		}
		if b.Type == "header" && (b.Text == nil || utf8.RuneCountInString(b.Text.Text) > 150) {
			return true
		}
	}
	return false
}
