package report

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// GitHub refuses a step summary over 1 MiB. Tables are cut to maxRows rows
// each, which keeps a 10,000-process fleet well under it; maxSummaryBytes
// is the last guard.
const (
	maxRows         = 500
	chartBars       = 20
	maxSummaryBytes = 1_000_000
)

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
		rows(&b, len(p.Failures), func(i int) string {
			f := p.Failures[i]
			return fmt.Sprintf("| %s | %s | %s | %s |", f.Action, processLink(f.Incident.ProcessID), escape.Code(f.Incident.DedupKey), escape.Markdown(f.Error))
		})
	}
	incidentTable(&b, "Triggered", p.Triggered, p.Now, false)
	incidentTable(&b, "Updated (severity raised)", p.Updated, p.Now, false)
	incidentTable(&b, "Resolved", p.Resolved, p.Now, true)
	incidentTable(&b, "Recovered, left open for manual resolution (auto-resolve is off)", p.Forgotten, p.Now, true)
	incidentTable(&b, "Still open", p.Open, p.Now, false)
	deferredTable(&b, p)
	chart(&b, p)
	gapChart(&b, p)
	errorTable(&b, p)
	processTable(&b, p)

	if len(p.Notes) > 0 || len(p.Skipped) > 0 {
		b.WriteString("### Warnings\n\n")
		notes := append(append([]string(nil), p.Notes...), p.Skipped...)
		rows(&b, len(notes), func(i int) string { return "- " + escape.Markdown(notes[i]) })
	}
	if p.SlackStatus != "" {
		fmt.Fprintf(&b, "%s\n\n", escape.Markdown(p.SlackStatus))
	}
	if !p.DryRun {
		state := "unchanged"
		if p.StateChanged {
			state = "updated"
		}
		fmt.Fprintf(&b, "State file %s: %s.\n", escape.Code(p.StateFile), state)
	}
	out := b.String()
	if len(out) > maxSummaryBytes {
		cut := strings.LastIndex(out[:maxSummaryBytes-200], "\n")
		out = out[:cut] + "\n\n…summary cut to stay under GitHub's 1 MiB limit; the report file has every process.\n"
	}
	return out
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
	if n := p.NotChecked(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not checked (pass cut short)", n))
	}
	switch {
	case len(parts) == 0:
		fmt.Fprintf(b, "## ✅ Nonce monitor: %s within %d slots of the scheduler\n\n", Count(len(p.Results), "process", "processes"), p.Threshold)
	default:
		fmt.Fprintf(b, "## 🔴 Nonce monitor: %s of %s\n\n", strings.Join(parts, ", "), Count(len(p.Results), "process", "processes"))
	}
}

// rows writes up to maxRows rows and says how many more there were.
func rows(b *strings.Builder, n int, row func(int) string) {
	for i := range min(n, maxRows) {
		b.WriteString(row(i))
		b.WriteString("\n")
	}
	if n > maxRows {
		fmt.Fprintf(b, "\n…and %d more (see the outputs and the report file).\n", n-maxRows)
	}
	b.WriteString("\n")
}

func incidentTable(b *strings.Builder, title string, incs []Incident, now time.Time, withReason bool) {
	if len(incs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s (%d)\n\n| process | type | severity | slots behind | state server | open for | dedup key |", title, len(incs))
	if withReason {
		b.WriteString(" why |\n|---|---|---|---:|---|---:|---|---|\n")
	} else {
		b.WriteString("\n|---|---|---|---:|---|---:|---|\n")
	}
	rows(b, len(incs), func(i int) string {
		inc := incs[i]
		key := escape.Code(inc.DedupKey)
		if inc.Unconfirmed {
			key += " (unconfirmed: sent again next run)"
		}
		row := fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", processLink(inc.ProcessID), inc.Type, inc.Severity,
			intOrDash(inc.SlotsBehind), hostOrDash(inc.StateURL), openFor(inc.Since, now), key)
		if withReason {
			row += " " + inc.Reason + " |"
		}
		return row
	})
}

// chart draws the worst lagging processes as a Mermaid bar chart.
func chart(b *strings.Builder, p Pass) {
	var lagging []ao.Result
	for _, r := range p.Results {
		if r.Checked() && r.SlotsBehind() > 0 {
			lagging = append(lagging, r)
		}
	}
	if len(lagging) == 0 {
		return
	}
	sort.SliceStable(lagging, func(i, j int) bool { return lagging[i].SlotsBehind() > lagging[j].SlotsBehind() })
	shown := lagging[:min(len(lagging), chartBars)]
	labels := make([]string, len(shown))
	values := make([]string, len(shown))
	for i, r := range shown {
		labels[i] = fmt.Sprintf("%q", r.ProcessID[:6]+"…")
		values[i] = fmt.Sprint(r.SlotsBehind())
	}
	title := "Slots behind the scheduler"
	if len(lagging) > len(shown) {
		title = fmt.Sprintf("Slots behind the scheduler (worst %d of %d)", len(shown), len(lagging))
	}
	fmt.Fprintf(b, "### Lag\n\n```mermaid\nxychart-beta\n    title %q\n    x-axis [%s]\n    y-axis \"slots behind\" 0 --> %d\n    bar [%s]\n    line [%s]\n```\n\n",
		title, strings.Join(labels, ", "), max(shown[0].SlotsBehind(), p.Threshold), strings.Join(values, ", "), thresholdLine(len(shown), p.Threshold))
}

// thresholdLine draws the alert threshold across the chart.
func thresholdLine(n int, threshold int64) string {
	v := make([]string, n)
	for i := range v {
		v[i] = fmt.Sprint(threshold)
	}
	return strings.Join(v, ", ")
}

// errorTable groups failures by state server and cause, so one dead server
// is one row, not a hundred.
func errorTable(b *strings.Builder, p Pass) {
	type group struct {
		server, cause string
		processes     []string
		example       string
	}
	groups := map[[2]string]*group{}
	for _, r := range p.Results {
		if p.Status[r.ProcessID] != incident.StatusFailing {
			continue
		}
		err := r.StateErr
		if err == nil {
			err = r.SUErr
		}
		cause := "failed"
		server := hostOrDash(r.StateURL)
		var e *ao.Error
		if errors.As(err, &e) {
			cause = string(e.Endpoint) + " " + string(e.Kind)
			server = e.Host
		}
		k := [2]string{server, cause}
		if groups[k] == nil {
			groups[k] = &group{server: server, cause: cause, example: r.ErrorText()}
		}
		groups[k].processes = append(groups[k].processes, r.ProcessID)
	}
	if len(groups) == 0 {
		return
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i].processes) != len(list[j].processes) {
			return len(list[i].processes) > len(list[j].processes)
		}
		return list[i].server+list[i].cause < list[j].server+list[j].cause
	})
	b.WriteString("### Errors by cause\n\n| server | cause | processes | example |\n|---|---|---:|---|\n")
	rows(b, len(list), func(i int) string {
		g := list[i]
		sort.Strings(g.processes)
		who := processLink(g.processes[0])
		if len(g.processes) > 1 {
			who = fmt.Sprintf("%d (first: %s)", len(g.processes), who)
		}
		return fmt.Sprintf("| %s | %s | %s | %s |", escape.Markdown(g.server), g.cause, who, escape.Markdown(g.example))
	})
}

func processTable(b *strings.Builder, p Pass) {
	list := append([]ao.Result(nil), p.Results...)
	// Worst first: failures, then by slots behind.
	sort.SliceStable(list, func(i, j int) bool {
		a, c := list[i], list[j]
		if a.Checked() != c.Checked() {
			return !a.Checked()
		}
		if a.SlotsBehind() != c.SlotsBehind() {
			return a.SlotsBehind() > c.SlotsBehind()
		}
		return a.ProcessID < c.ProcessID
	})
	openKey := map[string]string{}
	for _, inc := range p.Open {
		openKey[inc.ProcessID] = inc.DedupKey
	}
	fmt.Fprintf(b, "<details><summary>All processes (%d)</summary>\n\n| process | state server | state nonce | SU nonce | slots behind | trend | status | incident |\n|---|---|---:|---:|---:|---|---|---|\n", len(list))
	rows(b, len(list), func(i int) string {
		r := list[i]
		status := "ok"
		switch p.Status[r.ProcessID] {
		case incident.StatusSilenced:
			status = "🔇 silenced"
		case incident.StatusNotChecked:
			status = "⏹ not checked"
		case incident.StatusFailing:
			status = "❌ " + string(ao.KindOf(firstErr(r)))
		case incident.StatusBehind:
			status = "⚠️ behind"
		}
		behind := "–"
		if r.Checked() {
			behind = fmt.Sprint(r.SlotsBehind())
		}
		inc := "–"
		if k := openKey[r.ProcessID]; k != "" {
			inc = escape.Code(k)
		}
		motion := p.Trends[r.ProcessID].Describe(p.Now)
		if motion == "" {
			motion = "–"
		}
		return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", processLink(r.ProcessID), hostOrDash(r.StateURL),
			intOrDash(r.StateNonce), intOrDash(r.SUNonce), behind, motion, status, inc)
	})
	b.WriteString("</details>\n\n")
}

// processLink shows a process ID linked to an AO explorer.
func processLink(pid string) string {
	if pid == "" {
		return "–"
	}
	return fmt.Sprintf("[%s](%s)", escape.Code(pid), ao.ExplorerURL(pid))
}

// openFor says how long an incident has been open, to the minute.
func openFor(since, now time.Time) string {
	if since.IsZero() || now.IsZero() {
		return "–"
	}
	d := now.Sub(since).Round(time.Minute)
	switch {
	case d < time.Minute:
		return "just opened"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
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

// hostOrDash shows a URL's host, escaped: hosts come from input files.
func hostOrDash(raw string) string {
	if raw == "" {
		return "–"
	}
	return escape.Markdown(escape.Host(raw))
}

// deferredTable lists the processes past the threshold that catch-up-grace
// kept from paging this pass.
func deferredTable(b *strings.Builder, p Pass) {
	if len(p.Deferred) == 0 {
		return
	}
	fmt.Fprintf(b, "### ⏳ Not paged yet: catching up (%d)\n\nPast the threshold, but closing the gap within `catch-up-grace` (or just restarted): paged only if that stops.\n\n| process | slots behind | trend |\n|---|---:|---|\n", len(p.Deferred))
	byID := map[string]ao.Result{}
	for _, r := range p.Results {
		byID[r.ProcessID] = r
	}
	rows(b, len(p.Deferred), func(i int) string {
		pid := p.Deferred[i]
		r := byID[pid]
		return fmt.Sprintf("| %s | %d | %s |", processLink(pid), r.SlotsBehind(), p.Trends[pid].Describe(p.Now))
	})
}

// gapLines is how many processes the gap chart draws.
const gapLines = 5

// gapChart draws the gap of the worst processes over the history window,
// one line each, at the worst process's sample times.
func gapChart(b *strings.Builder, p Pass) {
	var worst []ao.Result
	for _, r := range p.Results {
		if r.Checked() && r.SlotsBehind() > 0 && len(p.History[r.ProcessID]) >= 2 {
			worst = append(worst, r)
		}
	}
	if len(worst) == 0 {
		return
	}
	sort.SliceStable(worst, func(i, j int) bool { return worst[i].SlotsBehind() > worst[j].SlotsBehind() })
	worst = worst[:min(len(worst), gapLines)]
	times := p.History[worst[0].ProcessID]
	labels := make([]string, len(times))
	for i, s := range times {
		ago := int(p.Now.Sub(s.At).Round(time.Minute).Minutes())
		labels[i] = fmt.Sprintf("\"-%dm\"", ago)
		if ago == 0 {
			labels[i] = `"now"`
		}
	}
	top := int64(0)
	var lines, legend []string
	for i, r := range worst {
		samples := p.History[r.ProcessID]
		values := make([]string, len(times))
		k := 0
		for j, at := range times {
			for k+1 < len(samples) && !samples[k+1].At.After(at.At) {
				k++
			}
			gap := samples[k].SU - samples[k].State
			top = max(top, gap)
			values[j] = fmt.Sprint(gap)
		}
		lines = append(lines, "    line ["+strings.Join(values, ", ")+"]")
		legend = append(legend, fmt.Sprintf("%d. %s", i+1, processLink(r.ProcessID)))
	}
	fmt.Fprintf(b, "### Gap over the last %s\n\n```mermaid\nxychart-beta\n    title \"Slots behind, worst %d\"\n    x-axis [%s]\n    y-axis \"slots behind\" 0 --> %d\n%s\n```\n\nLines, in order: %s\n\n",
		historySpan(times, p.Now), len(worst), strings.Join(labels, ", "), max(top, p.Threshold), strings.Join(lines, "\n"), strings.Join(legend, ", "))
}

func historySpan(times []trend.Sample, now time.Time) string {
	return fmt.Sprintf("%d minutes", int(now.Sub(times[0].At).Round(time.Minute).Minutes()))
}
