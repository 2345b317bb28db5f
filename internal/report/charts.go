package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
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

// Chart sizes, in pixels at GitHub's page width: a bar chart is as tall as
// its bars need (a row of barRow each, its label beside it, so labels never
// overlap however many there are); the line chart is short and wide.
const (
	chartWidth = 900
	barRow     = 26
	barChrome  = 110 // title, value axis and its labels
	lineHeight = 320
)

// chartHead starts a Mermaid xychart of the given size, with its colours.
func chartHead(b *strings.Builder, colours []colour, width, height int, horizontal bool) {
	hexes := make([]string, len(colours))
	for i, c := range colours {
		hexes[i] = c.hex
	}
	fmt.Fprintf(b, "```mermaid\n%%%%{init: {\"xyChart\": {\"width\": %d, \"height\": %d}, \"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"%s\"}}}}%%%%\nxychart-beta",
		width, height, strings.Join(hexes, ", "))
	if horizontal {
		b.WriteString(" horizontal")
	}
	b.WriteString("\n")
}

// chart draws the worst lagging processes as horizontal bars, worst on
// top, with the threshold as a line across them. A line through one point
// is invisible, so a single bar gets an empty slot on each side for the
// line to run through (labelled with zero-width spaces: Mermaid trims
// blank labels into one category).
func chart(b *strings.Builder, p Pass) {
	var lagging []check.Result
	for _, r := range p.Results {
		if r.BothRead() && r.SlotsBehind() > 0 {
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
	chartHead(b, []colour{red, threshold}, chartWidth, barChrome+barRow*len(labels), true)
	fmt.Fprintf(b, "    title %q\n    x-axis [%s]\n    y-axis \"slots behind\" 0 --> %d\n    bar [%s]\n    line [%s]\n```\n\n",
		title, strings.Join(labels, ", "), axisTop(max(shown[0].SlotsBehind(), p.Threshold)), strings.Join(values, ", "), repeat(fmt.Sprint(p.Threshold), len(labels)))
	fmt.Fprintf(b, "%s slots behind · %s threshold (%d slots)\n\n", red.square, threshold.square, p.Threshold)
}

// gapChart draws the gap of the worst processes over the history window,
// one line each, with the threshold, on a time axis (minutes before now)
// sampled at even steps, so its tick labels are Mermaid's own and never
// crowd. A legend table says which line is which process, with its gap
// now and its trend. It draws nothing unless there are two distinct
// minutes to join.
func gapChart(b *strings.Builder, p Pass) {
	var worst []check.Result
	for _, r := range p.Results {
		if r.BothRead() && r.SlotsBehind() > 0 && len(p.History[r.ProcessID]) >= 2 {
			worst = append(worst, r)
		}
	}
	if len(worst) == 0 {
		return
	}
	sortWorstFirst(worst)
	worst = worst[:min(len(worst), gapLines)]
	span := int(p.Now.Sub(p.History[worst[0].ProcessID][0].At).Round(time.Minute).Minutes())
	if span < 1 {
		return
	}
	step := (span + gapPoints - 1) / gapPoints // whole minutes between points
	span = span / step * step
	top, bottom := p.Threshold, int64(0)
	var lines []string
	for _, r := range worst {
		samples := p.History[r.ProcessID]
		var values []string
		k := 0
		for ago := span; ago >= 0; ago -= step {
			at := p.Now.Add(-time.Duration(ago) * time.Minute)
			for k+1 < len(samples) && !samples[k+1].At.After(at) {
				k++
			}
			gap := samples[k].SU - samples[k].State
			top, bottom = max(top, gap), min(bottom, gap)
			values = append(values, fmt.Sprint(gap))
		}
		lines = append(lines, "    line ["+strings.Join(values, ", ")+"]")
	}
	lines = append(lines, "    line ["+repeat(fmt.Sprint(p.Threshold), span/step+1)+"]")
	fmt.Fprintf(b, "### Gap over the last %d minutes\n\n", span)
	chartHead(b, append(append([]colour(nil), lineHues[:len(worst)]...), threshold), chartWidth, lineHeight, false)
	fmt.Fprintf(b, "    title \"Slots behind, worst %d\"\n    x-axis \"minutes ago\" %d --> 0\n    y-axis \"slots behind\" %d --> %d\n%s\n```\n\n",
		len(worst), -span, -axisTop(-bottom), axisTop(top), strings.Join(lines, "\n"))
	table(b, []column{textCol("line"), textCol("process"), numCol("slots behind now"), textCol("trend")}, len(worst)+1, func(i int) []string {
		if i == len(worst) {
			return []string{threshold.square, "threshold", fmt.Sprint(p.Threshold), ""}
		}
		r := worst[i]
		return []string{lineHues[i].square, processLink(r.ProcessID), fmt.Sprint(r.SlotsBehind()), p.motion(r.ProcessID)}
	})
	if bottom < 0 {
		b.WriteString("Below zero: the state server reported a slot ahead of its scheduler's nonce.\n\n")
	}
}

// gapPoints is at most how many steps the gap chart's lines take.
const gapPoints = 60

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
