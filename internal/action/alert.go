package action

import (
	"fmt"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
)

// alertFor describes an incident to the responder, from this pass's check
// of its process.
func alertFor(inc incident.Incident, r *ao.Result, threshold int64, now time.Time) pagerduty.Alert {
	a := pagerduty.Alert{
		DedupKey:  inc.DedupKey,
		Severity:  inc.Severity,
		Class:     string(inc.Type),
		Timestamp: now,
		Details: map[string]any{
			"process_id": inc.ProcessID,
			"threshold":  threshold,
			"opened_at":  inc.Since.UTC().Format(time.RFC3339),
		},
	}
	if r == nil {
		a.Summary = fmt.Sprintf("Process %s: %s incident", inc.ProcessID, inc.Type)
		return a
	}
	a.Component = host(r.StateURL)
	a.Details["state_server"] = r.StateURL
	a.Details["state_nonce"] = r.StateNonce
	a.Details["su_nonce"] = r.SUNonce
	switch {
	case inc.Type == incident.Error || !r.Checked():
		a.Summary = fmt.Sprintf("Process %s cannot be checked: %s", inc.ProcessID, r.ErrorText())
		a.Details["error"] = r.ErrorText()
	case *r.StateNonce > *r.SUNonce:
		a.Summary = fmt.Sprintf("Process %s state is %d slots ahead of scheduler on %s", inc.ProcessID, r.SlotsBehind(), host(r.StateURL))
		a.Details["slots_behind"] = r.SlotsBehind()
	default:
		a.Summary = fmt.Sprintf("Process %s is %d slots behind scheduler on %s", inc.ProcessID, r.SlotsBehind(), host(r.StateURL))
		a.Details["slots_behind"] = r.SlotsBehind()
	}
	return a
}

func host(raw string) string { return escape.Host(raw) }

// maxListedProcesses bounds a grouped alert's details; the summary has the
// full list.
const maxListedProcesses = 100

// groupAlertFor describes a server or scheduler incident: the root cause
// first, then the processes it covers.
func groupAlertFor(inc incident.Incident, affected []string, results map[string]*ao.Result, checked int, now time.Time) pagerduty.Alert {
	a := pagerduty.Alert{
		DedupKey:  inc.DedupKey,
		Severity:  inc.Severity,
		Class:     string(inc.Type),
		Component: inc.Server,
		Timestamp: now,
	}
	if inc.Type == incident.Scheduler {
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
		r := results[pid]
		switch {
		case r == nil || r.Interrupted:
			listed[pid] = "not checked this pass"
		case !r.Checked():
			listed[pid] = r.ErrorText()
		default:
			listed[pid] = fmt.Sprintf("%d slots behind (state %d, scheduler %d)", r.SlotsBehind(), *r.StateNonce, *r.SUNonce)
		}
	}
	a.Details = map[string]any{
		"server":             inc.Server,
		"affected_processes": len(affected),
		"processes":          listed,
		"opened_at":          inc.Since.UTC().Format(time.RFC3339),
	}
	return a
}
