package action

// What the history file remembers of earlier passes, read before the
// first request.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// earlier is what the history file remembers of earlier passes: each
// process's samples, what state servers said of processes (notes.go), and
// where each process's scheduler was found (schedulers.go). The checks
// read it; recordHistory takes it over, extending the samples in place (a
// copy of 10,000 processes' samples would add megabytes to the pass's
// peak), and writes the file. No stage reads it after.
type earlier struct {
	path    string // workspace-relative
	samples history.History
	notes   history.Notes
	// schedulerAt is each target's remembered scheduler, by index;
	// unlisted, those of processes this pass does not list.
	schedulerAt []history.Scheduler
	unlisted    history.Schedulers
	router      string // routerMark of su-router-url, the schedulers' source
}

// loadEarlier reads the history file at path, for the targets of s. A
// missing or unusable file (or part of it) is a fresh start, never a
// failure.
func loadEarlier(con *console.Console, s *setup, path string) earlier {
	mem := earlier{path: path, router: routerMark(s.cfg.SURouterURL), samples: loadHistory(con, s.ws, path)}
	mem.schedulerAt, mem.unlisted = splitSchedulers(loadSchedulers(con, s.ws, path, mem.router), s.targets)
	mem.notes = loadNotes(con, s.ws, path)
	return mem
}

// routerMark names su-router-url in the history file without writing it
// there (it may carry credentials): locations another router gave (the
// input changed) are not asked, the configured router is.
func routerMark(routerURL string) string {
	h := fnv.New64a()
	h.Write([]byte(routerURL))
	return fmt.Sprintf("%016x", h.Sum64())
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

// loadNotes reads the notes in the history file. Without them each read is
// taken as it stands, as on a first pass: a missing or unreadable section
// is never a failure.
func loadNotes(con *console.Console, ws *workspace.Dir, path string) history.Notes {
	raw, err := ws.ReadOwn(path)
	if errors.Is(err, fs.ErrNotExist) {
		return history.Notes{}
	}
	var notes history.Notes
	if err == nil {
		notes, err = history.ParseNotes(raw)
	}
	if err != nil {
		// loadHistory has warned about the file already.
		con.Debugf("the notes in %s are unusable (%v); every read is taken as it stands", path, err)
		return history.Notes{}
	}
	return notes
}
