// Package slack tells a Slack channel, through an incoming webhook, what
// changed since the last message: processes newly behind, newly failing,
// and recovered. It keeps its own threshold, independent of PagerDuty's.
package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// Announced is what the channel was last told: the processes it knows as
// behind and as failing. It is kept in the state file, so an unchanged fleet
// sends nothing and leaves the file as it was.
type Announced struct {
	Behind  []string `json:"behind,omitempty"`
	Failing []string `json:"failing,omitempty"`
}

// Empty reports whether nothing is announced.
func (a Announced) Empty() bool { return len(a.Behind) == 0 && len(a.Failing) == 0 }

// Encode is a as the state file keeps it: compact JSON, or nil when
// nothing is announced (so a fleet Slack never heard of adds nothing).
func (a Announced) Encode() json.RawMessage {
	if a.Empty() {
		return nil
	}
	raw, err := json.Marshal(a)
	if err != nil {
		panic(err) // two string slices: cannot fail
	}
	return raw
}

// DecodeAnnounced reads what Encode wrote; nil is nothing announced.
func DecodeAnnounced(raw json.RawMessage) (Announced, error) {
	var a Announced
	if len(raw) == 0 {
		return a, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return Announced{}, fmt.Errorf("what Slack was told: %w", err)
	}
	return a, nil
}

// Changes is what one message says.
type Changes struct {
	Behind    []check.Result // newly at or past the threshold, worst first
	Failing   []check.Result // newly not checkable
	Recovered []check.Result // announced before, fine now (or no longer monitored: no result)
	Removed   []string       // announced before, no longer in the list
	// StillBehind and StillFailing count what was already announced.
	StillBehind, StillFailing int
}

// Empty reports whether there is nothing to say.
func (c Changes) Empty() bool {
	return len(c.Behind)+len(c.Failing)+len(c.Recovered)+len(c.Removed) == 0
}

// Diff compares this pass's results with what was announced. status is
// each process's outcome at Slack's own threshold (incident.Classify).
// Silenced processes are left out: they are in maintenance.
func Diff(prev Announced, results []check.Result, status map[string]incident.Status) (Changes, Announced) {
	wasBehind, wasFailing := set(prev.Behind), set(prev.Failing)
	var c Changes
	var next Announced
	seen := map[string]bool{}
	silenced := map[string]bool{}
	for _, r := range results {
		st := status[r.ProcessID]
		if st == incident.StatusSilenced {
			silenced[r.ProcessID] = true
			continue
		}
		seen[r.ProcessID] = true
		switch st {
		case incident.StatusNotChecked, incident.StatusLoading:
			// Not checked, or not read, this pass: the channel keeps what
			// it was told.
			if wasBehind[r.ProcessID] {
				next.Behind = append(next.Behind, r.ProcessID)
				c.StillBehind++
			}
			if wasFailing[r.ProcessID] {
				next.Failing = append(next.Failing, r.ProcessID)
				c.StillFailing++
			}
		case incident.StatusFailing:
			next.Failing = append(next.Failing, r.ProcessID)
			if wasFailing[r.ProcessID] {
				c.StillFailing++
			} else {
				c.Failing = append(c.Failing, r)
			}
		case incident.StatusBehind:
			next.Behind = append(next.Behind, r.ProcessID)
			if wasBehind[r.ProcessID] {
				c.StillBehind++
			} else {
				c.Behind = append(c.Behind, r)
			}
		default:
			if wasBehind[r.ProcessID] || wasFailing[r.ProcessID] {
				c.Recovered = append(c.Recovered, r)
			}
		}
	}
	for _, pid := range append(append([]string(nil), prev.Behind...), prev.Failing...) {
		if !seen[pid] && !silenced[pid] {
			c.Removed = append(c.Removed, pid)
		}
	}
	sort.SliceStable(c.Behind, func(i, j int) bool { return c.Behind[i].SlotsBehind() > c.Behind[j].SlotsBehind() })
	sortByID(c.Failing)
	sortByID(c.Recovered)
	sort.Strings(c.Removed)
	sort.Strings(next.Behind)
	sort.Strings(next.Failing)
	return c, next
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func sortByID(rs []check.Result) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].ProcessID < rs[j].ProcessID })
}
