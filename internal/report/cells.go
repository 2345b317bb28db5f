package report

import (
	"fmt"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// How one value shows in a summary table cell: escaped, linked, or a dash.

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
	return fmt.Sprintf("[%s](%s)", escape.Code(shown), check.ExplorerURL(pid))
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

func firstErr(r check.Result) error {
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
