package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// Tone is how a span of terminal text is coloured, where the terminal shows
// colour (the console decides: a TTY without NO_COLOR).
type Tone string

const (
	Plain Tone = ""
	Bad   Tone = "bad"
	Warn  Tone = "warn"
	Good  Tone = "good"
	Dim   Tone = "dim"
	Bold  Tone = "bold"
)

// Span is text of one tone; a Line is the spans of one terminal line.
type Span struct {
	Text string
	Tone Tone
}

type Line []Span

// terminalRows is how many processes in trouble the terminal lists; the
// rest are counted (the report file has every one).
const terminalRows = 30

// Terminal renders a pass for a person at a terminal: the headline, the
// processes in trouble as an aligned table, a count of the healthy ones,
// the incidents sent, Slack, the state file and one line per output. It
// holds no Markdown and no JSON; warnings (notes, skipped entries) were
// already printed as warnings and are not repeated. Process IDs, hosts and
// error text come from the network or input files: the console's gate
// makes each line inert.
func Terminal(p Pass, outputs []Output) []Line {
	var out []Line
	add := func(spans ...Span) { out = append(out, Line(spans)) }
	blank := func() { add() }

	blank()
	if tone, text := terminalHeadline(p); text != "" {
		add(Span{text, tone})
	}
	trouble := troubled(p)
	if len(trouble) > 0 {
		blank()
		out = append(out, troubleTable(p, trouble)...)
	}
	if ok := p.count(incident.StatusOK) - p.stuckWithin(); ok > 0 || len(trouble) > 0 {
		line := Count(ok, "process", "processes") + " healthy"
		if n := p.count(incident.StatusSilenced); n > 0 {
			line += fmt.Sprintf(", %d silenced", n)
		}
		add(Span{"  " + line + ".", Good})
	}
	if offline(p) {
		add(Span{"  No endpoint answered: offline? Try the action end to end against local stand-ins: go run ./cmd/standins (it prints the command to run).", Warn})
	}

	blank()
	out = append(out, incidentLines(p)...)
	// A failed Slack message was a warning already.
	if p.SlackStatus != "" && !strings.HasPrefix(p.SlackStatus, "Slack: not sent") {
		add(Span{Text: p.SlackStatus})
	}
	if !p.DryRun {
		add(Span{Text: stateLine(p)})
	}
	if len(outputs) > 0 {
		blank()
		add(Span{"Outputs (--json prints them as JSON):", Dim})
		width := 0
		for _, o := range outputs {
			width = max(width, len(o.Name))
		}
		for _, o := range outputs {
			add(Span{Text: fmt.Sprintf("  %-*s  %s", width, o.Name, outputValue(o.Value))})
		}
	}
	return out
}

func terminalHeadline(p Pass) (Tone, string) {
	parts := troubleParts(p)
	switch {
	case len(parts) == 0 && len(p.Mistyped) == 0:
		return Good, fmt.Sprintf("✓ %s within %d slots of the scheduler", Count(len(p.Results), "process", "processes"), p.Threshold)
	case len(parts) == 0:
		return Bad, fmt.Sprintf("✗ %s within %d slots of the scheduler%s", Count(len(p.Results), "process", "processes"), p.Threshold, listNote(p))
	}
	return Bad, fmt.Sprintf("✗ %s of %s (threshold %d slots)%s", strings.Join(parts, ", "), Count(len(p.Results), "process", "processes"), p.Threshold, listNote(p))
}

// troubled lists the processes behind, failing, loading, not checked, or
// stuck within the threshold, worst first: failing, then by slots behind.
func troubled(p Pass) []check.Result {
	var list []check.Result
	for _, r := range p.Results {
		switch p.Status[r.ProcessID] {
		case incident.StatusBehind, incident.StatusFailing, incident.StatusNotChecked, incident.StatusLoading:
			list = append(list, r)
		case incident.StatusOK:
			if p.Trends[r.ProcessID].Class == trend.Stuck {
				list = append(list, r)
			}
		}
	}
	sortWorstFirst(list)
	return list
}

func sortWorstFirst(list []check.Result) {
	sort.SliceStable(list, func(i, j int) bool {
		a, c := list[i], list[j]
		if a.BothRead() != c.BothRead() {
			return !a.BothRead()
		}
		if a.SlotsBehind() != c.SlotsBehind() {
			return a.SlotsBehind() > c.SlotsBehind()
		}
		return a.ProcessID < c.ProcessID
	})
}

func troubleTable(p Pass, list []check.Result) []Line {
	head := []string{"PROCESS", "STATUS", "BEHIND", "TREND", "FOR"}
	rows := [][]string{}
	tones := []Tone{}
	details := map[int]string{}
	for i, r := range list[:min(len(list), terminalRows)] {
		status, tone := "behind", Warn
		behind := "–"
		switch p.Status[r.ProcessID] {
		case incident.StatusFailing:
			status, tone = "failing", Bad
			details[i] = r.ErrorText()
		case incident.StatusLoading:
			status, tone = "loading", Dim
			details[i] = r.ErrorText()
		case incident.StatusNotChecked:
			status, tone = "not checked", Dim
			if r.Misconfigured != "" {
				status, tone = "configuration error", Bad
				details[i] = r.ErrorText()
			}
		case incident.StatusOK: // stuck within the threshold
			status, behind = "stuck", fmt.Sprint(r.SlotsBehind())
		default:
			behind = fmt.Sprint(r.SlotsBehind())
		}
		motion := p.Trends[r.ProcessID].Describe(p.Now)
		if motion == "" {
			motion = "–"
		}
		rows = append(rows, []string{r.ProcessID, status, behind, motion, p.troubleFor(r.ProcessID)})
		tones = append(tones, tone)
	}
	widths := make([]int, len(head))
	for _, row := range append([][]string{head}, rows...) {
		for c, cell := range row {
			widths[c] = max(widths[c], runeLen(cell))
		}
	}
	format := func(row []string) string {
		var b strings.Builder
		b.WriteString("  ")
		for c, cell := range row {
			pad := strings.Repeat(" ", widths[c]-runeLen(cell))
			if c == 2 { // numbers align right
				b.WriteString(pad + cell)
			} else if c == len(row)-1 {
				b.WriteString(cell)
			} else {
				b.WriteString(cell + pad)
			}
			if c < len(row)-1 {
				b.WriteString("  ")
			}
		}
		return b.String()
	}
	out := []Line{{{format(head), Dim}}}
	said := ""
	for i, row := range rows {
		out = append(out, Line{{format(row), tones[i]}})
		switch d := details[i]; {
		case d == "":
		case d == said: // a dead server's processes fail alike: said once
			out = append(out, Line{{"      (the same error)", Dim}})
		default:
			out = append(out, Line{{"      " + d, Dim}})
			said = d
		}
	}
	if len(list) > terminalRows {
		out = append(out, Line{{fmt.Sprintf("  …and %d more (the report file has every process)", len(list)-terminalRows), Dim}})
	}
	return out
}

func runeLen(s string) int { return len([]rune(s)) }

func stateLine(p Pass) string {
	if p.StateChanged {
		return "State file " + p.StateFile + ": updated."
	}
	return "State file " + p.StateFile + ": unchanged."
}

// outputValue shows an output on one line: an incident array as its
// length, not its JSON.
func outputValue(v string) string {
	if strings.HasPrefix(v, "[") {
		n := strings.Count(v, `"process_id":`)
		return Count(n, "incident", "incidents")
	}
	if v == "" {
		return "–"
	}
	return v
}

// offline: nothing answered at all, the way a run without network fails.
func offline(p Pass) bool {
	if len(p.Results) == 0 {
		return false
	}
	for _, r := range p.Results {
		if !unanswered(r.StateErr) || !unanswered(r.SUErr) {
			return false
		}
	}
	return true
}

// unanswered reports whether err is a request nothing answered: no
// connection, no reply, or no such host name.
func unanswered(err error) bool {
	k := check.KindOf(err)
	return err != nil && (k == check.Unreachable || k == check.NoSuchHost)
}
