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
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
)

type deliverer struct {
	con     *console
	cfg     config.Config
	now     time.Time
	results map[string]*ao.Result
	sender  *pagerduty.Sender
	origin  pagerduty.Origin
}

type delivered struct {
	next                                    incident.Open
	triggered, updated, resolved, forgotten []report.Incident
	failures                                []report.Failure
}

// deliver sends the plan's events in order and records each in the state
// only once PagerDuty accepted it, so an event that fails is decided again
// next pass. After PagerDuty proves unavailable, the rest wait for the next
// pass instead of each spending its own retries.
func (d *deliverer) deliver(ctx context.Context, prev incident.Open, plan incident.Plan) delivered {
	out := delivered{next: prev.Clone()}
	if len(plan.Events) == 0 {
		return out
	}
	d.con.group("PagerDuty: " + report.Count(len(plan.Events), "event", "events"))
	defer d.con.endGroup()

	var unavailable error
	for _, ev := range plan.Events {
		view := report.NewIncident(ev.Incident, ev.Reason, d.results[ev.Incident.ProcessID])
		label := fmt.Sprintf("%s %s (%s, %s)", ev.Action, ev.Incident.DedupKey, ev.Reason, ev.Incident.Severity)
		var err error
		switch {
		case d.cfg.DryRun:
			d.con.logf("dry run, not sent: %s", label)
		case ev.Action == incident.Forget || !d.cfg.PagerDutyEnabled:
			d.con.logf("recorded, not sent: %s", label)
		case unavailable != nil:
			err = fmt.Errorf("not sent: %w", unavailable)
		default:
			var notes []string
			notes, err = d.sender.Send(ctx, d.event(ev))
			for _, n := range notes {
				d.con.warnf("PagerDuty event trimmed", "%s: %s", ev.Incident.DedupKey, n)
			}
			var un *pagerduty.UnavailableError
			if errors.As(err, &un) {
				unavailable = un
			}
		}
		if err != nil {
			d.con.logf("✗ %s: %v", label, err)
			out.failures = append(out.failures, report.Failure{Action: string(ev.Action), Incident: view, Error: err.Error()})
			continue
		}
		if !d.cfg.DryRun {
			out.next.Apply(ev)
			if ev.Action != incident.Forget && d.cfg.PagerDutyEnabled {
				d.con.logf("✓ %s", label)
			}
		}
		switch {
		case ev.Action == incident.Forget:
			out.forgotten = append(out.forgotten, view)
		case ev.Action == incident.Resolve:
			out.resolved = append(out.resolved, view)
		case ev.Reason == incident.SeverityRaised:
			out.updated = append(out.updated, view)
		default:
			out.triggered = append(out.triggered, view)
		}
	}
	return out
}

func (d *deliverer) event(ev incident.Event) pd.V2Event {
	if ev.Action == incident.Resolve {
		return pagerduty.ResolveEvent(d.cfg.RoutingKey, ev.Incident.DedupKey)
	}
	return pagerduty.TriggerEvent(d.cfg.RoutingKey, d.origin,
		alertFor(ev.Incident, d.results[ev.Incident.ProcessID], d.cfg.SeverityThreshold, d.now))
}

// openIncidents lists the open incidents for the outputs, by process.
func openIncidents(open incident.Open, results map[string]*ao.Result) []report.Incident {
	incs := make([]incident.Incident, 0, len(open))
	for _, inc := range open {
		incs = append(incs, inc)
	}
	sort.Slice(incs, func(i, j int) bool {
		return strings.Compare(incs[i].ProcessID+incs[i].DedupKey, incs[j].ProcessID+incs[j].DedupKey) < 0
	})
	out := make([]report.Incident, len(incs))
	for i, inc := range incs {
		out[i] = report.NewIncident(inc, "", results[inc.ProcessID])
	}
	return out
}
