package action

// Where each process's scheduler (SU) lives, remembered across passes in
// the history file: a pass asks a remembered SU directly (one round trip),
// the router only for the others (two), and the router's answers are
// remembered for the next pass.

import (
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/processlist"
)

// where is what is known at now of target i's scheduler: where it was
// last found, if that may still be asked, whether the router is due to be
// asked again too, and the process's last reading (a nonce that has not
// moved from it while the state slot has sends the check to the router).
func (mem earlier) where(targets []processlist.Target, now time.Time) func(i int) ao.Where {
	return func(i int) ao.Where {
		pid := targets[i].ProcessID
		var w ao.Where
		w.SU, w.Confirm = mem.schedulerAt[i].Ask(pid, now)
		samples := mem.samples[pid]
		if n := len(samples); n > 0 && samples[n-1].At.Before(now) {
			w.Last = &ao.Reading{State: samples[n-1].State, Nonce: samples[n-1].SU}
		}
		return w
	}
}

// schedulersAfter is what the history file remembers after this pass:
// what the router named in it (confirmed at now), not what it said is
// gone; a remembered location kept without the router naming it (it was
// not asked, said nothing, or named an SU whose nonce is lower), with the
// time the router last named it, so it is re-checked and still expires;
// the processes not listed only on a narrowed pass (a manual run on a few
// processes forgets nothing of the rest). results are in target order.
func (mem earlier) schedulersAfter(targets []processlist.Target, results []check.Result, now time.Time, narrowed bool) history.Schedulers {
	next := make(history.Schedulers, len(results))
	if narrowed {
		for pid, sch := range mem.unlisted {
			next[pid] = sch
		}
	}
	for i, r := range results {
		switch {
		case r.SchedulerFromRouter && r.Scheduler != "":
			next[r.ProcessID] = history.Scheduler{URL: r.Scheduler, Learned: now}
		case r.SchedulerFromRouter: // the router said it is not there
		case i < len(mem.schedulerAt) && targets[i].ProcessID == r.ProcessID && mem.schedulerAt[i].URL != "":
			next[r.ProcessID] = mem.schedulerAt[i]
		}
	}
	return next
}

// oneCopyEach makes every result naming the same SU share one copy of its
// URL: 10,000 processes on a few SUs keep a few strings, not 10,000.
func oneCopyEach(results []check.Result) {
	one := map[string]string{}
	for i, r := range results {
		if r.Scheduler == "" {
			continue
		}
		u, ok := one[r.Scheduler]
		if !ok {
			u = r.Scheduler
			one[u] = u
		}
		results[i].Scheduler = u
	}
}
