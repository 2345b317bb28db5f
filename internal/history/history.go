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
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

const version = 1

// maxSamples bounds a process's samples whatever the window: an hour of
// five-minute runs is 12, a day of them would be 288.
const maxSamples = 64

// maxParsed is the most samples of one process a file may hold: far more
// than this action writes (maxSamples, and one pass's sample), and few
// enough to thin in no time. A file holding more is forged or corrupt.
const maxParsed = 16 * maxSamples

// History is the samples kept, per process ID, oldest first.
type History map[string][]trend.Sample

// The file is JSON: {"version": 1, "samples": {"<pid>": [...], ...}}. A
// process's samples are one flat array: the first sample as unix seconds,
// state slot, scheduler nonce, then each next one as the differences from
// the one before (a few digits each), which keeps 10,000 processes' hour
// small to store. It is read and written a process at a time, so a large
// fleet's history never sits in memory twice.

// Parse reads a history file; empty input is an empty history.
func Parse(raw []byte) (History, error) {
	h := History{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return h, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	seenVersion := false
	err := eachField(dec, func(key string) error {
		switch key {
		case "version":
			var v int
			if err := dec.Decode(&v); err != nil {
				return err
			}
			if v != version {
				return fmt.Errorf("version %d is not the version %d this action reads", v, version)
			}
			seenVersion = true
		case "samples":
			return parseSamples(dec, h)
		case "router", "schedulers", "notes": // ParseSchedulers and ParseNotes read them
			return skipValue(dec)
		default:
			return fmt.Errorf("unknown field %v", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !seenVersion {
		return nil, fmt.Errorf("no version")
	}
	return h, nil
}

func parseSamples(dec *json.Decoder, h History) error {
	return eachField(dec, func(pid string) error {
		var flat []int64
		if err := dec.Decode(&flat); err != nil {
			return fmt.Errorf("process %s: %w", pid, err)
		}
		if len(flat)%3 != 0 {
			return fmt.Errorf("process %s: %d numbers, not a whole number of samples", pid, len(flat))
		}
		if len(flat)/3 > maxParsed {
			return fmt.Errorf("process %s: %d samples, more than the %d this action ever keeps", pid, len(flat)/3, maxSamples)
		}
		// One more than the file holds: Record appends this pass's sample in
		// place. Without it every process's samples are copied to grow (to
		// twice their length), which for 10,000 processes' hour was 10 MB
		// new beside 5 MB old at once, the largest step of the pass in memory.
		samples := make([]trend.Sample, 0, len(flat)/3+1)
		var at, state, su int64
		for i := 0; i < len(flat); i += 3 {
			at, state, su = at+flat[i], state+flat[i+1], su+flat[i+2]
			samples = append(samples, trend.Sample{At: time.Unix(at, 0).UTC(), State: state, SU: su})
		}
		slices.SortStableFunc(samples, func(a, b trend.Sample) int { return a.At.Compare(b.At) })
		h[pid] = samples
		return nil
	})
}

// eachField walks one JSON object, calling each with every key, the decoder
// then standing at that key's value, which each must read. A key that is
// not a string (never, from encoding/json) is "".
func eachField(dec *json.Decoder, each func(key string) error) error {
	if err := expect(dec, json.Delim('{')); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := each(key); err != nil {
			return err
		}
	}
	return expect(dec, json.Delim('}'))
}

func expect(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("found %v where %v belongs", tok, want)
	}
	return nil
}

// Encode renders the history deterministically (processes sorted).
func (h History) Encode() []byte { return h.encode(0) }

// encode is Encode with room for extra bytes after it (EncodeWith's
// schedulers), so a large fleet's file is not copied to grow.
func (h History) encode(extra int) []byte {
	pids := slices.Sorted(maps.Keys(h))
	b := make([]byte, 0, 64+200*len(h)+extra)
	b = fmt.Appendf(b, `{"version":%d,"samples":{`, version)
	for i, pid := range pids {
		if i > 0 {
			b = append(b, ',')
		}
		key, err := json.Marshal(pid) // JSON's quoting, not Go's
		if err != nil {
			panic(err) // a string: cannot fail
		}
		b = append(b, key...)
		b = append(b, ':', '[')
		var at, state, su int64
		for j, s := range h[pid] {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, s.At.Unix()-at, 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, s.State-state, 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, s.SU-su, 10)
			at, state, su = s.At.Unix(), s.State, s.SU
		}
		b = append(b, ']')
	}
	return append(b, "}}\n"...)
}

// Record adds this pass's samples and forgets every process no longer
// monitored, every sample from the future or with a negative slot (a clock
// step, a forged file: it returns how many, for a warning), and what fell
// out of the window, except the last sample before it: the anchor, which
// shows how long a slot has been still across a run gap longer than the
// window. Past maxSamples, samples are thinned where they are densest,
// never the oldest, the newest or one where the slot changed (unless only
// those are left), so the history still spans the window.
func (h History) Record(now time.Time, samples map[string]trend.Sample, monitored []string, window time.Duration) (dropped int) {
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
		valid := list
		if !allValid(list, now) { // rare: copy only then
			valid = nil
			for _, x := range list {
				if x.Valid(now) {
					valid = append(valid, x)
				}
			}
			dropped += len(list) - len(valid)
		}
		i := sort.Search(len(valid), func(i int) bool { return !valid[i].At.Before(cutoff) })
		list = valid[max(i-1, 0):]
		for len(list) > maxSamples {
			list = thin(list)
		}
		if len(list) == 0 {
			delete(h, pid)
			continue
		}
		h[pid] = list
	}
	return dropped
}

func allValid(list []trend.Sample, now time.Time) bool {
	for _, x := range list {
		if !x.Valid(now) {
			return false
		}
	}
	return true
}

// thin removes one sample: the one whose removal leaves the shortest span
// between its neighbours, among those that are not a change of the slot
// (among all if every one is).
func thin(list []trend.Sample) []trend.Sample {
	best, bestChange := -1, false
	var bestSpan time.Duration
	for i := 1; i < len(list)-1; i++ {
		change := list[i].State != list[i-1].State
		span := list[i+1].At.Sub(list[i-1].At)
		if best < 0 || (bestChange && !change) || (change == bestChange && span < bestSpan) {
			best, bestChange, bestSpan = i, change, span
		}
	}
	return slices.Delete(list, best, best+1)
}
