package history

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/trend"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestRecordKeepsTheWindowAndTheMonitored(t *testing.T) {
	h := History{}
	for i := range 20 { // 20 passes, five minutes apart
		now := t0.Add(time.Duration(i) * 5 * time.Minute)
		h.Record(now, map[string]trend.Sample{"a": {At: now, State: int64(i), SU: int64(i)}, "b": {At: now, State: 1, SU: 2}},
			[]string{"a", "b"}, time.Hour)
	}
	// An hour back from the last pass (t0+95m): t0+35m onwards, 13 samples,
	// and the anchor before them (t0+30m).
	if n := len(h["a"]); n != 14 || h["a"][0].At != t0.Add(30*time.Minute) {
		t.Errorf("a keeps %d samples from %s", n, h["a"][0].At)
	}
	h.Record(t0.Add(100*time.Minute), nil, []string{"a"}, time.Hour)
	if _, ok := h["b"]; ok {
		t.Error("a process no longer monitored keeps its history")
	}
	// A long window is still bounded per process.
	long := History{}
	for i := range 100 {
		now := t0.Add(time.Duration(i) * time.Minute)
		long.Record(now, map[string]trend.Sample{"a": {At: now}}, []string{"a"}, 24*time.Hour)
	}
	if n := len(long["a"]); n != maxSamples {
		t.Errorf("%d samples kept, want the bound %d", n, maxSamples)
	}
}

func TestRoundTrip(t *testing.T) {
	h := History{"a": {{At: t0, State: 1, SU: 2}, {At: t0.Add(time.Minute), State: 3, SU: 4}}}
	got, err := Parse(h.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if string(got.Encode()) != string(h.Encode()) {
		t.Error("encoding is not deterministic")
	}
	for _, bad := range []string{`{`, `{"version": 2, "samples": {}}`, `{"version": 1, "samples": {"a": [1, 2]}}`, `{"version": 1, "samples": {}, "x": 1}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) accepted a bad file", bad)
		}
	}
	if h, err := Parse(nil); err != nil || len(h) != 0 {
		t.Errorf("empty: %v %v", h, err)
	}
}

// The history file is in the workspace, where anything may be written to
// it: whatever parses survives a round trip, and nothing panics.
func FuzzParse(f *testing.F) {
	f.Add(History{"a": {{At: t0, State: 1, SU: 2}, {At: t0.Add(time.Minute), State: 3, SU: 4}}}.Encode())
	f.Add([]byte(`{"version": 1, "samples": {"a": [1, 2, 3, -1, -2, -3]}}`))
	f.Add([]byte(`{"version": 1, "samples": {"\u0001\"<": [1, 2, 3]}}`))
	f.Add([]byte(`{"version": 1, "samples": {"a": [9223372036854775807, 1, 1, 1, 1, 1]}}`))
	f.Add([]byte(`{"version": 1, "samples": {}, "schedulers": {"https://SU.example/":{"a":1764000000}, "javascript:x":{"b":1}}}`))
	f.Add([]byte(`{"version": 1, "samples": {}, "notes": {"a": {"kind": "failed", "since": 1764000000, "slot": 1, "reason": "\u274cError \u0000"},` +
		` "b": {"kind": "abandoned", "since": 1764000000}, "c": {"kind": "x", "since": 1}, "d": {"kind": "failed", "since": 1, "slot": -9}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := Parse(raw)
		if err != nil {
			return
		}
		again, err := Parse(h.Encode())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if diff := cmp.Diff(h, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip:\n%s", diff)
		}
		for _, samples := range h {
			trend.Of(samples, t0) // must not panic on any history
		}
		if s, err := ParseSchedulers(raw, ""); err == nil {
			again, err := ParseSchedulers(h.EncodeWith(s, ""), "")
			if err != nil {
				t.Fatalf("re-parse schedulers: %v", err)
			}
			if diff := cmp.Diff(s, again, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("schedulers round trip:\n%s", diff)
			}
		}
		if notes, err := ParseNotes(raw); err == nil {
			file := AppendNotes(h.Encode(), notes)
			if _, err := Parse(file); err != nil {
				t.Fatalf("a file with notes is not a history file: %v", err)
			}
			again, err := ParseNotes(file)
			if err != nil {
				t.Fatalf("re-parse notes: %v", err)
			}
			if diff := cmp.Diff(notes, again, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("notes round trip:\n%s", diff)
			}
		}
	})
}

// A parsed history takes this pass's sample where it lies: a 10,000-process
// fleet's samples copied to grow were the pass's peak of memory.
func TestRecordAppendsAParsedHistoryInPlace(t *testing.T) {
	h := History{"a": {{At: t0, State: 1, SU: 2}, {At: t0.Add(5 * time.Minute), State: 3, SU: 4}}}
	parsed, err := Parse(h.Encode())
	if err != nil {
		t.Fatal(err)
	}
	before := &parsed["a"][0]
	now := t0.Add(10 * time.Minute)
	parsed.Record(now, map[string]trend.Sample{"a": {At: now, State: 5, SU: 6}}, []string{"a"}, time.Hour)
	if len(parsed["a"]) != 3 {
		t.Fatalf("%d samples after Record, want 3", len(parsed["a"]))
	}
	if &parsed["a"][0] != before {
		t.Error("Record copied the parsed samples to add one: Parse left no room")
	}
}
