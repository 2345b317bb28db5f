// Package incident is the functional core: from the state kept since the
// last pass, the pass's observations and the current time, it decides which
// PagerDuty events to send and what the state becomes. It performs no I/O.
package incident

import (
	"encoding/json"
	"time"
)

// Type is what kind of trouble an incident is about.
type Type string

const (
	// Mismatch: a state server's slot is too far from the scheduler's nonce.
	Mismatch Type = "mismatch"
	// Unreadable: a process's nonces could not be read (written "error",
	// as earlier versions did, in dedup keys, the state file and outputs).
	Unreadable Type = "error"
	// Stuck: a process's state slot has not moved for stuck-after while
	// its scheduler advanced, however small the gap.
	Stuck Type = "stuck"
	// Server: many processes on one state server in trouble at once; one
	// incident for the server instead of one per process.
	Server Type = "server"
	// Scheduler: the monitor cannot reach the scheduler for most processes.
	Scheduler Type = "scheduler"
)

// Grouped reports whether t is about a server rather than one process.
func (t Type) Grouped() bool { return t == Server || t == Scheduler }

// Known reports whether this version knows t. An incident of another type
// (a newer version wrote it) is kept in the state and never acted on.
func (t Type) Known() bool {
	switch t {
	case Mismatch, Unreadable, Stuck, Server, Scheduler:
		return true
	}
	return false
}

// Incident is an incident this monitor opened and has not yet closed. It
// holds only what changes when the incident does, so that a pass in which
// nothing changed leaves the state file byte-identical.
type Incident struct {
	ProcessID string    `json:"process_id,omitempty"` // process incidents
	Server    string    `json:"server,omitempty"`     // grouped incidents: the host
	Type      Type      `json:"type"`
	DedupKey  string    `json:"dedup_key"`
	Severity  Severity  `json:"severity"`
	Since     time.Time `json:"since"`
	// Unconfirmed marks an incident whose last event (trigger or resolve)
	// was recorded as about to be sent but not confirmed: PagerDuty may or
	// may not have it open. The next pass sends whatever the incident then
	// needs, even if that looks like no change.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
	// Extra holds the entry's fields this version does not know (a newer
	// version wrote them), written back as they were. Never acted on.
	Extra map[string]json.RawMessage `json:"-"`
}

// Subject is the process ID, or the host of a grouped incident.
func (i Incident) Subject() string {
	if i.Type.Grouped() {
		return i.Server
	}
	return i.ProcessID
}

// Open is the set of open incidents, keyed by dedup key. Keying by dedup key
// (not by process) lets an old day's incident whose resolve failed stay
// tracked next to today's until its resolve is delivered.
type Open map[string]Incident

// State is everything kept between passes.
type State struct {
	Open Open
	// Failing counts consecutive passes in which a process could not be
	// checked, capped at the error threshold (so a long outage does not
	// change the file every pass). Kept only while the threshold is above 1.
	Failing map[string]int
	// Resolving holds, by dedup key, the incidents whose resolve PagerDuty
	// accepted (2xx) while no listing has yet shown the alert gone: only
	// with Policy.ConfirmResolves. Decide never acts on them; Reconcile
	// drops them once PagerDuty shows the alert gone, and opens them again
	// if it still holds it open (the resolve was dropped).
	Resolving Open
}

// NewState returns an empty state.
func NewState() State { return State{Open: Open{}, Failing: map[string]int{}, Resolving: Open{}} }

// Clone returns a copy that can be changed without touching s.
func (s State) Clone() State {
	c := NewState()
	for k, v := range s.Open {
		c.Open[k] = v
	}
	for k, v := range s.Failing {
		c.Failing[k] = v
	}
	for k, v := range s.Resolving {
		c.Resolving[k] = v
	}
	return c
}

// ResolvingFor is how long an accepted resolve is kept waiting for a
// listing to show it done, counted from its incident's opening (Since): a
// day's key is resolved within the day after it, so this is at least a day
// of passes. Past it the resolve is taken as done: the REST API has been
// unreadable all that while, and the state file must not grow for good.
const ResolvingFor = 48 * time.Hour

// WithoutStaleResolves returns s without the accepted resolves older than
// ResolvingFor at now. s is not changed.
func (s State) WithoutStaleResolves(now time.Time) State {
	c := s.Clone()
	for key, inc := range c.Resolving {
		if now.Sub(inc.Since) > ResolvingFor {
			delete(c.Resolving, key)
		}
	}
	return c
}

// Apply records one event as delivered: PagerDuty confirmed it (or it is
// not sent at all: Forget, or PagerDuty turned off).
func (s State) Apply(ev Event) { s.apply(ev, false) }

// apply is Apply; confirm keeps a delivered resolve's incident in
// Resolving until a listing shows it taken (Policy.ConfirmResolves).
func (s State) apply(ev Event, confirm bool) {
	key := ev.Incident.DedupKey
	switch ev.Action {
	case Trigger:
		inc := ev.Incident
		inc.Unconfirmed = false
		s.Open[key] = inc
		delete(s.Resolving, key)
	case Resolve:
		inc, ok := s.Open[key]
		if !ok {
			inc = ev.Incident
		}
		delete(s.Open, key)
		if confirm && s.Resolving != nil {
			inc.Unconfirmed = false
			s.Resolving[key] = inc
		}
	case Forget:
		delete(s.Open, key)
	}
}

// Intend records an event as about to be sent, before it is: its incident
// is kept open and marked unconfirmed until Apply or Revert. Written to the
// state file first, it makes delivery write-ahead: a pass killed mid-send
// leaves incidents the next pass re-sends, never incidents nobody knows of.
func (s State) Intend(ev Event) {
	switch ev.Action {
	case Trigger, Resolve:
		inc := ev.Incident
		if ev.Action == Resolve {
			if open, ok := s.Open[inc.DedupKey]; ok {
				inc = open
			}
		}
		inc.Unconfirmed = true
		s.Open[inc.DedupKey] = inc
	case Forget:
		delete(s.Open, ev.Incident.DedupKey)
	}
}

// Revert puts an event's incident back as it was in prev: the event
// certainly did not reach PagerDuty (rejected, throttled, or never sent).
func (s State) Revert(ev Event, prev State) {
	if inc, ok := prev.Open[ev.Incident.DedupKey]; ok {
		s.Open[ev.Incident.DedupKey] = inc
	} else {
		delete(s.Open, ev.Incident.DedupKey)
	}
}
