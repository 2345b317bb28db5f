package action

// How incidents appear in the report and the outputs: the events of a pass
// by what became of them, and the incidents left open.

import (
	"sort"
	"strings"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/report"
)

// delivered is a pass's events as the report lists them, by what became of
// them.
type delivered struct {
	triggered, updated, resolved, forgotten []report.Incident
	failures                                []report.Failure // one per incident row
	undelivered                             int              // events PagerDuty did not confirm
}

// deliveredOf lists events (with what became of each, in order) for the
// report: the delivered ones by action, the others as failures.
func deliveredOf(events []incident.Event, ds []delivery, results map[string]*check.Result) delivered {
	var out delivered
	for i, ev := range events {
		rows := rowsOf(results, ev.Incident, ev.Reason, ev.Affected)
		if d := ds[i]; d.outcome != incident.Delivered {
			out.undelivered++
			for _, row := range rows {
				out.failures = append(out.failures, report.Failure{Action: string(ev.Action), Incident: row, Error: d.err.Error()})
			}
			continue
		}
		for i := range rows {
			rows[i].Unconfirmed = false // confirmed now
		}
		switch {
		case ev.Reason == incident.NotTaken:
			// PagerDuty still holds it open: not resolved, reported open
			// (stillOpen) with a note.
		case ev.Action == incident.Forget:
			out.forgotten = append(out.forgotten, rows...)
		case ev.Action == incident.Resolve:
			out.resolved = append(out.resolved, rows...)
		case ev.Reason == incident.SeverityRaised:
			out.updated = append(out.updated, rows...)
		default:
			out.triggered = append(out.triggered, rows...)
		}
	}
	return out
}

// stillOpen is the state the report counts open: next, and the incidents
// PagerDuty still held open after accepting their resolve (their resolve
// was sent again; they are in next.Resolving).
func stillOpen(next incident.State, rec incident.Reconciled) incident.State {
	if len(rec.NotTaken) == 0 {
		return next
	}
	st := next.Clone()
	for _, inc := range rec.NotTaken {
		if r, ok := next.Resolving[inc.DedupKey]; ok {
			st.Open[inc.DedupKey] = r
		}
	}
	return st
}

// rowsOf is how an incident appears in the outputs: a grouped incident
// once per process it covers, so later steps still see every process.
func rowsOf(results map[string]*check.Result, inc incident.Incident, why incident.Reason, affected []string) []report.Incident {
	if !inc.Type.Grouped() {
		return []report.Incident{report.NewIncident(inc, why, results[inc.ProcessID])}
	}
	if len(affected) == 0 {
		return []report.Incident{report.NewIncident(inc, why, nil)}
	}
	rows := make([]report.Incident, len(affected))
	for i, pid := range affected {
		rows[i] = report.NewIncident(inc, why, results[pid])
		rows[i].ProcessID = pid
	}
	return rows
}

// openIncidents lists the open incidents for the outputs, grouped ones
// first, then by process; each with how PagerDuty showed it (links), and a
// grouped one once per process it covers this pass (affected).
func openIncidents(st incident.State, affected map[string][]string, links map[string]incident.Link, results map[string]*check.Result) []report.Incident {
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
		rows := rowsOf(results, inc, "", affected[inc.DedupKey])
		if l, ok := links[inc.DedupKey]; ok {
			for i := range rows {
				rows[i].PagerDuty = &l
			}
		}
		out = append(out, rows...)
	}
	return out
}
