package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
)

// Mermaid's default palette is too pale to tell lines apart on GitHub's
// page, and xychart draws no legend: each chart names its colours, in plot
// order, and the Markdown under it says which is which with a square of the
// same colour.
type colour struct{ hex, square string }

var (
	red       = colour{"#cf222e", "🟥"}
	threshold = colour{"#1f2328", "⬛"}
	lineHues  = []colour{red, {"#0969da", "🟦"}, {"#1a7f37", "🟩"}, {"#8250df", "🟪"}, {"#bc4c00", "🟧"}}
)

// chartBars and gapLines are how many processes each chart draws.
const (
	chartBars = 20
	gapLines  = 5
)

// chartHead starts a Mermaid xychart with its colours.
func chartHead(b *strings.Builder, colours []colour) {
	hexes := make([]string, len(colours))
	for i, c := range colours {
		hexes[i] = c.hex
	}
	fmt.Fprintf(b, "```mermaid\n%%%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"%s\"}}}}%%%%\nxychart-beta\n", strings.Join(hexes, ", "))
}

// chart draws the worst lagging processes as bars, with the threshold as a
// line across them. A line through one point is invisible, so a single bar
// gets an empty slot on each side for the line to run through (labelled
// with zero-width spaces: Mermaid trims blank labels into one category).
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
	sortWorstFirst(lagging)
	shown := lagging[:min(len(lagging), chartBars)]
	ids := make([]string, len(shown))
	values := make([]string, len(shown))
	for i, r := range shown {
		ids[i] = r.ProcessID
		values[i] = fmt.Sprint(r.SlotsBehind())
	}
	labels := quoteAll(shortLabels(ids))
	if len(shown) == 1 {
		labels = []string{"\"\u200b\"", labels[0], "\"\u200b\u200b\""}
		values = []string{"0", values[0], "0"}
	}
	title := "Slots behind the scheduler"
	if len(lagging) > len(shown) {
		title = fmt.Sprintf("Slots behind the scheduler (worst %d of %d)", len(shown), len(lagging))
	}
	b.WriteString("### Lag\n\n")
	chartHead(b, []colour{red, threshold})
	fmt.Fprintf(b, "    title %q\n    x-axis [%s]\n    y-axis \"slots behind\" 0 --> %d\n    bar [%s]\n    line [%s]\n```\n\n",
		title, strings.Join(labels, ", "), axisTop(max(shown[0].SlotsBehind(), p.Threshold)), strings.Join(values, ", "), repeat(fmt.Sprint(p.Threshold), len(labels)))
	fmt.Fprintf(b, "%s slots behind · %s threshold (%d slots)\n\n", red.square, threshold.square, p.Threshold)
}

// gapChart draws the gap of the worst processes over the history window,
// one line each, at the worst process's sample times, with the threshold.
// It draws nothing unless there are two distinct times to join.
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
	sortWorstFirst(worst)
	worst = worst[:min(len(worst), gapLines)]
	// One point per minute label: two samples in the same minute would be
	// one category on the axis.
	var times []time.Time
	var labels []string
	for _, s := range p.History[worst[0].ProcessID] {
		label := `"now"`
		if ago := int(p.Now.Sub(s.At).Round(time.Minute).Minutes()); ago != 0 {
			label = fmt.Sprintf(`"-%dm"`, ago)
		}
		if n := len(labels); n > 0 && labels[n-1] == label {
			times[n-1] = s.At
			continue
		}
		times, labels = append(times, s.At), append(labels, label)
	}
	if len(times) < 2 {
		return
	}
	top, bottom := p.Threshold, int64(0)
	var lines, legend []string
	for i, r := range worst {
		samples := p.History[r.ProcessID]
		values := make([]string, len(times))
		k := 0
		for j, at := range times {
			for k+1 < len(samples) && !samples[k+1].At.After(at) {
				k++
			}
			gap := samples[k].SU - samples[k].State
			top, bottom = max(top, gap), min(bottom, gap)
			values[j] = fmt.Sprint(gap)
		}
		lines = append(lines, "    line ["+strings.Join(values, ", ")+"]")
		legend = append(legend, lineHues[i].square+" "+processLink(r.ProcessID))
	}
	lines = append(lines, "    line ["+repeat(fmt.Sprint(p.Threshold), len(times))+"]")
	legend = append(legend, fmt.Sprintf("%s threshold (%d slots)", threshold.square, p.Threshold))
	fmt.Fprintf(b, "### Gap over the last %d minutes\n\n", int(p.Now.Sub(times[0]).Round(time.Minute).Minutes()))
	chartHead(b, append(append([]colour(nil), lineHues[:len(worst)]...), threshold))
	fmt.Fprintf(b, "    title \"Slots behind, worst %d\"\n    x-axis [%s]\n    y-axis \"slots behind\" %d --> %d\n%s\n```\n\n%s\n\n",
		len(worst), strings.Join(labels, ", "), -axisTop(-bottom), axisTop(top), strings.Join(lines, "\n"), strings.Join(legend, " · "))
	if bottom < 0 {
		b.WriteString("Below zero: the state server reported a slot ahead of its scheduler's nonce.\n\n")
	}
}

// shortLabels shortens process IDs so that no two read alike (two bars
// with one label are drawn as one): their first six characters if that
// keeps them apart, else the first four and as many of the last as it
// takes.
func shortLabels(ids []string) []string {
	for tail := 0; ; tail++ {
		seen := map[string]bool{}
		out := make([]string, len(ids))
		unique := true
		for i, id := range ids {
			switch {
			case len(id) <= 10+tail:
				out[i] = id
			case tail == 0:
				out[i] = id[:6] + "…"
			default:
				out[i] = id[:4] + "…" + id[len(id)-tail:]
			}
			unique = unique && !seen[out[i]]
			seen[out[i]] = true
		}
		if unique || tail > 64 {
			return out
		}
	}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// axisTop leaves a tenth of headroom above the highest value, so the
// threshold line at the top of an axis is not drawn on its edge.
func axisTop(v int64) int64 {
	if v <= 0 {
		return 0
	}
	return v + max(v/10, 1)
}

func repeat(v string, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = v
	}
	return strings.Join(s, ", ")
}
