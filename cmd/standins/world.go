package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// A process's part in the story, as a person sets it on the control port.
const (
	inStep  = "in step" // the state server keeps up with the scheduler
	lagging = "lagging" // a fixed number of slots behind
	failing = "failing" // the state server answers 500 for it
	frozen  = "frozen"  // the state slot stops while the scheduler goes on
)

// world is the stand-ins' fleet as a story: the scheduler's nonce advances
// on every tick, and each process's state server follows it as its mode
// says. Changes take effect at once; the next pass sees them.
type world struct {
	mu    sync.Mutex
	fleet *aotest.Fleet
	nonce int64 // the scheduler's latest nonce, the same for every process
	procs map[string]*part
}

type part struct {
	mode string
	lag  int64 // lagging: slots behind; frozen: the slot it stopped at
}

func newWorld(fleet *aotest.Fleet, nonce int64) *world {
	return &world{fleet: fleet, nonce: nonce, procs: map[string]*part{}}
}

// add puts a process in the story at a mode (lag: slots behind, for lagging).
func (w *world) add(pid, mode string, lag int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.procs[pid] = &part{}
	w.setLocked(pid, mode, lag)
}

// tick advances the scheduler by slots, and every state server that keeps
// up (in step, or lagging) with it.
func (w *world) tick(slots int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nonce += slots
	for pid := range w.procs {
		w.applyLocked(pid)
	}
}

// set changes a process's mode, by its ID or an unambiguous start of it
// ("L" for L000…). It returns the full ID.
func (w *world) set(prefix, mode string, lag int64) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var found []string
	for pid := range w.procs {
		if strings.HasPrefix(pid, prefix) {
			found = append(found, pid)
		}
	}
	switch {
	case prefix == "" || len(found) == 0:
		return "", fmt.Errorf("no process %q: the stand-ins serve %s", prefix, strings.Join(w.idsLocked(), ", "))
	case len(found) > 1:
		return "", fmt.Errorf("%q names %d processes: give more of its ID", prefix, len(found))
	}
	w.setLocked(found[0], mode, lag)
	return found[0], nil
}

func (w *world) setLocked(pid, mode string, lag int64) {
	if mode == frozen {
		lag = w.stateSlotLocked(pid) // where it stops
	}
	p := w.procs[pid]
	p.mode, p.lag = mode, lag
	w.applyLocked(pid)
}

// stateSlotLocked is the slot the process's state server shows now.
func (w *world) stateSlotLocked(pid string) int64 {
	switch p := w.procs[pid]; p.mode {
	case lagging:
		return w.nonce - p.lag
	case frozen:
		return p.lag
	}
	return w.nonce
}

func (w *world) applyLocked(pid string) {
	p := w.procs[pid]
	if p.mode == frozen {
		w.fleet.Set(pid, p.lag, w.nonce)
		return
	}
	w.fleet.Set(pid, w.stateSlotLocked(pid), w.nonce)
	if p.mode == failing {
		w.fleet.Break(pid, aotest.Status500, aotest.OK)
	}
}

func (w *world) idsLocked() []string {
	ids := make([]string, 0, len(w.procs))
	for pid := range w.procs {
		ids = append(ids, pid)
	}
	sort.Strings(ids)
	return ids
}

// describe is one line per process: its ID, mode, and both numbers.
func (w *world) describe() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for _, pid := range w.idsLocked() {
		p := w.procs[pid]
		switch p.mode {
		case failing:
			fmt.Fprintf(&b, "%s  %-8s  state server answers 500; scheduler %d\n", pid, p.mode, w.nonce)
		default:
			slot := w.stateSlotLocked(pid)
			fmt.Fprintf(&b, "%s  %-8s  state %d, scheduler %d: %d behind\n", pid, p.mode, slot, w.nonce, w.nonce-slot)
		}
	}
	return b.String()
}
