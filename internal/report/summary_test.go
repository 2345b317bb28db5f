package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// onePass is a pass of the given results, classified at threshold 50.
func onePass(results ...check.Result) Pass {
	p := Pass{Threshold: 50, Now: now, PagerDutyEnabled: true, StateFile: ".pagerduty-state.json", StateChanged: true,
		Results: results, Status: map[string]incident.Status{}, Trends: map[string]trend.Trend{}, History: map[string][]trend.Sample{}}
	for _, r := range results {
		p.Status[r.ProcessID] = incident.Classify(incident.Observation{Check: checkOf(r), SlotsBehind: r.SlotsBehind()}, p.Threshold)
	}
	return p
}

// section returns the summary's text under the heading that starts with
// title, up to the next heading.
func section(summary, title string) string {
	i := strings.Index(summary, "### "+title)
	if i < 0 {
		return ""
	}
	rest := summary[i+4:]
	if j := strings.Index(rest, "\n### "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// A process stuck for 55 minutes whose incident opened a minute ago has
// been in trouble for 55 minutes, and Still open says so, with the trend.
func TestStillOpenShowsTheRealAgeAndTheTrend(t *testing.T) {
	t.Parallel()
	r := healthy(pid('L', 1), 300)
	p := onePass(r)
	p.Trends[r.ProcessID] = trend.Trend{Class: trend.Stuck, StuckSince: now.Add(-55 * time.Minute)}
	p.Open = []Incident{openIncident(r, incident.Stuck, now.Add(-time.Minute))}
	got := section(Summary(p), "Still open")
	if !strings.Contains(got, "| ⏸ stuck 55 min | 55m |") {
		t.Errorf("Still open does not show the trend and 55m:\n%s", got)
	}
}

// Behind for the last three samples, not paged yet: the trouble began at
// the first of them.
func TestNotPagedYetAgesFromTheFirstSamplePastTheThreshold(t *testing.T) {
	t.Parallel()
	r := healthy(pid('L', 1), 80)
	p := onePass(r)
	for k, gap := range []int64{10, 60, 70, 80} {
		p.History[r.ProcessID] = append(p.History[r.ProcessID], trend.Sample{At: now.Add(time.Duration(k-3) * 10 * time.Minute), State: 1000, SU: 1000 + gap})
	}
	p.Deferred = []string{r.ProcessID}
	if got := section(Summary(p), "⏳ Not paged yet"); !strings.Contains(got, "| 80 | – | 20m |") {
		t.Errorf("Not paged yet:\n%s", got)
	}
}

// Each process is in one section: a trigger of this pass is not repeated
// under Still open, and a deferred process with an open incident is listed
// with its incident only.
func TestAProcessAppearsInOneSectionOnly(t *testing.T) {
	t.Parallel()
	a, b := healthy(pid('L', 1), 90), healthy(pid('L', 2), 70)
	p := onePass(a, b)
	incA, incB := openIncident(a, incident.Mismatch, now), openIncident(b, incident.Mismatch, now.Add(-time.Hour))
	p.Triggered = []Incident{incA}
	p.Open = []Incident{incA, incB}
	p.Deferred = []string{b.ProcessID}
	s := Summary(p)
	if got := section(s, "Still open"); strings.Contains(got, "L0000000…0001") || !strings.Contains(got, "L0000000…0002") {
		t.Errorf("Still open:\n%s", got)
	}
	if got := section(s, "⏳ Not paged yet"); got != "" {
		t.Errorf("a paged process is listed as not paged yet:\n%s", got)
	}
}

// No table carries a dedup key (too wide for GitHub's page); they are
// listed in a collapsed block.
func TestDedupKeysAreOutsideTheTables(t *testing.T) {
	t.Parallel()
	p := fleet(12, 4, 6)
	p.Triggered = p.Open[:1]
	s := Summary(p)
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "|") && strings.Contains(line, "nonce-monitor-") {
			t.Errorf("a table row holds a dedup key: %s", line)
		}
	}
	for _, inc := range p.Open {
		if !strings.Contains(s, "`"+inc.DedupKey+"`") {
			t.Errorf("dedup key %s is not listed", inc.DedupKey)
		}
	}
}

func TestChartLabelsAreUnique(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ids, want []string }{
		{[]string{"abcdefghij1234567890", "zyxwvutsrq1234567890"}, []string{"abcdef…", "zyxwvu…"}},
		{[]string{pid('L', 8), pid('L', 4), pid('L', 14)}, []string{"L000…08", "L000…04", "L000…14"}},
	} {
		if diff := cmp.Diff(c.want, shortLabels(c.ids)); diff != "" {
			t.Errorf("shortLabels(%q) (-want +got):\n%s", c.ids, diff)
		}
	}
}

// With one lagging process the threshold line still runs across the
// chart: a line through one point would be invisible.
func TestOneBarStillShowsTheThreshold(t *testing.T) {
	t.Parallel()
	got := section(Summary(onePass(healthy(pid('L', 1), 204))), "Lag")
	for _, want := range []string{"x-axis [\"\u200b\", \"L00000…\", \"\u200b\u200b\"]", "bar [0, 204, 0]", "line [50, 50, 50]", "plotColorPalette", "⬛ threshold (50 slots)"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// The bar chart is as tall as its bars: a row each, beside its label.
func TestBarChartFitsItsBars(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ lagging, height int }{{1, 110 + 3*26}, {2, 110 + 2*26}, {20, 110 + 20*26}, {45, 110 + 20*26}} {
		var results []check.Result
		for i := range tc.lagging {
			results = append(results, healthy(pid('L', i), int64(10+i)))
		}
		lag := section(Summary(onePass(results...)), "Lag")
		want := fmt.Sprintf(`{"xyChart": {"width": 900, "height": %d}`, tc.height)
		if !strings.Contains(lag, want) || !strings.Contains(lag, "xychart-beta horizontal\n") {
			t.Errorf("%d lagging: no %s, horizontal, in:\n%s", tc.lagging, want, lag)
		}
	}
}

func TestGapChart(t *testing.T) {
	t.Parallel()
	r := healthy(pid('L', 1), 90)
	at := func(minAgo int, gap int64) trend.Sample {
		return trend.Sample{At: now.Add(-time.Duration(minAgo) * time.Minute), State: 1000, SU: 1000 + gap}
	}
	for name, c := range map[string]struct {
		samples []trend.Sample
		want    []string // empty: no chart
	}{
		"a second pass in the same minute": {samples: []trend.Sample{at(0, 80), at(0, 90)}},
		"negative gap": {samples: []trend.Sample{at(10, -100), at(0, 90)}, want: []string{`y-axis "slots behind" -110 --> 99`,
			"line [-100, -100, -100, -100, -100, -100, -100, -100, -100, -100, 90]", "Below zero"}},
		// A minute a step, the value each sample held until the next one.
		"two times": {samples: []trend.Sample{at(10, 60), at(5, 70), at(0, 90)}, want: []string{`x-axis "minutes ago" -10 --> 0`,
			"line [60, 60, 60, 60, 60, 70, 70, 70, 70, 70, 90]", "line [50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50]",
			"| line | process | slots behind now | trend |", "| 🟥 | [`L0000000…0001`](https://www.ao.link/#/entity/" + pid('L', 1) + ") | 90 | – |",
			"| ⬛ | threshold | 50 |  |"}},
		// A day of history: 60 steps of 24 minutes, not a label per sample.
		"a day": {samples: []trend.Sample{at(1440, 10), at(700, 20), at(0, 90)}, want: []string{`x-axis "minutes ago" -1440 --> 0`,
			"line [" + strings.Repeat("10, ", 31) + strings.Repeat("20, ", 29) + "90]"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := onePass(r)
			p.History[r.ProcessID] = c.samples
			got := section(Summary(p), "Gap over")
			if len(c.want) == 0 && got != "" {
				t.Errorf("a chart with one point in time:\n%s", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in:\n%s", w, got)
				}
			}
		})
	}
}

// When the summary is cut, the note says so outside any collapsed block,
// and the state file's line is still the last.
func TestCutSummaryKeepsTheNoteVisibleAndTheStateLine(t *testing.T) {
	t.Parallel()
	body := "## head\n\n<details><summary>All</summary>\n\n" + strings.Repeat("| row |\n", 1000)
	tail := "State file `.pagerduty-state.json`: updated.\n"
	got := fit(body, tail, 2000)
	if len(got) > 2000 {
		t.Errorf("%d bytes, over the limit", len(got))
	}
	note := strings.Index(got, "summary was cut")
	if note < 0 || strings.LastIndex(got[:note], "</details>") < strings.LastIndex(got[:note], "<details>") {
		t.Errorf("the cut note is missing or inside <details>:\n%s", got)
	}
	if !strings.HasSuffix(got, tail) {
		t.Errorf("the state line is lost:\n%s", got[len(got)-200:])
	}
	if fit("short\n", tail, 2000) != "short\n"+tail {
		t.Error("a summary that fits is changed")
	}
}

// checkOf is how a check ended, as the action tells the core.
func checkOf(r check.Result) incident.Check {
	switch {
	case r.Interrupted:
		return incident.CheckInterrupted
	case r.BothRead():
		return incident.CheckRead
	}
	return incident.CheckFailed
}
