package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
)

// controlHandler is the control port: what each process is doing, a way
// to change it, and what PagerDuty and Slack received.
//
//	GET  /                              the processes, and these commands
//	POST /processes/{id}/lag?slots=200  the state server falls that far behind
//	POST /processes/{id}/recover        back in step
//	POST /processes/{id}/fail           the state server answers 500 for it
//	POST /processes/{id}/freeze         the state slot stops; the scheduler goes on
//	GET  /pagerduty                     every event accepted, and the alerts open
//	GET  /slack                         every message received
//
// {id} is a process ID or an unambiguous start of it ("L" for L000…).
func controlHandler(w *world, pd *pagerdutytest.Server, sl *slacktest.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(rw, w.describe()+"\n"+commands)
	})
	mux.HandleFunc("POST /processes/{id}/{change}", func(rw http.ResponseWriter, r *http.Request) {
		mode, lag := "", int64(0)
		switch r.PathValue("change") {
		case "lag":
			mode, lag = lagging, 200
			if s := r.URL.Query().Get("slots"); s != "" {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n < 0 {
					http.Error(rw, "slots must be a whole number of slots, 0 or more", http.StatusBadRequest)
					return
				}
				lag = n
			}
		case "recover":
			mode = inStep
		case "fail":
			mode = failing
		case "freeze":
			mode = frozen
		default:
			http.Error(rw, "no such change: lag, recover, fail or freeze\n\n"+commands, http.StatusNotFound)
			return
		}
		if _, err := w.set(r.PathValue("id"), mode, lag); err != nil {
			http.Error(rw, err.Error(), http.StatusNotFound)
			return
		}
		fmt.Fprint(rw, w.describe()+"Run a pass to see what the monitor makes of it.\n")
	})
	mux.HandleFunc("GET /pagerduty", func(rw http.ResponseWriter, _ *http.Request) {
		type event struct {
			Action   string `json:"event_action"`
			DedupKey string `json:"dedup_key"`
			Severity string `json:"severity,omitempty"`
			Summary  string `json:"summary,omitempty"`
		}
		events := []event{}
		for _, ev := range pd.Accepted() {
			e := event{Action: ev.EventAction, DedupKey: ev.DedupKey}
			if ev.Payload != nil {
				e.Severity, e.Summary = ev.Payload.Severity, ev.Payload.Summary
			}
			events = append(events, e)
		}
		writeJSON(rw, map[string]any{"open": pd.Open(), "accepted": len(events), "events": events})
	})
	mux.HandleFunc("GET /slack", func(rw http.ResponseWriter, _ *http.Request) {
		texts := []string{}
		for _, m := range sl.Received() {
			texts = append(texts, m.Text)
		}
		writeJSON(rw, map[string]any{"messages": len(texts), "texts": texts})
	})
	return mux
}

// commands is what a person can do, as the control port's root says it.
// A URL with a query is quoted: zsh, macOS's shell, refuses a bare `?`.
const commands = `Change a process ({id}: its ID, or its first letter):
  curl -X POST "$CONTROL/processes/{id}/lag?slots=200"   fall that far behind
  curl -X POST $CONTROL/processes/{id}/recover           back in step
  curl -X POST $CONTROL/processes/{id}/fail              its state server answers 500
  curl -X POST $CONTROL/processes/{id}/freeze            its slot stops; the scheduler goes on
See what was received:
  curl $CONTROL/pagerduty
  curl $CONTROL/slack
`

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
