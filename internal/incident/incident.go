// Package incident is the functional core: from the incidents open before a
// pass, the pass's observations and the current time, it decides which
// PagerDuty events to send and what is open afterwards. It performs no I/O.
package incident

import (
	"fmt"
	"time"
)

// Type is what kind of trouble an incident is about.
type Type string

const (
	// Mismatch: the state server's slot is too far from the scheduler's nonce.
	Mismatch Type = "mismatch"
	// Error: the process could not be checked at all.
	Error Type = "error"
)

// Incident is an incident this monitor opened and has not yet closed. It
// holds only what changes when the incident does, so that a pass in which
// nothing changed leaves the state file byte-identical.
type Incident struct {
	ProcessID string    `json:"process_id"`
	Type      Type      `json:"type"`
	DedupKey  string    `json:"dedup_key"`
	Severity  string    `json:"severity"`
	Since     time.Time `json:"since"`
}

// DedupKey is the PagerDuty dedup key for a process and type on now's UTC
// day. The date makes incidents rotate daily, as the old monitor did.
func DedupKey(t Type, processID string, now time.Time) string {
	return fmt.Sprintf("nonce-monitor-%s-%s-%s", t, processID, now.UTC().Format("20060102"))
}

// Open is the set of open incidents, keyed by dedup key. Keying by dedup key
// (not by process) lets an old day's incident whose resolve failed stay
// tracked next to today's until its resolve is delivered.
type Open map[string]Incident

// Clone returns a copy that can be changed without touching o.
func (o Open) Clone() Open {
	c := make(Open, len(o))
	for k, v := range o {
		c[k] = v
	}
	return c
}
