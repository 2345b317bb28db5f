package action

// The history stage: this pass's readings added to the history file, and
// each process's trend read from it.

import (
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// recorded is checked, with the history as this pass left it and each
// checked process's trend over it.
type recorded struct {
	checked
	history history.History
	trends  map[string]trend.Trend
	// moved: the processes whose state slot read this pass differs from
	// their latest earlier sample.
	moved map[string]bool
}

// recordHistory adds this pass's readings to the history mem holds (in
// place: mem is not read after), writes the history file with the notes
// and schedulers the next pass reads, and returns each process's trend. A
// narrowed pass (a manual run on a few processes) forgets no process's
// history: the ones it does not list are still monitored by the usual
// lists. Failing to write the file is a warning: trends start afresh.
func (p *pass) recordHistory(c checked, mem earlier) recorded {
	samples := map[string]trend.Sample{}
	monitored := make([]string, 0, len(c.results))
	for _, r := range c.results {
		monitored = append(monitored, r.ProcessID)
		if r.BothRead() {
			samples[r.ProcessID] = trend.Sample{At: c.at, State: *r.StateNonce, SU: *r.SUNonce}
		}
	}
	h := mem.samples
	moved := map[string]bool{}
	for pid, s := range samples {
		if earlier := h[pid]; len(earlier) > 0 && earlier[len(earlier)-1].State != s.State {
			moved[pid] = true
		}
	}
	if p.in.narrowed {
		for pid := range h {
			monitored = append(monitored, pid)
		}
	}
	if n := h.Record(c.at, samples, monitored, p.cfg.HistoryWindow.D()); n > 0 {
		p.con.Warnf("History file", "history file %s: %s from the future or with a negative slot left out (a clock step, or an edited file)", mem.path, report.Count(n, "sample", "samples"))
	}
	schedulers := mem.schedulersAfter(p.in.targets, c.results, c.at, p.in.narrowed)
	if err := p.in.ws.Write(mem.path, history.AppendNotes(h.EncodeWith(schedulers, mem.router), c.nodeNotes)); err != nil {
		p.con.Warnf("History file", "history file %s: %v; trends will start afresh", mem.path, err)
	}
	trends := make(map[string]trend.Trend, len(c.results))
	for _, r := range c.results {
		trends[r.ProcessID] = trend.Of(h[r.ProcessID], c.at)
	}
	return recorded{checked: c, history: h, trends: trends, moved: moved}
}
