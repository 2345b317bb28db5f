package history

import (
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

// Samples from the future (they would push every real one out of the
// newest-64 bound) and negative slots are dropped, and counted.
func TestRecordDropsFutureAndNegativeSamples(t *testing.T) {
	h := History{"a": {
		{At: t0.Add(48 * time.Hour), State: 1, SU: 1},
		{At: t0.Add(-time.Minute), State: -7, SU: 5},
		{At: t0.Add(-2 * time.Minute), State: 5, SU: 5},
	}}
	for i := range 70 {
		h["a"] = append(h["a"], trend.Sample{At: t0.Add(time.Duration(i+100) * time.Hour), State: 9, SU: 9})
	}
	dropped := h.Record(t0, map[string]trend.Sample{"a": {At: t0, State: 6, SU: 6}}, []string{"a"}, time.Hour)
	if dropped != 72 {
		t.Errorf("dropped %d, want 72 (71 from the future, 1 negative)", dropped)
	}
	if got := h["a"]; len(got) != 2 || got[0].State != 5 || got[1].State != 6 {
		t.Errorf("kept %+v, want the two real samples", got)
	}
}

// A 24-hour window of five-minute runs is 288 samples: thinned to the
// bound, the history still spans the window, and keeps the pass at which
// the slot froze.
func TestLongWindowIsThinnedNotCut(t *testing.T) {
	h := History{}
	frozeAt := t0.Add(3 * time.Hour)
	var now time.Time
	for i := range 288 {
		now = t0.Add(time.Duration(i) * 5 * time.Minute)
		state := int64(i)
		if !now.Before(frozeAt) {
			state = 36
		}
		h.Record(now, map[string]trend.Sample{"a": {At: now, State: state, SU: int64(i)}}, []string{"a"}, 24*time.Hour)
	}
	got := h["a"]
	if len(got) != maxSamples {
		t.Fatalf("%d samples, want %d", len(got), maxSamples)
	}
	if !got[0].At.Equal(t0) || !got[len(got)-1].At.Equal(now) {
		t.Errorf("spans %s to %s, want %s to %s", got[0].At, got[len(got)-1].At, t0, now)
	}
	tr := trend.Of(got, now)
	if tr.Class != trend.Stuck || !tr.StuckSince.Equal(frozeAt) {
		t.Errorf("trend %+v, want stuck since %s", tr, frozeAt)
	}
}

// A history file holding far more samples for a process than this action
// ever keeps (a forged or corrupted file) is unusable, not thinned one
// sample at a time: thinning is quadratic, and a few megabytes of samples
// would hold the pass for hours before it pages.
func TestFarTooManySamplesAreUnusable(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		n  int
		ok bool
	}{{maxSamples, true}, {maxParsed, true}, {maxParsed + 1, false}, {200000, false}} {
		list := make([]trend.Sample, tc.n)
		for i := range list {
			list[i] = trend.Sample{At: now.Add(-time.Duration(tc.n-i) * time.Second), State: 5, SU: int64(i)}
		}
		_, err := Parse(History{"p": list}.Encode())
		if (err == nil) != tc.ok {
			t.Errorf("%d samples of one process: err = %v, want ok=%v", tc.n, err, tc.ok)
		}
	}
}
