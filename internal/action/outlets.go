package action

// Where a pass's decisions go, chosen once: a dry run is a pass whose
// outlets send and write nothing; with PagerDuty turned off, events are
// recorded and not sent.

import (
	"context"
	"encoding/json"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"github.com/org/nonce-monitor-action/internal/slack"
	"github.com/org/nonce-monitor-action/internal/state"
)

// outlets are what a pass sends and writes through.
type outlets struct {
	pagerDuty eventsAPI
	// stateFile opens the state file prepare loaded, to be written with
	// header h (known once the checks end); on a dry run, a file that
	// keeps nothing.
	stateFile func(in setup, h state.Header) stateWriter
	slack     slackChannel
	heartbeat string // the dead-man's switch's URL; "": none
}

// eventsAPI is PagerDuty's Events API as the pass sends to it.
type eventsAPI struct {
	sender *pagerduty.Sender // nil: nothing is sent
	// unsent is what the log says of an event not sent: "dry run, not
	// sent", or "recorded, not sent" (PagerDuty turned off).
	unsent     string
	routingKey string
	origin     pagerduty.Origin
}

// willSend reports whether ev goes to PagerDuty: a Forget never does (it
// only drops the incident from the state file).
func (e eventsAPI) willSend(ev incident.Event) bool {
	return e.sender != nil && ev.Action != incident.Forget
}

func (e eventsAPI) send(ctx context.Context, ev pd.V2Event) ([]string, error) {
	return e.sender.Send(ctx, ev)
}

// A stateWriter records the state and Slack's memory; Changed says
// whether what it holds now differs from the file it was loaded from.
type stateWriter interface {
	Save(st incident.State, slackMemory json.RawMessage) error
	Changed() bool
}

// kept is a dry run's state file: it keeps nothing.
type kept struct{}

func (kept) Save(incident.State, json.RawMessage) error { return nil }
func (kept) Changed() bool                              { return false }

// slackChannel is the incoming webhook a pass posts to.
type slackChannel struct {
	on     bool          // slack-webhook-url is set
	sender *slack.Sender // nil on a dry run: the message is shown, not sent
}

// outletsFor chooses the outlets of a pass, the one place a dry run and
// PagerDuty turned off are decided; hc sends PagerDuty's events, Slack's
// message and the heartbeat.
func outletsFor(cfg config.Config, hc *retryhttp.Client, origin pagerduty.Origin) outlets {
	o := outlets{
		pagerDuty: eventsAPI{sender: &pagerduty.Sender{HTTP: hc, EventsURL: cfg.EventsURL, Limiter: pagerduty.NewLimiter()},
			routingKey: cfg.RoutingKey, origin: origin},
		stateFile: func(in setup, h state.Header) stateWriter {
			return state.NewStore(in.ws, in.statePath, in.loaded.Raw, h)
		},
		slack:     slackChannel{on: cfg.SlackWebhookURL != "", sender: &slack.Sender{HTTP: hc, WebhookURL: cfg.SlackWebhookURL}},
		heartbeat: cfg.HeartbeatURL,
	}
	if !cfg.PagerDutyEnabled {
		o.pagerDuty.sender, o.pagerDuty.unsent = nil, "recorded, not sent"
	}
	if cfg.DryRun {
		o.pagerDuty.sender, o.pagerDuty.unsent = nil, "dry run, not sent"
		o.stateFile = func(setup, state.Header) stateWriter { return kept{} }
		o.slack.sender, o.heartbeat = nil, ""
	}
	return o
}
