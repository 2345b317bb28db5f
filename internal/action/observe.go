package action

// The observe stage: what the pass saw, in the core's terms: each
// process's observation (with its trend from the history) and status.

import (
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// seen is recorded, with what the incident core decides from: each
// process's observation, its status at severity-threshold (decided once,
// by incident.Classify, for everything that reports or acts on it), and
// its result by process ID.
type seen struct {
	recorded
	observations []incident.Observation
	status       map[string]incident.Status
	byProcess    map[string]*check.Result
}

// observe reduces check results to what the incident policy needs. A
// silenced process is observed as such: it is in maintenance.
func (p *pass) observe(r recorded) seen {
	obs := make([]incident.Observation, len(r.results))
	for i, res := range r.results {
		obs[i] = incident.Observation{
			ProcessID:       res.ProcessID,
			Check:           checkOf(res),
			SlotsBehind:     res.SlotsBehind(),
			Server:          escape.Host(res.StateURL),
			StateFailed:     res.StateErr != nil,
			SchedulerFailed: res.SUErr != nil,
			Silenced:        p.in.silenced[res.ProcessID],
			Trend:           r.trends[res.ProcessID],
			StateMoved:      r.moved[res.ProcessID],
		}
	}
	return seen{recorded: r, observations: obs, status: classify(obs, int64(p.cfg.SeverityThreshold)), byProcess: indexByProcess(r.results)}
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

// classify is every process's status at a threshold, decided once by
// incident.Classify for everything that reports or acts on it.
func classify(obs []incident.Observation, threshold int64) map[string]incident.Status {
	status := make(map[string]incident.Status, len(obs))
	for _, o := range obs {
		status[o.ProcessID] = incident.Classify(o, threshold)
	}
	return status
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
