package action

// What PagerDuty's memory told this pass, in words: the log's warnings and
// the summary's notes.

import (
	"fmt"
	"strings"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/report"
)

// notOpenedLine says that PagerDuty accepted triggers and opened nothing,
// and why, as far as the service's status tells.
func notOpenedLine(incs []incident.Incident, status, service string) string {
	why := "a maintenance window, disabled service or an event rule?"
	switch status {
	case "maintenance":
		why = "service " + service + " is in a maintenance window"
	case "disabled":
		why = "service " + service + " is disabled"
	case "active", "warning", "critical":
		why = "an event rule, or a maintenance window that has ended?"
	}
	return fmt.Sprintf("PagerDuty: %s accepted but no incident opened (%s): sent again every pass until PagerDuty opens it, the state file held as it is: %s",
		report.Count(len(incs), "trigger", "triggers"), why, keysOf(incs))
}

// notTakenLine says that PagerDuty accepted resolves and still holds their
// incidents open.
func notTakenLine(incs []incident.Incident, status, service string) string {
	why := "a maintenance window or an event rule?"
	if status == "maintenance" || status == "disabled" {
		why = "service " + service + " is in a maintenance window or disabled: PagerDuty resolves nothing through events then"
	}
	return fmt.Sprintf("PagerDuty: %s accepted but the incident still open (%s): the resolve is sent again every pass, and the incident counted open: %s",
		report.Count(len(incs), "resolve", "resolves"), why, keysOf(incs))
}

// keysOf names up to five incidents by dedup key, and counts the rest.
func keysOf(incs []incident.Incident) string {
	keys := make([]string, len(incs))
	for i, inc := range incs {
		keys[i] = inc.DedupKey
	}
	return joinFew(keys)
}

// joinFew joins up to five names, and counts the rest.
func joinFew(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
}

// listingNotes are the summary's lines about PagerDuty's memory, if any.
func listingNotes(rec incident.Reconciled, status, service string) []string {
	var notes []string
	if len(rec.Adopted)+len(rec.Closed) > 0 {
		notes = append(notes, fmt.Sprintf("PagerDuty's open incidents reconciled with the state file: %d adopted (unknown to it), %d resolved in PagerDuty.", len(rec.Adopted), len(rec.Closed)))
	}
	if len(rec.NotOpened) > 0 {
		notes = append(notes, notOpenedLine(rec.NotOpened, status, service)+".")
	}
	if len(rec.NotTaken) > 0 {
		notes = append(notes, notTakenLine(rec.NotTaken, status, service)+".")
	}
	return notes
}

// ackedRaises warns of each severity raise PagerDuty took for an incident
// a responder had acknowledged: PagerDuty updates it and notifies nobody.
// It returns the summary's note, if any. Without a REST API key an
// incident's status is unknown, and nothing is said.
func ackedRaises(con *console.Console, events []incident.Event, ds []delivery, links map[string]incident.Link) []string {
	var keys []string
	for i, ev := range events {
		if ev.Action == incident.Trigger && ev.Reason == incident.SeverityRaised && ds[i].confirmed &&
			links[ev.Incident.DedupKey].Status == "acknowledged" {
			keys = append(keys, fmt.Sprintf("%s (#%d, now %s)", ev.Incident.DedupKey, links[ev.Incident.DedupKey].Number, ev.Incident.Severity))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	line := fmt.Sprintf("severity raised on %s a responder had acknowledged: PagerDuty updated %s and notified nobody: %s",
		report.Count(len(keys), "incident", "incidents"), map[bool]string{true: "it", false: "them"}[len(keys) == 1], joinFew(keys))
	con.Warnf("PagerDuty", "%s", line)
	return []string{line + "."}
}

// unseenTriggers says, when PagerDuty accepted triggers and no REST API key
// can read it back, what cannot be known: whether it opened incidents for
// them.
func unseenTriggers(cfg config.Config, events []incident.Event, ds []delivery) []string {
	if listsPagerDuty(cfg) {
		return nil
	}
	n := 0
	for i, ev := range events {
		if ev.Action == incident.Trigger && ds[i].confirmed {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("PagerDuty accepted %s. Without pagerduty-api-token the action cannot see whether it opened incidents for them: a maintenance window, a disabled service or an event rule accept events and open nothing, and a page dropped so is not sent again until the UTC day rotates.",
		report.Count(n, "trigger", "triggers"))}
}
