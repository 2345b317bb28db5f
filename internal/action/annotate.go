package action

import (
	"fmt"

	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/report"
)

// maxTroubleAnnotations is how many processes newly in trouble get their
// own annotation, of each type; the next one says how many more. It leaves
// room under the runner's ten per type for the pass's own problems.
const maxTroubleAnnotations = 5

// annotateNewTrouble puts on the run page a warning for each process that
// newly fell behind or got stuck and an error for each that newly could not
// be checked (incidents opened this pass, not a new day's rotation), so the
// run page tells the story without opening the summary. Annotations never
// change the exit code: the step's colour is fail-on's to decide. On a
// terminal the report's table says the same, so nothing is added there.
// Process IDs, hosts and error text pass the console's gate.
func annotateNewTrouble(con *console.Console, p report.Pass) {
	if !con.InActions() {
		return
	}
	var warnings, errs []report.Incident
	for _, inc := range p.Triggered {
		if incident.Reason(inc.Reason) != incident.Opened {
			continue
		}
		// A server incident covers failing processes too: one with an
		// error and no gap could not be checked, it is not "? behind".
		failing := inc.Error != nil && inc.SlotsBehind == nil
		if incident.Type(inc.Type) == incident.Unreadable || incident.Type(inc.Type) == incident.Scheduler || failing {
			errs = append(errs, inc)
		} else {
			warnings = append(warnings, inc)
		}
	}
	paged := "paged"
	if p.DryRun {
		paged = "dry run: would be paged"
	}
	for i, inc := range warnings {
		if i == maxTroubleAnnotations {
			con.Warnf("More processes behind", "and %d more processes newly behind or stuck (see the job summary)", len(warnings)-i)
			break
		}
		what := fmt.Sprintf("%s slots behind its scheduler (threshold %d)", slots(inc.SlotsBehind), p.Threshold)
		if incident.Type(inc.Type) == incident.Stuck {
			what = fmt.Sprintf("stuck: its state slot stopped moving while its scheduler advanced (%s slots behind)", slots(inc.SlotsBehind))
		}
		con.Warnf(title("Behind", inc), "%s is %s, on state server %s; %s (%s)", who(inc), what, escape.Host(inc.StateURL), paged, inc.Severity)
	}
	for i, inc := range errs {
		if i == maxTroubleAnnotations {
			con.Errorf("More processes failing", "and %d more processes newly failing (see the job summary)", len(errs)-i)
			break
		}
		why := "no answer"
		if inc.Error != nil {
			why = *inc.Error
		}
		con.Errorf(title("Failing", inc), "%s could not be checked: %s; %s (%s)", who(inc), why, paged, inc.Severity)
	}
}

func title(what string, inc report.Incident) string {
	if inc.ProcessID == "" {
		return what + ": " + escape.Host(inc.StateURL)
	}
	return what + ": " + inc.ProcessID
}

func who(inc report.Incident) string {
	if inc.ProcessID == "" {
		return "state server " + escape.Host(inc.StateURL)
	}
	return "process " + inc.ProcessID
}

func slots(n *int64) string {
	if n == nil {
		return "?"
	}
	return fmt.Sprint(*n)
}
