package report

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// The summary's tables, each written by one helper.

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

// column is one column of a Markdown table: its heading, and whether its
// cells are numbers (right-aligned).
type column struct {
	name  string
	right bool
}

func textCol(name string) column { return column{name: name} }
func numCol(name string) column  { return column{name: name, right: true} }

// table writes a Markdown table: its header, then up to maxRows of n rows
// (row(i) is the cells of row i, already escaped), and how many more there
// were.
func table(b *strings.Builder, cols []column, n int, row func(int) []string) {
	for _, c := range cols {
		b.WriteString("| " + c.name + " ")
	}
	b.WriteString("|\n")
	for _, c := range cols {
		if c.right {
			b.WriteString("|---:")
		} else {
			b.WriteString("|---")
		}
	}
	b.WriteString("|\n")
	rows(b, n, func(i int) string { return "| " + strings.Join(row(i), " | ") + " |" })
}

// incidentTable lists incidents with what a responder asks first: how far
// behind, which way it is going, and since when it has been in trouble.
func incidentTable(b *strings.Builder, p Pass, title string, incs []Incident, withReason bool) {
	if len(incs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s (%d)\n\n", title, len(incs))
	cols := []column{textCol("process"), textCol("type"), textCol("severity"), numCol("slots behind"), textCol("trend"), numCol("in trouble for"), textCol("state server")}
	linked := false
	for _, inc := range incs {
		linked = linked || inc.PagerDuty != nil
	}
	// What is wrong with a process that cannot be checked comes first: a
	// responder asks it before anything else.
	failing := map[string]string{}
	if !withReason {
		failing = p.failureCauses(incs)
	}
	if len(failing) > 0 {
		cols = slices.Insert(cols, 2, textCol("why"))
	}
	switch {
	case withReason:
		cols = append(cols, textCol("why"))
	case linked:
		cols = append(cols, textCol("in PagerDuty"))
	}
	table(b, cols, len(incs), func(i int) []string {
		inc := incs[i]
		severity := inc.Severity
		if inc.Unconfirmed {
			severity += " (unconfirmed: sent again next run)"
		}
		row := []string{processLink(inc.ProcessID), inc.Type, severity,
			intOrDash(inc.SlotsBehind), p.motion(inc.ProcessID), p.troubleFor(inc.ProcessID), hostOrDash(inc.StateURL)}
		if len(failing) > 0 {
			why, ok := failing[inc.ProcessID]
			if !ok {
				why = "–"
			}
			row = slices.Insert(row, 2, why)
		}
		if withReason {
			row = append(row, inc.Reason)
		} else if linked {
			row = append(row, pagerDutyCell(inc.PagerDuty))
		}
		return row
	})
}

// failureCauses is, for each of incs' processes that failed its check in
// this pass, why: the endpoint and what it answered, escaped and cut to a
// table cell (the full text is in "Errors by cause" and the report file).
func (p Pass) failureCauses(incs []Incident) map[string]string {
	want := map[string]bool{}
	for _, inc := range incs {
		want[inc.ProcessID] = inc.ProcessID != ""
	}
	out := map[string]string{}
	for _, r := range p.Results {
		if !want[r.ProcessID] || p.Status[r.ProcessID] != incident.StatusFailing {
			continue
		}
		var why []string
		for _, err := range []error{r.StateErr, r.SUErr} {
			var e *check.Error
			switch {
			case errors.As(err, &e):
				why = append(why, string(e.Endpoint)+": "+e.Detail)
			case err != nil:
				why = append(why, err.Error())
			}
		}
		if len(why) > 0 {
			out[r.ProcessID] = escape.Markdown(clipCell(strings.Join(why, "; "), maxWhy))
		}
	}
	return out
}

// maxWhy bounds a "why" cell, in characters: a sentence, not a page.
const maxWhy = 120

func clipCell(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
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
		var e *check.Error
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
	b.WriteString("### Errors by cause\n\n")
	table(b, []column{textCol("server"), textCol("cause"), numCol("processes"), textCol("example")}, len(list), func(i int) []string {
		g := list[i]
		sort.Strings(g.processes)
		who := processLink(g.processes[0])
		if len(g.processes) > 1 {
			who = fmt.Sprintf("%d (first: %s)", len(g.processes), who)
		}
		return []string{escape.Markdown(g.server), g.cause, who, escape.Markdown(g.example)}
	})
}

// causeOf names a failure's cause once ("state server: HTTP 5xx or 429",
// not "state server server error").
func causeOf(e *check.Error) string {
	kind := string(e.Kind)
	if e.Kind == check.ServerError {
		kind = "HTTP 5xx or 429"
	}
	return string(e.Endpoint) + ": " + kind
}

// processTable lists every process, worst first, in a collapsed block.
func processTable(b *strings.Builder, p Pass) {
	list := append([]check.Result(nil), p.Results...)
	sortWorstFirst(list)
	openType := map[string]string{}
	for _, inc := range p.Open {
		openType[inc.ProcessID] = string(inc.Type)
	}
	fmt.Fprintf(b, "<details><summary>All processes (%d)</summary>\n\n", len(list))
	cols := []column{textCol("process"), textCol("state server"), numCol("state nonce"), numCol("SU nonce"), numCol("slots behind"), textCol("trend"), textCol("status"), textCol("incident")}
	table(b, cols, len(list), func(i int) []string {
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
			status = "❌ " + string(check.KindOf(firstErr(r)))
		case incident.StatusLoading:
			status = "⏳ loading"
		case incident.StatusBehind:
			status = "⚠️ behind"
		}
		behind := "–"
		if r.BothRead() {
			behind = fmt.Sprint(r.SlotsBehind())
		}
		inc := "–"
		if k := openType[r.ProcessID]; k != "" {
			inc = "open: " + k
		}
		return []string{processLink(r.ProcessID), hostOrDash(r.StateURL),
			intOrDash(r.StateNonce), intOrDash(r.SUNonce), behind, p.motion(r.ProcessID), status, inc}
	})
	b.WriteString("</details>\n\n")
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
	fmt.Fprintf(b, "### ⏳ Not paged yet: catching up (%d)\n\nPast the threshold, but closing the gap within `catch-up-grace` (or just restarted): paged only if that stops.\n\n", len(pids))
	byID := map[string]check.Result{}
	for _, r := range p.Results {
		byID[r.ProcessID] = r
	}
	table(b, []column{textCol("process"), numCol("slots behind"), textCol("trend"), numCol("in trouble for")}, len(pids), func(i int) []string {
		pid := pids[i]
		return []string{processLink(pid), fmt.Sprint(byID[pid].SlotsBehind()), p.motion(pid), p.troubleFor(pid)}
	})
}
