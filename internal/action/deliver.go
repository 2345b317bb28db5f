package action

// Delivery, write-ahead: the intent is recorded, the events are sent, and
// incident.Settle turns what became of each into the next state. Sending
// records nothing.

import (
	"context"
	"errors"
	"fmt"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// deliverer sends events to PagerDuty and describes them to it.
type deliverer struct {
	con        *console.Console
	sender     *pagerduty.Sender
	routingKey string
	origin     pagerduty.Origin
	threshold  int64 // severity-threshold, slots
	now        time.Time
	dryRun     bool
	enabled    bool // pagerduty-enabled
	results    map[string]*check.Result
	trends     map[string]trend.Trend
}

// sent is what became of one event, and why it was not delivered.
type sent struct {
	outcome incident.Outcome
	err     error
}

// sends says whether ev goes to PagerDuty at all (a Forget, a dry run and
// PagerDuty turned off send nothing).
func (d *deliverer) sends(ev incident.Event) bool {
	return !d.dryRun && d.enabled && ev.Action != incident.Forget
}

// send sends events in order and returns what became of each, in order.
// An event not sent by design is delivered; with unrecorded set (the
// intent could not be written first) none is sent. After PagerDuty proves
// unavailable, the rest wait for the next pass instead of each spending
// its own retries.
func (d *deliverer) send(ctx context.Context, events []incident.Event, unrecorded error) []sent {
	if len(events) == 0 {
		return nil
	}
	d.con.Group("PagerDuty: " + report.Count(len(events), "event", "events"))
	defer d.con.EndGroup()
	out := make([]sent, len(events))
	var unavailable error
	for i, ev := range events {
		label := fmt.Sprintf("%s %s (%s, %s)", ev.Action, ev.Incident.DedupKey, ev.Reason, ev.Incident.Severity)
		var err error
		switch {
		case d.dryRun:
			d.con.Logf("dry run, not sent: %s", label)
		case !d.sends(ev):
			d.con.Logf("recorded, not sent: %s", label)
		case unrecorded != nil:
			err = fmt.Errorf("not sent: the state file could not record it first: %w", unrecorded)
		case unavailable != nil:
			err = fmt.Errorf("not sent: %w", unavailable)
		case ctx.Err() != nil:
			err = fmt.Errorf("not sent: the pass was cut short (%w)", context.Cause(ctx))
		default:
			var notes []string
			notes, err = d.sender.Send(ctx, d.event(ev))
			for _, n := range notes {
				d.con.Warnf("PagerDuty event trimmed", "%s: %s", ev.Incident.DedupKey, n)
			}
			var un *pagerduty.UnavailableError
			if errors.As(err, &un) {
				unavailable = un
			}
			if err != nil && !pagerduty.CertainlyNotDelivered(err) {
				err = fmt.Errorf("outcome unknown, kept as unconfirmed for the next run: %w", err)
				d.con.Logf("✗ %s: %v", label, err)
				out[i] = sent{incident.OutcomeUnknown, err}
				continue
			}
		}
		switch {
		case err != nil:
			d.con.Logf("✗ %s: %v", label, err)
			out[i] = sent{incident.NotDelivered, err}
		case d.sends(ev):
			d.con.Logf("✓ %s", label)
		}
	}
	return out
}

// outcomes are the outcomes alone, for incident.Settle.
func outcomes(s []sent) []incident.Outcome {
	out := make([]incident.Outcome, len(s))
	for i, x := range s {
		out[i] = x.outcome
	}
	return out
}

// event describes ev to PagerDuty; the payload itself is the pagerduty
// package's.
func (d *deliverer) event(ev incident.Event) pd.V2Event {
	if ev.Action == incident.Resolve {
		return pagerduty.Resolve(d.routingKey, ev.Incident.DedupKey)
	}
	inc := pagerduty.Incident{
		DedupKey: ev.Incident.DedupKey, Type: string(ev.Incident.Type), Severity: string(ev.Incident.Severity),
		Since: ev.Incident.Since, ProcessID: ev.Incident.ProcessID, Server: ev.Incident.Server,
	}
	if ev.Incident.Type.Grouped() {
		processes := make(map[string]*pagerduty.Process, len(ev.Affected))
		for _, pid := range ev.Affected {
			processes[pid] = d.process(pid)
		}
		return pagerduty.TriggerGroup(d.routingKey, d.origin, inc, ev.Affected, processes, len(d.results), d.now)
	}
	return pagerduty.Trigger(d.routingKey, d.origin, inc, d.process(ev.Incident.ProcessID), d.threshold, d.now)
}

// process describes one process's check to PagerDuty, or nil.
func (d *deliverer) process(pid string) *pagerduty.Process {
	r := d.results[pid]
	if r == nil {
		return nil
	}
	p := &pagerduty.Process{StateURL: r.StateURL, StateNonce: r.StateNonce, SUNonce: r.SUNonce,
		Error: r.ErrorText(), NotChecked: r.NotChecked()}
	if t, ok := d.trends[pid]; ok && t.Class != trend.Unknown {
		p.Motion = &pagerduty.Motion{Class: string(t.Class), StateRate: trend.Round1(t.StateRate), SURate: trend.Round1(t.SURate),
			ETA: t.ETA, StuckSince: t.StuckSince}
	}
	return p
}
