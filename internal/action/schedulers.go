package action

// Where each process's scheduler (SU) lives, remembered across passes in
// the history file: a pass asks a remembered SU directly (one round trip),
// the router only for the others (two), and the router's answers are
// remembered for the next pass.

import (
	"errors"
	"io/fs"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// loadSchedulers reads the remembered schedulers from the history file.
// Without them every process is asked through the router, as on a first
// pass: a missing or unreadable section is never a failure.
func loadSchedulers(con *console.Console, ws *workspace.Dir, path string) history.Schedulers {
	raw, err := ws.ReadOwn(path)
	if errors.Is(err, fs.ErrNotExist) {
		return history.Schedulers{}
	}
	var s history.Schedulers
	if err == nil {
		s, err = history.ParseSchedulers(raw)
	}
	if err != nil {
		// loadHistory has warned about the file already.
		con.Debugf("the schedulers remembered in %s are unusable (%v); the router is asked for every process", path, err)
		return history.Schedulers{}
	}
	return s
}

// remembered is where each process's scheduler was last found, if that is
// still fresh at now.
func (s *setup) remembered(now time.Time) func(processID string) string {
	return func(pid string) string { return s.schedulers.Fresh(pid, now) }
}

// rememberSchedulers keeps what the router said in this pass (learned at
// now), forgets what it said is gone, and every process no longer
// monitored (but on a narrowed pass). A remembered location that was asked and answered keeps the
// time it was learned, so it still expires.
func (s *setup) rememberSchedulers(results []ao.Result, now time.Time) {
	monitored := make([]string, len(results))
	one := map[string]string{} // one copy of each SU's URL, however many processes it serves
	for i, r := range results {
		monitored[i] = r.ProcessID
		switch {
		case !r.SchedulerFromRouter:
		case r.Scheduler == "":
			delete(s.schedulers, r.ProcessID)
		default:
			u, ok := one[r.Scheduler]
			if !ok {
				u = r.Scheduler
				one[u] = u
			}
			results[i].Scheduler = u
			s.schedulers[r.ProcessID] = history.Scheduler{URL: u, Learned: now}
		}
	}
	if !s.narrowed { // a manual run on a few processes forgets nothing of the rest
		s.schedulers.Keep(monitored)
	}
}

// routerAsked counts the checks that asked the router.
func routerAsked(results []ao.Result) int {
	n := 0
	for _, r := range results {
		if r.RouterAsked {
			n++
		}
	}
	return n
}
