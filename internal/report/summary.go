package report

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/org/nonce-monitor-action/internal/ao"
)

// maxProcessRows bounds the all-processes table so a large fleet stays well
// under GitHub's 1 MiB job summary limit.
const maxProcessRows = 1000

// Summary renders the job summary Markdown.
func Summary(p Pass) string {
	var b strings.Builder
	headline(&b, p)
	if p.DryRun {
		b.WriteString("> [!NOTE]\n> **Dry run**: nothing was sent and the state file was left untouched; the tables show what would have been sent.\n\n")
	} else if !p.PagerDutyEnabled {
		b.WriteString("> [!NOTE]\n> PagerDuty is disabled: incidents are tracked in the state file and the outputs, not sent.\n\n")
	}
	fmt.Fprintf(&b, "| checked | behind | errors | triggered | resolved | open |\n|---:|---:|---:|---:|---:|---:|\n| %d | %d | %d | %d | %d | %d |\n\n",
		len(p.Results), p.Behind(), p.Errors(), len(p.Triggered), len(p.Resolved), len(p.Open))

	if len(p.Failures) > 0 {
		b.WriteString("### ❌ Not delivered to PagerDuty\n\nThese will be decided again on the next run.\n\n| action | process | dedup key | error |\n|---|---|---|---|\n")
		for _, f := range p.Failures {
			fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s |\n", f.Action, f.Incident.ProcessID, f.Incident.DedupKey, cell(f.Error))
		}
		b.WriteString("\n")
	}
	incidentTable(&b, "Triggered", p.Triggered, false)
	incidentTable(&b, "Updated (severity raised)", p.Updated, false)
	incidentTable(&b, "Resolved", p.Resolved, true)
	incidentTable(&b, "Recovered, left open for manual resolution (auto-resolve is off)", p.Forgotten, true)
	incidentTable(&b, "Open incidents", p.Open, false)
	errorTable(&b, p.Results)
	processTable(&b, p)

	if len(p.Notes) > 0 || len(p.Skipped) > 0 {
		b.WriteString("### Warnings\n\n")
		for _, n := range append(append([]string(nil), p.Notes...), p.Skipped...) {
			fmt.Fprintf(&b, "- %s\n", cell(n))
		}
		b.WriteString("\n")
	}
	if p.SlackStatus != "" {
		fmt.Fprintf(&b, "%s\n\n", p.SlackStatus)
	}
	if !p.DryRun {
		state := "unchanged"
		if p.StateChanged {
			state = "updated"
		}
		fmt.Fprintf(&b, "State file `%s`: %s.\n", p.StateFile, state)
	}
	return b.String()
}

func headline(b *strings.Builder, p Pass) {
	behind, errs := p.Behind(), p.Errors()
	var parts []string
	if behind > 0 {
		parts = append(parts, fmt.Sprintf("%d behind", behind))
	}
	if errs > 0 {
		parts = append(parts, fmt.Sprintf("%d failing", errs))
	}
	switch {
	case len(parts) == 0:
		fmt.Fprintf(b, "## ✅ Nonce monitor: %s within %d slots of the scheduler\n\n", Count(len(p.Results), "process", "processes"), p.Threshold)
	default:
		fmt.Fprintf(b, "## 🔴 Nonce monitor: %s of %s\n\n", strings.Join(parts, ", "), Count(len(p.Results), "process", "processes"))
	}
}

func incidentTable(b *strings.Builder, title string, incs []Incident, withReason bool) {
	if len(incs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s (%d)\n\n| process | type | severity | slots behind | state server | since | dedup key |", title, len(incs))
	if withReason {
		b.WriteString(" why |\n|---|---|---|---:|---|---|---|---|\n")
	} else {
		b.WriteString("\n|---|---|---|---:|---|---|---|\n")
	}
	for _, inc := range incs {
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s | `%s` |", inc.ProcessID, inc.Type, inc.Severity,
			intOrDash(inc.SlotsBehind), hostOrDash(inc.StateURL), inc.Since, inc.DedupKey)
		if withReason {
			fmt.Fprintf(b, " %s |", inc.Reason)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func errorTable(b *strings.Builder, results []ao.Result) {
	var failed []ao.Result
	for _, r := range results {
		if !r.Checked() {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return
	}
	sort.Slice(failed, func(i, j int) bool {
		if failed[i].StateURL != failed[j].StateURL {
			return failed[i].StateURL < failed[j].StateURL
		}
		return failed[i].ProcessID < failed[j].ProcessID
	})
	fmt.Fprintf(b, "### Errors (%d)\n\n| process | state server | error |\n|---|---|---|\n", len(failed))
	for _, r := range failed {
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", r.ProcessID, hostOrDash(r.StateURL), cell(r.ErrorText()))
	}
	b.WriteString("\n")
}

func processTable(b *strings.Builder, p Pass) {
	rows := append([]ao.Result(nil), p.Results...)
	// Worst first: failures, then by slots behind.
	sort.SliceStable(rows, func(i, j int) bool {
		a, c := rows[i], rows[j]
		if a.Checked() != c.Checked() {
			return !a.Checked()
		}
		if a.SlotsBehind() != c.SlotsBehind() {
			return a.SlotsBehind() > c.SlotsBehind()
		}
		return a.ProcessID < c.ProcessID
	})
	fmt.Fprintf(b, "<details><summary>All processes (%d)</summary>\n\n| process | state server | state nonce | SU nonce | slots behind | status |\n|---|---|---:|---:|---:|---|\n", len(rows))
	for i, r := range rows {
		if i == maxProcessRows {
			fmt.Fprintf(b, "\n…and %d more, not shown to keep the summary under GitHub's size limit.\n", len(rows)-maxProcessRows)
			break
		}
		status := "ok"
		switch {
		case p.Silenced[r.ProcessID]:
			status = "🔇 silenced"
		case !r.Checked():
			status = "❌ " + string(ao.KindOf(firstErr(r)))
		case r.SlotsBehind() >= p.Threshold:
			status = "⚠️ behind"
		}
		behind := "–"
		if r.Checked() {
			behind = fmt.Sprint(r.SlotsBehind())
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", r.ProcessID, hostOrDash(r.StateURL),
			intOrDash(r.StateNonce), intOrDash(r.SUNonce), behind, status)
	}
	b.WriteString("\n</details>\n\n")
}

func firstErr(r ao.Result) error {
	if r.StateErr != nil {
		return r.StateErr
	}
	return r.SUErr
}

func intOrDash(n *int64) string {
	if n == nil {
		return "–"
	}
	return fmt.Sprint(*n)
}

func hostOrDash(raw string) string {
	if raw == "" {
		return "–"
	}
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
