package action

// What a pass observed, turned into what the core decides from: each
// process's observation (with its trend from the history) and status.

import (
	"errors"
	"io/fs"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/trend"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// policy is the part of the configuration the incident core decides by,
// for this job (its identity in dedup keys) and its lists (narrowed:
// unlisted incidents are held).
func (s *setup) policy(cfg config.Config) incident.Policy {
	return incident.Policy{
		Owner:            s.owner,
		Job:              groupJob(cfg, s.owner),
		ConfirmResolves:  recalls(cfg) && !cfg.DryRun,
		Narrowed:         s.narrowed,
		Threshold:        int64(cfg.SeverityThreshold),
		ResolveThreshold: cfg.EffectiveResolveThreshold(),
		Levels:           cfg.SeverityLevels,
		AutoResolve:      cfg.AutoResolve,
		ErrorThreshold:   int(cfg.ErrorThreshold),
		GroupThreshold:   int(cfg.GroupThreshold),
		SchedulerHost:    escape.Host(cfg.SURouterURL),
		StuckAfter:       optional(cfg.StuckAfter),
		CatchUpGrace:     optional(cfg.CatchUpGrace),
	}
}

// describe is each process's trend in words, for Slack.
func describe(trends map[string]trend.Trend, now time.Time) map[string]string {
	out := make(map[string]string, len(trends))
	for pid, t := range trends {
		if d := t.Describe(now); d != "" {
			out[pid] = d
		}
	}
	return out
}

// optional is an optional duration input, 0 when unset.
func optional(d *config.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.D()
}

// classify is every process's status at a threshold, decided once by
// incident.Classify for everything that reports or acts on it.
func classify(obs []incident.Observation, threshold int64) map[string]incident.Status {
	status := make(map[string]incident.Status, len(obs))
	for _, o := range obs {
		status[o.ProcessID] = incident.Classify(o, threshold)
	}
	return status
}

// loadHistory reads the history file. Without it trends are unknown for a
// pass or two, so a missing or unreadable one is a fresh start, never a
// failure.
func loadHistory(con *console.Console, ws *workspace.Dir, path string) history.History {
	raw, err := ws.ReadOwn(path)
	if errors.Is(err, fs.ErrNotExist) {
		return history.History{}
	}
	var h history.History
	if err == nil {
		h, err = history.Parse(raw)
	}
	if err == nil {
		return h
	}
	con.Warnf("History file", "history file %s is unusable (%v); trends start afresh", path, err)
	return history.History{}
}

// recordHistory adds this pass's readings to the history, writes it, and
// returns each process's trend. A narrowed pass (a manual run on a few
// processes) forgets no process's history: the ones it does not list are
// still monitored by the usual lists.
func (s *setup) recordHistory(con *console.Console, results []check.Result, now time.Time, window time.Duration) map[string]trend.Trend {
	samples := map[string]trend.Sample{}
	monitored := make([]string, 0, len(results))
	for _, r := range results {
		monitored = append(monitored, r.ProcessID)
		if r.BothRead() {
			samples[r.ProcessID] = trend.Sample{At: now, State: *r.StateNonce, SU: *r.SUNonce}
		}
	}
	if s.narrowed {
		for pid := range s.history {
			monitored = append(monitored, pid)
		}
	}
	if n := s.history.Record(now, samples, monitored, window); n > 0 {
		con.Warnf("History file", "history file %s: %s from the future or with a negative slot left out (a clock step, or an edited file)", s.historyPath, report.Count(n, "sample", "samples"))
	}
	if err := s.ws.Write(s.historyPath, history.AppendNotes(s.history.EncodeWith(s.schedulers, s.router), s.nodeNotes)); err != nil {
		con.Warnf("History file", "history file %s: %v; trends will start afresh", s.historyPath, err)
	}
	trends := make(map[string]trend.Trend, len(results))
	for _, r := range results {
		trends[r.ProcessID] = trend.Of(s.history[r.ProcessID], now)
	}
	return trends
}

// observe reduces check results to what the incident policy needs.
func observe(results []check.Result, silenced map[string]bool, trends map[string]trend.Trend) []incident.Observation {
	obs := make([]incident.Observation, len(results))
	for i, r := range results {
		obs[i] = incident.Observation{
			ProcessID:       r.ProcessID,
			Check:           checkOf(r),
			SlotsBehind:     r.SlotsBehind(),
			Server:          escape.Host(r.StateURL),
			StateFailed:     r.StateErr != nil,
			SchedulerFailed: r.SUErr != nil,
			Silenced:        silenced[r.ProcessID],
			Trend:           trends[r.ProcessID],
		}
	}
	return obs
}

// checkOf is how a check ended, in the core's terms: a check the pass cut
// short or a misconfigured host kept from running is interrupted, whatever
// it read; one whose state server was loading the process is loading.
func checkOf(r check.Result) incident.Check {
	switch {
	case r.NotChecked():
		return incident.CheckInterrupted
	case r.Loading():
		return incident.CheckLoading
	case r.BothRead():
		return incident.CheckRead
	}
	return incident.CheckFailed
}
