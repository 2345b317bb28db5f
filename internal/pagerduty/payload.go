package pagerduty

import (
	"fmt"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/escape"
)

// Incident is the incident an event is about.
type Incident struct {
	DedupKey  string
	Type      string // mismatch, stuck, error, server or scheduler (incident.Type)
	Severity  string
	Since     time.Time
	ProcessID string // a process incident's process
	Server    string // a grouped incident's host
}

// Process is what this pass saw of one process.
type Process struct {
	StateURL   string // without credentials
	StateNonce *int64
	SUNonce    *int64
	Error      string // why it could not be checked, "" when it was
	NotChecked bool   // the pass ended before its check did
	Motion     *Motion
}

// Motion is a process's trend over its history, when it is known.
type Motion struct {
	Class      string  // steady, stuck, catching-up or falling-behind
	StateRate  float64 // slots a minute
	SURate     float64
	ETA        time.Duration // catching-up
	StuckSince time.Time     // stuck
}

func (p *Process) checked() bool { return p.StateNonce != nil && p.SUNonce != nil }

func (p *Process) slotsBehind() int64 {
	d := *p.SUNonce - *p.StateNonce
	return max(d, -d)
}

// Trigger is the trigger for a process incident. p is its process this
// pass; nil when it was not checked (an incident held open).
func Trigger(routingKey string, o Origin, inc Incident, p *Process, threshold int64, now time.Time) pd.V2Event {
	a := alert{
		DedupKey: inc.DedupKey, Severity: inc.Severity, Class: inc.Type, Timestamp: now,
		Details: map[string]any{
			"process_id": inc.ProcessID,
			"threshold":  threshold,
			"opened_at":  inc.Since.UTC().Format(time.RFC3339),
		},
	}
	if p == nil || p.NotChecked {
		a.Summary = fmt.Sprintf("Process %s: %s incident", inc.ProcessID, inc.Type)
		return trigger(routingKey, o, a)
	}
	host := escape.Host(p.StateURL)
	a.Component = host
	a.Details["state_server"] = p.StateURL
	a.Details["state_nonce"] = p.StateNonce
	a.Details["su_nonce"] = p.SUNonce
	if m := p.Motion; m != nil {
		a.Details["trend"] = m.Class
		a.Details["state_rate_per_min"] = m.StateRate
		a.Details["su_rate_per_min"] = m.SURate
		if m.Class == "catching-up" {
			a.Details["eta_minutes"] = int(m.ETA.Minutes())
		}
		if m.Class == "stuck" {
			a.Details["stuck_since"] = m.StuckSince.UTC().Format(time.RFC3339)
		}
	}
	switch {
	case inc.Type == "error" || !p.checked():
		a.Summary = fmt.Sprintf("Process %s cannot be checked: %s", inc.ProcessID, p.Error)
		a.Details["error"] = p.Error
	case inc.Type == "stuck" && p.Motion != nil:
		a.Summary = fmt.Sprintf("Process %s: state server %s stuck at slot %d for %d min while the scheduler reached %d",
			inc.ProcessID, host, *p.StateNonce, int(now.Sub(p.Motion.StuckSince).Minutes()), *p.SUNonce)
		a.Details["slots_behind"] = p.slotsBehind()
	case *p.StateNonce > *p.SUNonce:
		a.Summary = fmt.Sprintf("Process %s state is %d slots ahead of scheduler on %s", inc.ProcessID, p.slotsBehind(), host)
		a.Details["slots_behind"] = p.slotsBehind()
	default:
		a.Summary = fmt.Sprintf("Process %s is %d slots behind scheduler on %s", inc.ProcessID, p.slotsBehind(), host)
		a.Details["slots_behind"] = p.slotsBehind()
	}
	return trigger(routingKey, o, a)
}

// maxListedProcesses bounds a grouped alert's details; the job summary has
// the full list.
const maxListedProcesses = 100

// TriggerGroup is the trigger for a server or scheduler incident: the root
// cause first, then the processes it covers (affected, in order; a
// process missing from processes was not checked this pass). checked is
// how many processes the pass checked in all.
func TriggerGroup(routingKey string, o Origin, inc Incident, affected []string, processes map[string]*Process, checked int, now time.Time) pd.V2Event {
	a := alert{DedupKey: inc.DedupKey, Severity: inc.Severity, Class: inc.Type, Component: inc.Server, Timestamp: now}
	if inc.Type == "scheduler" {
		a.Summary = fmt.Sprintf("Monitor cannot reach the scheduler (%s) for %d of %d processes", inc.Server, len(affected), checked)
	} else {
		a.Summary = fmt.Sprintf("State server %s: %d processes behind or failing", inc.Server, len(affected))
	}
	listed := map[string]string{}
	for i, pid := range affected {
		if i == maxListedProcesses {
			listed["…"] = fmt.Sprintf("%d more, see the workflow run", len(affected)-i)
			break
		}
		p := processes[pid]
		switch {
		case p == nil || p.NotChecked:
			listed[pid] = "not checked this pass"
		case !p.checked():
			listed[pid] = p.Error
		default:
			listed[pid] = fmt.Sprintf("%d slots behind (state %d, scheduler %d)", p.slotsBehind(), *p.StateNonce, *p.SUNonce)
		}
	}
	a.Details = map[string]any{
		"server":             inc.Server,
		"affected_processes": len(affected),
		"processes":          listed,
		"opened_at":          inc.Since.UTC().Format(time.RFC3339),
	}
	return trigger(routingKey, o, a)
}

// TestTrigger is the labelled test event of pagerduty-test: info severity,
// its own dedup key, a summary that says nobody needs to act.
func TestTrigger(routingKey string, o Origin, dedupKey string, now time.Time) pd.V2Event {
	return trigger(routingKey, o, alert{
		DedupKey: dedupKey, Severity: "info", Class: "test", Timestamp: now,
		Summary: "[TEST] nonce-monitor: routing key check, no action needed (resolved by the same run)",
		Details: map[string]any{"test": true, "sent_by": o.Client},
	})
}
