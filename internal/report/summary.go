package report

import (
	"fmt"
	"strings"

	"github.com/org/nonce-monitor-action/internal/escape"
)

// GitHub refuses a step summary over 1 MiB. Tables are cut to maxRows rows
// each, which keeps a 10,000-process fleet well under it; maxSummaryBytes
// is the last guard.
const (
	maxRows         = 500
	maxSummaryBytes = 1_000_000
)

// Summary renders the job summary Markdown. What needs someone comes first:
// the incidents of this pass, those still open and those not paged yet,
// each process in one of them only, with its trend and how long its trouble
// has lasted; then the charts, the errors by cause and every process. Dedup
// keys, too wide for a table on GitHub's page, are listed in a collapsed
// block. The last line (the state file) is kept even when the summary is
// cut to fit GitHub's 1 MiB.
func Summary(p Pass) string {
	var b strings.Builder
	headline(&b, p)
	if p.DryRun {
		b.WriteString("> [!NOTE]\n> **Dry run**: nothing was sent and the state file was left untouched; the tables show what would have been sent.\n\n")
	} else if !p.PagerDutyEnabled {
		b.WriteString("> [!NOTE]\n> PagerDuty is disabled: incidents are tracked in the state file and the outputs, not sent.\n\n")
	}
	table(&b, []column{numCol("checked"), numCol("behind"), numCol("errors"), numCol("triggered"), numCol("resolved"), numCol("open")}, 1, func(int) []string {
		return []string{fmt.Sprint(len(p.Results)), fmt.Sprint(p.Behind()), fmt.Sprint(p.Errors()), fmt.Sprint(len(p.Triggered)), fmt.Sprint(len(p.Resolved)), fmt.Sprint(len(p.Open))}
	})

	if len(p.Mistyped) > 0 {
		b.WriteString("### ❌ Not processes: not checked\n\nThese entries are not process IDs; the step fails until they are fixed.\n\n")
		rows(&b, len(p.Mistyped), func(i int) string { return "- " + escape.Markdown(p.Mistyped[i]) })
	}
	if len(p.Failures) > 0 {
		b.WriteString("### ❌ Not delivered to PagerDuty\n\nThese will be decided again on the next run.\n\n")
		table(&b, []column{textCol("action"), textCol("process"), textCol("error")}, len(p.Failures), func(i int) []string {
			f := p.Failures[i]
			return []string{f.Action, processLink(f.Incident.ProcessID), escape.Markdown(f.Error)}
		})
	}
	incidentTable(&b, p, "Triggered", p.Triggered, false)
	incidentTable(&b, p, "Updated (severity raised)", p.Updated, false)
	incidentTable(&b, p, "Resolved", p.Resolved, true)
	incidentTable(&b, p, "Recovered, left open for manual resolution (auto-resolve is off)", p.Forgotten, true)
	stillOpen := p.stillOpen()
	incidentTable(&b, p, "Still open", stillOpen, false)
	deferredTable(&b, p)
	dedupKeys(&b, p, stillOpen)
	chart(&b, p)
	gapChart(&b, p)
	errorTable(&b, p)
	processTable(&b, p)

	if len(p.Notes) > 0 || len(p.Skipped) > 0 {
		b.WriteString("### Warnings\n\n")
		notes := append(append([]string(nil), p.Notes...), p.Skipped...)
		rows(&b, len(notes), func(i int) string { return "- " + escape.Markdown(notes[i]) })
	}
	var tail strings.Builder
	if p.SlackStatus != "" {
		fmt.Fprintf(&tail, "%s\n\n", escape.Markdown(p.SlackStatus))
	}
	if !p.DryRun {
		state := "unchanged"
		if p.StateChanged {
			state = "updated"
		}
		fmt.Fprintf(&tail, "State file %s: %s.\n", escape.Code(p.StateFile), state)
	}
	return fit(b.String(), tail.String(), maxSummaryBytes)
}

// cutNote ends a summary that was cut.
const cutNote = "> [!WARNING]\n> The summary was cut to stay under GitHub's 1 MiB limit; the report file has every process.\n\n"

// fit cuts body so that body and tail fit in limit bytes, at a line end,
// closing a collapsed block the cut left open so the cut note shows, and
// keeps the tail (the state file's line) whole.
func fit(body, tail string, limit int) string {
	if len(body)+len(tail) <= limit {
		return body + tail
	}
	room := limit - len(tail) - len(cutNote) - len("</details>\n\n") - 2
	cut := strings.LastIndex(body[:max(room, 0)], "\n")
	body = body[:cut+1]
	if strings.Count(body, "<details>") > strings.Count(body, "</details>") {
		body += "\n</details>\n"
	}
	return body + "\n" + cutNote + tail
}

// headline is the summary's title: all well, or what is wrong of how many.
func headline(b *strings.Builder, p Pass) {
	parts := troubleParts(p)
	switch {
	case len(parts) == 0 && len(p.Mistyped) == 0:
		fmt.Fprintf(b, "## ✅ Nonce monitor: %s within %d slots of the scheduler\n\n", Count(len(p.Results), "process", "processes"), p.Threshold)
	case len(parts) == 0:
		fmt.Fprintf(b, "## 🔴 Nonce monitor: %s within %d slots of the scheduler%s\n\n", Count(len(p.Results), "process", "processes"), p.Threshold, listNote(p))
	default:
		fmt.Fprintf(b, "## 🔴 Nonce monitor: %s of %s%s\n\n", strings.Join(parts, ", "), Count(len(p.Results), "process", "processes"), listNote(p))
	}
}

// stillOpen is the open incidents this pass did not just trigger or raise
// (those are listed above it).
func (p Pass) stillOpen() []Incident {
	sent := map[string]bool{}
	for _, inc := range append(append([]Incident(nil), p.Triggered...), p.Updated...) {
		sent[inc.DedupKey] = true
	}
	var out []Incident
	for _, inc := range p.Open {
		if !sent[inc.DedupKey] {
			out = append(out, inc)
		}
	}
	return out
}

// dedupKeys lists the dedup key of every incident in the tables above, in
// a collapsed block: the keys are too long for a table on GitHub's page.
func dedupKeys(b *strings.Builder, p Pass, stillOpen []Incident) {
	var all []Incident
	for _, list := range [][]Incident{p.Triggered, p.Updated, p.Resolved, p.Forgotten, stillOpen} {
		all = append(all, list...)
	}
	for _, f := range p.Failures {
		all = append(all, f.Incident)
	}
	if len(all) == 0 {
		return
	}
	seen := map[string]bool{}
	var keys []Incident
	for _, inc := range all {
		if !seen[inc.DedupKey] {
			seen[inc.DedupKey] = true
			keys = append(keys, inc)
		}
	}
	fmt.Fprintf(b, "<details><summary>PagerDuty dedup keys (%d)</summary>\n\n", len(keys))
	rows(b, len(keys), func(i int) string {
		return fmt.Sprintf("- %s %s", escape.Code(keys[i].DedupKey), escape.Markdown(keys[i].ProcessID))
	})
	b.WriteString("</details>\n\n")
}
