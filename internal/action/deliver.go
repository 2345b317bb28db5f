package action

// The deliver stage, write-ahead: the intent is recorded, the events are
// sent, and incident.Settle turns what became of each into the next state.
// Sending records nothing.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// sent is decided, with what became of each event: its delivery, in
// order; the state the events leave (next); the events as the report lists
// them; the state file, as the intent left it; why the intent could not
// be recorded (then nothing was sent); and the summary's notes on what
// PagerDuty did with them.
type sent struct {
	decided
	deliveries []delivery
	next       incident.State
	events     delivered
	store      stateWriter
	unrecorded error
	eventNotes []string
}

// deliver records the intent (every sent event's incident as it stands if
// its outcome is unknown), sends the events, and settles the next state
// from what became of each. On a dry run nothing is sent or recorded, and
// every event counts as delivered: the next state is the one a pass
// PagerDuty took every event from would leave.
func (p *pass) deliver(d decided) sent {
	out := sent{decided: d, store: p.out.stateFile(p.in, p.in.headerAfter(d.cutShort))}
	if intent, sends := incident.Intent(d.from, d.plan, p.out.pagerDuty.willSend); sends {
		out.unrecorded = out.store.Save(intent, p.in.loaded.Slack)
	}
	dl := &deliverer{con: p.con, to: p.out.pagerDuty, threshold: int64(p.cfg.SeverityThreshold), now: d.at,
		results: d.byProcess, trends: d.trends}
	out.deliveries = dl.send(p.sending, d.plan.Events, out.unrecorded)
	out.next = incident.Settle(d.from, d.plan, outcomes(out.deliveries))
	out.events = deliveredOf(d.plan.Events, out.deliveries, d.byProcess)
	out.eventNotes = slices.Concat(ackedRaises(p.con, d.plan.Events, out.deliveries, d.rec.Links),
		unseenTriggers(p.cfg, d.plan.Events, out.deliveries))
	return out
}

// deliverer sends events to PagerDuty and describes them to it.
type deliverer struct {
	con       *console.Console
	to        eventsAPI
	threshold int64 // severity-threshold, slots
	now       time.Time
	results   map[string]*check.Result
	trends    map[string]trend.Trend
}

// delivery is what became of one event: its outcome, why it was not
// delivered, and whether PagerDuty confirmed it (false for an event not
// sent by design, which is delivered too).
type delivery struct {
	outcome   incident.Outcome
	err       error
	confirmed bool
}

// send sends events in order and returns what became of each, in order.
// An event not sent by design is delivered; with unrecorded set (the
// intent could not be written first) none is sent. After PagerDuty proves
// unavailable, the rest wait for the next pass instead of each spending
// its own retries.
func (d *deliverer) send(ctx context.Context, events []incident.Event, unrecorded error) []delivery {
	if len(events) == 0 {
		return nil
	}
	d.con.Group("PagerDuty: " + report.Count(len(events), "event", "events"))
	defer d.con.EndGroup()
	out := make([]delivery, len(events))
	var unavailable error
	for i, ev := range events {
		label := fmt.Sprintf("%s %s (%s, severity %s)", ev.Action, ev.Incident.DedupKey, ev.Reason, ev.Incident.Severity)
		var err error
		switch {
		case d.to.sender == nil:
			d.con.Logf("%s: %s", d.to.unsent, label)
			continue
		case !d.to.willSend(ev):
			d.con.Logf("recorded, not sent: %s", label)
			continue
		case unrecorded != nil:
			err = fmt.Errorf("not sent: the state file could not record it first: %w", unrecorded)
		case unavailable != nil:
			err = fmt.Errorf("not sent: %w", unavailable)
		case ctx.Err() != nil:
			err = fmt.Errorf("not sent: the pass was cut short (%w)", context.Cause(ctx))
		default:
			var notes []string
			notes, err = d.to.send(ctx, d.event(ev))
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
				out[i] = delivery{outcome: incident.OutcomeUnknown, err: err}
				continue
			}
		}
		if err != nil {
			d.con.Logf("✗ %s: %v", label, err)
			out[i] = delivery{outcome: incident.NotDelivered, err: err}
			continue
		}
		d.con.Logf("✓ %s", label)
		out[i] = delivery{outcome: incident.Delivered, confirmed: true}
	}
	return out
}

// outcomes are each delivery's outcome, in the form incident.Settle takes.
func outcomes(ds []delivery) []incident.Outcome {
	out := make([]incident.Outcome, len(ds))
	for i, d := range ds {
		out[i] = d.outcome
	}
	return out
}

// event describes ev to PagerDuty; the payload itself is the pagerduty
// package's.
func (d *deliverer) event(ev incident.Event) pd.V2Event {
	if ev.Action == incident.Resolve {
		return pagerduty.Resolve(d.to.routingKey, ev.Incident.DedupKey)
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
		return pagerduty.TriggerGroup(d.to.routingKey, d.to.origin, inc, ev.Affected, processes, len(d.results), d.now)
	}
	return pagerduty.Trigger(d.to.routingKey, d.to.origin, inc, d.process(ev.Incident.ProcessID), d.threshold, d.now)
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
