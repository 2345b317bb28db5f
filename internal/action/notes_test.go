package action

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// A read against its process's note: what it is evidence of, and the note
// the next pass reads against.
func TestReadAgainstNotes(t *testing.T) {
	t.Parallel()
	now := day1
	slot := func(n int64) *int64 { return &n }
	read := func(state, su int64) check.Result {
		return check.Result{ProcessID: pidA, StateURL: "https://state.test", StateNonce: slot(state), SUNonce: slot(su)}
	}
	failing := func(seen *int64) check.Result {
		return check.Result{ProcessID: pidA, StateURL: "https://state.test", SUNonce: slot(3), SlotSeen: seen,
			StateErr: &check.Error{Endpoint: check.StateServer, Host: "state.test", Kind: check.Failing, Detail: "the node could not compute this process (HTTP 500: boom)"}}
	}
	timedOut := check.Result{ProcessID: pidA, StateURL: "https://state.test", SUNonce: slot(20),
		StateErr: &check.Error{Endpoint: check.StateServer, Host: "state.test", Kind: check.Loading, Detail: "loading"}}
	crash := history.Note{Kind: history.Failed, Slot: 1, SlotKnown: true, Since: now.Add(-time.Hour), Reason: "the node could not compute this process (HTTP 500: boom)"}
	abandoned := history.Note{Kind: history.Abandoned, Since: now.Add(-10 * time.Minute)}
	type want struct {
		kind check.Kind // of the state side; "" for a slot read
		slot *int64     // the state slot, read as evidence
		seen *int64
		note *history.Note
	}
	withSlot := func(n history.Note, s int64) *history.Note { n.Slot, n.SlotKnown = s, true; return &n }
	at := func(n history.Note, since time.Time) *history.Note { n.Since = since; return &n }
	// What earlier passes read of the process, before its read gave up.
	readBefore := func(slot int64) []trend.Sample {
		return []trend.Sample{{At: abandoned.Since.Add(-time.Hour), State: slot - 5, SU: 120}, {At: abandoned.Since.Add(-5 * time.Minute), State: slot, SU: 120}}
	}
	type sampled struct {
		want    want
		samples []trend.Sample
	}
	for _, tc := range []struct {
		name string
		r    check.Result
		note *history.Note
		want any // want, or sampled: with what earlier passes read of the process
	}{
		{"no note: a read is what it says", read(5, 9), nil, want{slot: slot(5)}},
		{"a failure now: noted with the slot it kept", failing(slot(1)), nil,
			want{kind: check.Failing, seen: slot(1), note: &history.Note{Kind: history.Failed, Slot: 1, SlotKnown: true, Since: now, Reason: crash.Reason}}},
		{"the same failure again: noted since it began", failing(slot(1)), &crash, want{kind: check.Failing, seen: slot(1), note: &crash}},
		{"a failure at another slot: a new failure", failing(slot(2)), &crash,
			want{kind: check.Failing, seen: slot(2), note: at(*withSlot(crash, 2), now)}},
		{"the last good slot read back: still failing", read(1, 3), &crash, want{kind: check.Failing, seen: slot(1), note: &crash}},
		{"a slot below it (the cache was wiped): still failing", read(0, 3), &crash, want{kind: check.Failing, seen: slot(0), note: &crash}},
		{"computed past the failure: evidence again", read(2, 3), &crash, want{slot: slot(2)}},
		{"in step with the scheduler: nothing failing", read(1, 1), &crash, want{slot: slot(1)}},
		{"the failure's slot unknown: the first read sets it", read(1, 3), &history.Note{Kind: history.Failed, Since: crash.Since, Reason: crash.Reason},
			want{kind: check.Failing, seen: slot(1), note: &crash}},
		{"the monitor's read gave up: noted", timedOut, nil, want{kind: check.Loading, note: at(abandoned, now)}},
		{"gave up again: noted since the first time", timedOut, &abandoned, want{kind: check.Loading, note: &abandoned}},
		{"gave up for an hour: failing", timedOut, at(abandoned, now.Add(-time.Hour)), want{kind: check.Failing, note: at(abandoned, now.Add(-time.Hour))}},
		{"the slot it left read back: loading", read(55, 120), &abandoned, want{kind: check.Loading, seen: slot(55), note: withSlot(abandoned, 55)}},
		{"still there: loading", read(55, 120), withSlot(abandoned, 55), want{kind: check.Loading, seen: slot(55), note: withSlot(abandoned, 55)}},
		// A read of a process the node has a slot of computes nothing: if
		// it answered this slot before the read gave up, nothing was
		// abandoned, and the slot is the node's own (stuck, or behind).
		{"read back, but the node had it before the read gave up: evidence", read(55, 120), &abandoned, sampled{want{slot: slot(55)}, readBefore(55)}},
		{"read back below what the node had before (its cache was wiped): loading", read(55, 120), &abandoned,
			sampled{want{kind: check.Loading, seen: slot(55), note: withSlot(abandoned, 55)}, readBefore(80)}},
		{"read back, the node had nothing computed before (-1): loading", read(55, 120), &abandoned,
			sampled{want{kind: check.Loading, seen: slot(55), note: withSlot(abandoned, 55)}, []trend.Sample{{At: abandoned.Since.Add(-time.Minute), State: -1, SU: 120}}}},
		{"a sample after the read gave up says nothing of before it", read(55, 120), &abandoned,
			sampled{want{kind: check.Loading, seen: slot(55), note: withSlot(abandoned, 55)}, []trend.Sample{{At: abandoned.Since.Add(time.Minute), State: 55, SU: 120}}}},
		{"computed further: evidence again", read(60, 120), withSlot(abandoned, 55), want{slot: slot(60)}},
		{"left there for an hour: read as it stands", read(55, 120), at(*withSlot(abandoned, 55), now.Add(-time.Hour)), want{slot: slot(55)}},
		{"a note from the future (a clock step) proves nothing", read(55, 120), at(*withSlot(abandoned, 55), now.Add(time.Hour)), want{slot: slot(55)}},
		{"not checked: the note stays", check.Result{ProcessID: pidA, Interrupted: true}, &crash, want{note: &crash}},
		{"another failure (host down): the note stays", check.Result{ProcessID: pidA, StateErr: &check.Error{Kind: check.Unreachable}}, &crash,
			want{kind: check.Unreachable, note: &crash}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			notes := history.Notes{}
			if tc.note != nil {
				notes[pidA] = *tc.note
			}
			w, ok := tc.want.(want)
			var samples []trend.Sample
			if !ok {
				w, samples = tc.want.(sampled).want, tc.want.(sampled).samples
			}
			results := []check.Result{tc.r}
			next := readAgainstNotes(results, earlier{notes: notes, samples: history.History{pidA: samples}}, now, false)
			r := results[0]
			got := want{kind: check.KindOf(r.StateErr), slot: r.StateNonce, seen: r.SlotSeen}
			if n, ok := next[pidA]; ok {
				got.note = &n
			}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s\n%s", diff, r.ErrorText())
			}
		})
	}
}

// A narrowed pass keeps the notes of the processes it does not list; a
// full one forgets them with their processes.
func TestNotesOfUnlistedProcesses(t *testing.T) {
	t.Parallel()
	notes := history.Notes{pidB: {Kind: history.Failed, Since: day1}}
	if next := readAgainstNotes(nil, earlier{notes: notes}, day1, true); len(next) != 1 {
		t.Errorf("narrowed: %v, want pidB's note kept", next)
	}
	if next := readAgainstNotes(nil, earlier{notes: notes}, day1, false); len(next) != 0 {
		t.Errorf("full pass: %v, want pidB's note gone", next)
	}
}
