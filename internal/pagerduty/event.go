// Package pagerduty owns everything PagerDuty receives: the Events API v2
// payload of each incident (summary, details, links, trimming to
// PagerDuty's limits), pacing and delivery. The shell describes the
// incident and the pass in neutral terms (Incident, Process).
package pagerduty

import (
	"encoding/json"
	"fmt"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
)

// PagerDuty's documented limits.
const (
	maxSummaryRunes = 1024
	maxEventBytes   = 512_000
	source          = "nonce-monitor"
)

// alert is what a trigger says about one incident.
type alert struct {
	DedupKey  string
	Summary   string
	Severity  string
	Class     string // the incident type: mismatch, stuck, error, server or scheduler
	Component string // the state server's host (the scheduler's, for a scheduler incident)
	Timestamp time.Time
	Details   map[string]any
}

// Origin is where events link back to: the workflow run.
type Origin struct {
	Client    string
	ClientURL string
}

// trigger builds the trigger event for a.
func trigger(routingKey string, o Origin, a alert) pd.V2Event {
	ev := pd.V2Event{
		RoutingKey: routingKey,
		Action:     "trigger",
		DedupKey:   a.DedupKey,
		Client:     o.Client,
		ClientURL:  o.ClientURL,
		Payload: &pd.V2Payload{
			Summary:   a.Summary,
			Source:    source,
			Severity:  a.Severity,
			Timestamp: a.Timestamp.UTC().Format(time.RFC3339),
			Component: a.Component,
			Group:     "ao-processes",
			Class:     a.Class,
			Details:   a.Details,
		},
	}
	if o.ClientURL != "" {
		ev.Links = []any{map[string]string{"href": o.ClientURL, "text": "Workflow run"}}
	}
	return ev
}

// Resolve is the resolve event for an incident opened under dedupKey.
func Resolve(routingKey, dedupKey string) pd.V2Event {
	return pd.V2Event{RoutingKey: routingKey, Action: "resolve", DedupKey: dedupKey}
}

// encode renders ev within PagerDuty's limits, as trusted notifiers do: the
// summary is cut to 1024 characters, and an event over 512 KB loses its
// custom details for a note saying so. Notes describe what was changed.
func encode(ev pd.V2Event) (body []byte, notes []string, err error) {
	if ev.Payload != nil {
		if r := []rune(ev.Payload.Summary); len(r) > maxSummaryRunes {
			p := *ev.Payload
			p.Summary = string(r[:maxSummaryRunes-1]) + "…"
			ev.Payload = &p
			notes = append(notes, fmt.Sprintf("summary cut from %d to %d characters", len(r), maxSummaryRunes))
		}
	}
	body, err = json.Marshal(ev)
	if err != nil {
		return nil, nil, err
	}
	if len(body) > maxEventBytes && ev.Payload != nil {
		p := *ev.Payload
		p.Details = map[string]string{"note": fmt.Sprintf("custom details removed: the event was %d bytes, over PagerDuty's %d", len(body), maxEventBytes)}
		ev.Payload = &p
		notes = append(notes, fmt.Sprintf("custom details dropped: event was %d bytes", len(body)))
		body, err = json.Marshal(ev)
	}
	return body, notes, err
}
