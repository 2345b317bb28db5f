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

// file is the JSON form. A process's samples are one flat array: the first
// sample as unix seconds, state slot, scheduler nonce, then each next one as
// the differences from the one before (a few digits each), which keeps
// 10,000 processes' hour small to store and cheap to read.
type file struct {
	Version int                `json:"version"`
	Samples map[string][]int64 `json:"samples"`
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
	for pid, flat := range f.Samples {
		if len(flat)%3 != 0 {
			return nil, fmt.Errorf("process %s: %d numbers, not a whole number of samples", pid, len(flat))
		}
		samples := make([]trend.Sample, 0, len(flat)/3)
		var at, state, su int64
		for i := 0; i < len(flat); i += 3 {
			at, state, su = at+flat[i], state+flat[i+1], su+flat[i+2]
			samples = append(samples, trend.Sample{At: time.Unix(at, 0).UTC(), State: state, SU: su})
		}
		slices.SortStableFunc(samples, func(a, b trend.Sample) int { return a.At.Compare(b.At) })
		h[pid] = samples
	}
	return h, nil
}

// Encode renders the history deterministically.
func (h History) Encode() []byte {
	f := file{Version: version, Samples: make(map[string][]int64, len(h))}
	for pid, samples := range h {
		flat := make([]int64, 0, 3*len(samples))
		var at, state, su int64
		for _, s := range samples {
			flat = append(flat, s.At.Unix()-at, s.State-state, s.SU-su)
			at, state, su = s.At.Unix(), s.State, s.SU
		}
		f.Samples[pid] = flat
	}
	var out bytes.Buffer
	if err := json.NewEncoder(&out).Encode(f); err != nil { // map keys sorted: deterministic
		panic(err) // integers only
	}
	return out.Bytes()
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
