package action

// Where each process's scheduler (SU) lives, remembered across passes in
// the history file: a pass asks a remembered SU directly (one round trip),
// the router only for the others (two), and the router's answers are
// remembered for the next pass.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// routerMark names su-router-url in the history file without writing it
// there (it may carry credentials): locations another router gave (the
// input changed) are not asked, the configured router is.
func routerMark(routerURL string) string {
	h := fnv.New64a()
	h.Write([]byte(routerURL))
	return fmt.Sprintf("%016x", h.Sum64())
}

// loadSchedulers reads the schedulers remembered from router (its
// routerMark) in the history file. Without them every process is asked
// through the router, as on a first pass: a missing or unreadable section
// is never a failure.
func loadSchedulers(con *console.Console, ws *workspace.Dir, path, router string) history.Schedulers {
	raw, err := ws.ReadOwn(path)
	if errors.Is(err, fs.ErrNotExist) {
		return history.Schedulers{}
	}
	var s history.Schedulers
	if err == nil {
		s, err = history.ParseSchedulers(raw, router)
	}
	if err != nil {
		// loadHistory has warned about the file already.
		con.Debugf("the schedulers remembered in %s are unusable (%v); the router is asked for every process", path, err)
		return history.Schedulers{}
	}
	return s
}

// splitSchedulers lays the remembered schedulers out by target index, and
// returns those of the processes not listed in this pass apart (a manual
// run on a few processes keeps them). A pass over 10,000 processes then
// holds a slice during its checks, not a map of them all.
func splitSchedulers(all history.Schedulers, targets []processlist.Target) ([]history.Scheduler, history.Schedulers) {
	at := make([]history.Scheduler, len(targets))
	for i, t := range targets {
		if sch, ok := all[t.ProcessID]; ok {
			at[i] = sch
			delete(all, t.ProcessID)
		}
	}
	unlisted := make(history.Schedulers, len(all)) // a map that deletions never shrink is not kept
	for pid, sch := range all {
		unlisted[pid] = sch
	}
	return at, unlisted
}

// remembered is what is known at now of target i's scheduler: where it
// was last found, if that may still be asked, whether the router is due
// to be asked again too, and the process's last reading (a nonce that has
// not moved from it while the state slot has sends the check to the
// router).
func (s *setup) remembered(now time.Time) func(i int) ao.Where {
	return func(i int) ao.Where {
		pid := s.targets[i].ProcessID
		var w ao.Where
		w.SU, w.Confirm = s.schedulerAt[i].Ask(pid, now)
		samples := s.history[pid]
		if n := len(samples); n > 0 && samples[n-1].At.Before(now) {
			w.Last = &ao.Reading{State: samples[n-1].State, Nonce: samples[n-1].SU}
		}
		return w
	}
}

// rememberSchedulers is what the history file remembers after this pass:
// what the router named in it (confirmed at now), not what it said is
// gone; a remembered location kept without the router naming it (it was
// not asked, said nothing, or named an SU whose nonce is lower), with the
// time the router last named it, so it is re-checked and still expires;
// the processes not listed only on a
// narrowed pass (a manual run on a few processes forgets nothing of the
// rest). results are in target order.
func (s *setup) rememberSchedulers(results []check.Result, now time.Time) {
	next := make(history.Schedulers, len(results))
	if s.narrowed {
		for pid, sch := range s.schedulers {
			next[pid] = sch
		}
	}
	one := map[string]string{} // one copy of each SU's URL, however many processes it serves
	for i, r := range results {
		switch {
		case r.SchedulerFromRouter && r.Scheduler != "":
			u, ok := one[r.Scheduler]
			if !ok {
				u = r.Scheduler
				one[u] = u
			}
			results[i].Scheduler = u
			next[r.ProcessID] = history.Scheduler{URL: u, Learned: now}
		case r.SchedulerFromRouter: // the router said it is not there
		case i < len(s.schedulerAt) && s.targets[i].ProcessID == r.ProcessID && s.schedulerAt[i].URL != "":
			next[r.ProcessID] = s.schedulerAt[i]
		}
	}
	s.schedulers, s.schedulerAt = next, nil
}
