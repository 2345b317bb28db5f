// Package history keeps each process's recent samples (time, state slot,
// scheduler nonce) between passes, in a file of its own beside the state
// file: it changes every pass, while the state file changes only with the
// incidents. It is bounded by a time window and a number of samples per
// process, and a missing or unreadable history is only a fresh start.
package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

const version = 1

// maxSamples bounds a process's samples whatever the window: an hour of
// five-minute runs is 12, a day of them would be 288.
const maxSamples = 64

// History is the samples kept, per process ID, oldest first.
type History map[string][]trend.Sample

// file is the JSON form: each sample is [unix seconds, state, scheduler],
// which keeps 10,000 processes' hour within a few megabytes.
type file struct {
	Version int                   `json:"version"`
	Samples map[string][][3]int64 `json:"samples"`
}

// Parse reads a history file; empty input is an empty history.
func Parse(raw []byte) (History, error) {
	h := History{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return h, nil
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Version != version {
		return nil, fmt.Errorf("version %d is not the version %d this action reads", f.Version, version)
	}
	for pid, points := range f.Samples {
		for _, p := range points {
			h[pid] = append(h[pid], trend.Sample{At: time.Unix(p[0], 0).UTC(), State: p[1], SU: p[2]})
		}
		slices.SortStableFunc(h[pid], func(a, b trend.Sample) int { return a.At.Compare(b.At) })
	}
	return h, nil
}

// Encode renders the history deterministically.
func (h History) Encode() []byte {
	f := file{Version: version, Samples: make(map[string][][3]int64, len(h))}
	for pid, samples := range h {
		points := make([][3]int64, len(samples))
		for i, s := range samples {
			points[i] = [3]int64{s.At.Unix(), s.State, s.SU}
		}
		f.Samples[pid] = points
	}
	out, err := json.Marshal(f) // map keys sorted: deterministic
	if err != nil {
		panic(err) // integers only
	}
	return append(out, '\n')
}

// Record adds this pass's samples and forgets what fell out of the window
// (or past maxSamples) and every process no longer monitored.
func (h History) Record(now time.Time, samples map[string]trend.Sample, monitored []string, window time.Duration) {
	keep := make(map[string]bool, len(monitored))
	for _, pid := range monitored {
		keep[pid] = true
	}
	for pid := range h {
		if !keep[pid] {
			delete(h, pid)
		}
	}
	for pid, s := range samples {
		h[pid] = append(h[pid], s)
		slices.SortStableFunc(h[pid], func(a, b trend.Sample) int { return a.At.Compare(b.At) })
	}
	cutoff := now.Add(-window)
	for pid, list := range h {
		i := sort.Search(len(list), func(i int) bool { return !list[i].At.Before(cutoff) })
		list = list[i:]
		if len(list) > maxSamples {
			list = list[len(list)-maxSamples:]
		}
		if len(list) == 0 {
			delete(h, pid)
			continue
		}
		h[pid] = list
	}
}
