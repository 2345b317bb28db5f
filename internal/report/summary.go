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
	fmt.Fprintf(&b, "| checked | behind | errors | triggered | resolved | open |\n|---:|---:|---:|---:|---:|---:|\n| %d | %d | %d | %d | %d | %d |\n\n",
		len(p.Results), p.Behind(), p.Errors(), len(p.Triggered), len(p.Resolved), len(p.Open))

	if len(p.Failures) > 0 {
		b.WriteString("### ❌ Not delivered to PagerDuty\n\nThese will be decided again on the next run.\n\n| action | process | error |\n|---|---|---|\n")
		rows(&b, len(p.Failures), func(i int) string {
			f := p.Failures[i]
			return fmt.Sprintf("| %s | %s | %s |", f.Action, processLink(f.Incident.ProcessID), escape.Markdown(f.Error))
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

func headline(b *strings.Builder, p Pass) {
	parts := troubleParts(p)
	switch {
	case len(parts) == 0:
		fmt.Fprintf(b, "## ✅ Nonce monitor: %s within %d slots of the scheduler\n\n", Count(len(p.Results), "process", "processes"), p.Threshold)
	default:
		fmt.Fprintf(b, "## 🔴 Nonce monitor: %s of %s\n\n", strings.Join(parts, ", "), Count(len(p.Results), "process", "processes"))
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

// incidentTable lists incidents with what a responder asks first: how far
// behind, which way it is going, and since when it has been in trouble.
func incidentTable(b *strings.Builder, p Pass, title string, incs []Incident, withReason bool) {
	if len(incs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s (%d)\n\n| process | type | severity | slots behind | trend | in trouble for | state server |", title, len(incs))
	linked := false
	for _, inc := range incs {
		linked = linked || inc.PagerDuty != nil
	}
	switch {
	case withReason:
		b.WriteString(" why |\n|---|---|---|---:|---|---:|---|---|\n")
	case linked:
		b.WriteString(" in PagerDuty |\n|---|---|---|---:|---|---:|---|---|\n")
	default:
		b.WriteString("\n|---|---|---|---:|---|---:|---|\n")
	}
	rows(b, len(incs), func(i int) string {
		inc := incs[i]
		severity := inc.Severity
		if inc.Unconfirmed {
			severity += " (unconfirmed: sent again next run)"
		}
		row := fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", processLink(inc.ProcessID), inc.Type, severity,
			intOrDash(inc.SlotsBehind), p.motion(inc.ProcessID), p.troubleFor(inc.ProcessID), hostOrDash(inc.StateURL))
		if withReason {
			row += " " + inc.Reason + " |"
		} else if linked {
			row += " " + pagerDutyCell(inc.PagerDuty) + " |"
		}
		return row
	})
}

// pagerDutyCell links an incident to PagerDuty by its number, with its
// status. The pagerduty package only passes on plain https links and
// documented statuses; the status is escaped all the same.
func pagerDutyCell(l *incident.Link) string {
	switch {
	case l == nil:
		return "–"
	case l.URL == "":
		return fmt.Sprintf("#%d %s", l.Number, escape.Markdown(l.Status))
	}
	return fmt.Sprintf("[#%d](%s) %s", l.Number, l.URL, escape.Markdown(l.Status))
}

// motion is a process's trend in words, or a dash.
func (p Pass) motion(pid string) string {
	if m := p.Trends[pid].Describe(p.Now); m != "" {
		return m
	}
	return "–"
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
			cause = causeOf(e)
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

// causeOf names a failure's cause once ("state server: HTTP 5xx or 429",
// not "state server server error").
func causeOf(e *ao.Error) string {
	kind := string(e.Kind)
	if e.Kind == ao.ServerError {
		kind = "HTTP 5xx or 429"
	}
	return string(e.Endpoint) + ": " + kind
}

func processTable(b *strings.Builder, p Pass) {
	list := append([]ao.Result(nil), p.Results...)
	sortWorstFirst(list)
	openType := map[string]string{}
	for _, inc := range p.Open {
		openType[inc.ProcessID] = string(inc.Type)
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
			if r.Misconfigured != "" {
				status = "⚙ configuration error"
			}
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
		if k := openType[r.ProcessID]; k != "" {
			inc = "open: " + k
		}
		return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", processLink(r.ProcessID), hostOrDash(r.StateURL),
			intOrDash(r.StateNonce), intOrDash(r.SUNonce), behind, p.motion(r.ProcessID), status, inc)
	})
	b.WriteString("</details>\n\n")
}

// processLink shows a process ID linked to an AO explorer.
// A 43-character ID would take a third of GitHub's page in every table: it
// shows as its first eight and last four characters (as explorers do); the
// link and the dedup keys block hold it whole.
func processLink(pid string) string {
	if pid == "" {
		return "–"
	}
	shown := pid
	if r := []rune(pid); len(r) > 14 {
		shown = string(r[:8]) + "…" + string(r[len(r)-4:])
	}
	return fmt.Sprintf("[%s](%s)", escape.Code(shown), ao.ExplorerURL(pid))
}

// openFor says how long ago since was (an incident opened, trouble began),
// to the minute.
func openFor(since, now time.Time) string {
	if since.IsZero() || now.IsZero() {
		return "–"
	}
	d := now.Sub(since).Round(time.Minute)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		if int(d.Minutes())%60 == 0 {
			return fmt.Sprintf("%dh", int(d.Hours()))
		}
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
// kept from paging this pass. A process with an open incident is listed
// with it, not here.
func deferredTable(b *strings.Builder, p Pass) {
	open := map[string]bool{}
	for _, inc := range p.Open {
		open[inc.ProcessID] = true
	}
	var pids []string
	for _, pid := range p.Deferred {
		if !open[pid] {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return
	}
	fmt.Fprintf(b, "### ⏳ Not paged yet: catching up (%d)\n\nPast the threshold, but closing the gap within `catch-up-grace` (or just restarted): paged only if that stops.\n\n| process | slots behind | trend | in trouble for |\n|---|---:|---|---:|\n", len(pids))
	byID := map[string]ao.Result{}
	for _, r := range p.Results {
		byID[r.ProcessID] = r
	}
	rows(b, len(pids), func(i int) string {
		pid := pids[i]
		return fmt.Sprintf("| %s | %d | %s | %s |", processLink(pid), byID[pid].SlotsBehind(), p.motion(pid), p.troubleFor(pid))
	})
}
