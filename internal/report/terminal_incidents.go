package report

import (
	"fmt"
	"strings"
	"time"
)

// incidentLines says what was sent to PagerDuty, counted by action (the
// log above has a line per event), and lists the incidents open now. Both
// count incidents by dedup key: a grouped incident is in Triggered and
// Open once per process it covers, but it is one event and one page.
func incidentLines(p Pass) []Line {
	var sent []string
	for _, c := range []struct {
		n            int
		one, several string
	}{
		{len(byKey(p.Triggered)), "trigger", "triggers"}, {len(byKey(p.Updated)), "severity raise", "severity raises"},
		{len(byKey(p.Resolved)), "resolve", "resolves"}, {len(byKey(p.Forgotten)), "recovery left open", "recoveries left open"},
	} {
		if c.n > 0 {
			sent = append(sent, Count(c.n, c.one, c.several))
		}
	}
	head := "PagerDuty: nothing to send"
	switch {
	case len(sent) == 0 && len(p.Failures) > 0:
		head = "PagerDuty: " + notDelivered(p.Failures)
	case len(sent) == 0:
	case p.DryRun && !p.PagerDutyEnabled:
		head = "PagerDuty disabled (dry run): nothing would be sent; decided " + strings.Join(sent, ", ")
	case p.DryRun:
		head = "PagerDuty (dry run): would send " + strings.Join(sent, ", ")
	case !p.PagerDutyEnabled:
		head = "PagerDuty disabled: recorded " + strings.Join(sent, ", ")
	default:
		head = "PagerDuty: sent " + strings.Join(sent, ", ")
		if len(p.Failures) > 0 {
			head += "; " + notDelivered(p.Failures)
		}
	}
	tone := Plain
	if len(p.Failures) > 0 {
		tone = Bad
	}
	open := byKey(p.Open)
	openWord := "open" // a dry run sent nothing: nothing it decided is open in PagerDuty
	if p.DryRun {
		openWord = "would be open"
	}
	out := []Line{{{fmt.Sprintf("%s; %s %s", head, Count(len(open), "incident", "incidents"), openWord), tone}}}
	if len(open) == 0 {
		out[0][0].Text += "."
		return out
	}
	out[0][0].Text += ":"
	width := 0
	for _, g := range open {
		width = max(width, runeLen(g[0].DedupKey))
	}
	for i, g := range open {
		if i == terminalRows {
			out = append(out, Line{{fmt.Sprintf("  …and %d more (the open output has them all)", len(open)-i), Dim}})
			break
		}
		inc := g[0]
		// Both words always: type error and severity error share a word
		// (docs/incidents.md), and one of them alone reads as either.
		kind := inc.Type + ", severity " + inc.Severity
		var since time.Time
		for _, v := range g {
			if t := p.troubleSince(v.ProcessID); !t.IsZero() && (since.IsZero() || t.Before(since)) {
				since = t
			}
		}
		line := fmt.Sprintf("  %-*s  %-27s  %s", width, inc.DedupKey, kind, openFor(since, p.Now))
		if len(g) > 1 {
			line += ", " + Count(len(g), "process", "processes")
		}
		out = append(out, Line{{Text: line}})
	}
	return out
}

// byKey gathers incidents by dedup key, in order of first appearance.
func byKey(incs []Incident) [][]Incident {
	index := map[string]int{}
	var groups [][]Incident
	for _, inc := range incs {
		i, ok := index[inc.DedupKey]
		if !ok {
			i = len(groups)
			index[inc.DedupKey] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], inc)
	}
	return groups
}

// notDelivered counts the events PagerDuty did not confirm, by action:
// "1 resolve not delivered (see above)".
func notDelivered(failures []Failure) string {
	var n []string
	for _, c := range []struct{ action, one, several string }{
		{"trigger", "trigger", "triggers"}, {"resolve", "resolve", "resolves"},
	} {
		k := 0
		for _, f := range failures {
			if f.Action == c.action {
				k++
			}
		}
		if k > 0 {
			n = append(n, Count(k, c.one, c.several))
		}
	}
	if len(n) == 0 {
		n = []string{Count(len(failures), "event", "events")}
	}
	return strings.Join(n, ", ") + " not delivered (see above)"
}
