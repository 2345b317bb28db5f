package action

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/trend"
)

type deliverer struct {
	con      *console.Console
	cfg      config.Config
	now      time.Time
	results  map[string]*ao.Result
	affected map[string][]string // grouped incidents' processes this pass
	sender   *pagerduty.Sender
	origin   pagerduty.Origin
	trends   map[string]trend.Trend
	// links is how PagerDuty showed each open alert at the start of the
	// pass (empty without a REST API key), by dedup key.
	links map[string]incident.Link
	// record writes the state file; deliver calls it with the intent
	// before sending anything.
	record func(incident.State) error
}

type delivered struct {
	next                                    incident.State
	triggered, updated, resolved, forgotten []report.Incident
	failures                                []report.Failure // one per incident view
	undelivered                             int              // events PagerDuty did not confirm
	// unrecorded is set when the intent could not be written: nothing was
	// sent.
	unrecorded error
}

// deliver sends the plan's events in order, write-ahead: first the state
// file records every event as about to be sent (its incident unconfirmed),
// then each event is sent, and the state confirms it on 2xx. An event that
// certainly did not arrive (rejected, throttled, not sent) is undone, so it
// is decided afresh next pass; one whose outcome is unknown stays
// unconfirmed, and the next pass sends whatever its incident then needs.
// If the intent cannot be written, nothing is sent. After PagerDuty proves
// unavailable, the rest wait for the next pass instead of each spending
// its own retries.
func (d *deliverer) deliver(ctx context.Context, prev incident.State, plan incident.Plan) delivered {
	// Failure counts are observations, not deliveries: they always advance.
	out := delivered{next: prev.Clone()}
	out.next.Failing = plan.Next.Failing
	if len(plan.Events) == 0 {
		return out
	}
	d.con.Group("PagerDuty: " + report.Count(len(plan.Events), "event", "events"))
	defer d.con.EndGroup()

	sends := func(ev incident.Event) bool {
		return !d.cfg.DryRun && d.cfg.PagerDutyEnabled && ev.Action != incident.Forget
	}
	if !d.cfg.DryRun {
		intent := out.next.Clone()
		anySend := false
		for _, ev := range plan.Events {
			if sends(ev) {
				intent.Intend(ev)
				anySend = true
			}
		}
		if anySend {
			if err := d.record(intent); err != nil {
				out.unrecorded = err
			} else {
				out.next = intent
			}
		}
	}

	var unavailable error
	for _, ev := range plan.Events {
		views := d.views(ev.Incident, ev.Reason, ev.Affected)
		label := fmt.Sprintf("%s %s (%s, %s)", ev.Action, ev.Incident.DedupKey, ev.Reason, ev.Incident.Severity)
		var err error
		switch {
		case d.cfg.DryRun:
			d.con.Logf("dry run, not sent: %s", label)
		case !sends(ev):
			d.con.Logf("recorded, not sent: %s", label)
		case out.unrecorded != nil:
			err = fmt.Errorf("not sent: the state file could not record it first: %w", out.unrecorded)
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
				out.undelivered++
				d.fail(&out, ev, views, label, err)
				continue
			}
		}
		if err != nil {
			if out.unrecorded == nil && sends(ev) {
				out.next.Revert(ev, prev)
			}
			out.undelivered++
			d.fail(&out, ev, views, label, err)
			continue
		}
		if !d.cfg.DryRun {
			out.next.Apply(ev)
			if sends(ev) {
				d.con.Logf("✓ %s", label)
			}
		}
		for i := range views {
			views[i].Unconfirmed = false // confirmed now
		}
		switch {
		case ev.Action == incident.Forget:
			out.forgotten = append(out.forgotten, views...)
		case ev.Action == incident.Resolve:
			out.resolved = append(out.resolved, views...)
		case ev.Reason == incident.SeverityRaised:
			out.updated = append(out.updated, views...)
		default:
			out.triggered = append(out.triggered, views...)
		}
	}
	return out
}

func (d *deliverer) fail(out *delivered, ev incident.Event, views []report.Incident, label string, err error) {
	d.con.Logf("✗ %s: %v", label, err)
	for _, v := range views {
		out.failures = append(out.failures, report.Failure{Action: string(ev.Action), Incident: v, Error: err.Error()})
	}
}

// event describes ev to PagerDuty; the payload itself is the pagerduty
// package's.
func (d *deliverer) event(ev incident.Event) pd.V2Event {
	key := d.cfg.RoutingKey
	if ev.Action == incident.Resolve {
		return pagerduty.Resolve(key, ev.Incident.DedupKey)
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
		return pagerduty.TriggerGroup(key, d.origin, inc, ev.Affected, processes, len(d.results), d.now)
	}
	return pagerduty.Trigger(key, d.origin, inc, d.process(ev.Incident.ProcessID), int64(d.cfg.SeverityThreshold), d.now)
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

// views is how an incident appears in the outputs: a grouped incident once
// per process it covers, so later steps still see every process.
func (d *deliverer) views(inc incident.Incident, why incident.Reason, affected []string) []report.Incident {
	if !inc.Type.Grouped() {
		return []report.Incident{report.NewIncident(inc, why, d.results[inc.ProcessID])}
	}
	if len(affected) == 0 {
		return []report.Incident{report.NewIncident(inc, why, nil)}
	}
	views := make([]report.Incident, len(affected))
	for i, pid := range affected {
		views[i] = report.NewIncident(inc, why, d.results[pid])
		views[i].ProcessID = pid
	}
	return views
}

// openIncidents lists the open incidents for the outputs, grouped ones
// first, then by process.
func (d *deliverer) openIncidents(st incident.State) []report.Incident {
	incs := make([]incident.Incident, 0, len(st.Open))
	for _, inc := range st.Open {
		incs = append(incs, inc)
	}
	sort.Slice(incs, func(i, j int) bool {
		a, b := incs[i], incs[j]
		if a.Type.Grouped() != b.Type.Grouped() {
			return a.Type.Grouped()
		}
		return strings.Compare(a.Subject()+a.DedupKey, b.Subject()+b.DedupKey) < 0
	})
	var out []report.Incident
	for _, inc := range incs {
		views := d.views(inc, "", d.affected[inc.DedupKey])
		if l, ok := d.links[inc.DedupKey]; ok {
			for i := range views {
				views[i].PagerDuty = &l
			}
		}
		out = append(out, views...)
	}
	return out
}
