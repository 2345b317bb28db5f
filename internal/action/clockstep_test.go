package action

import (
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// The runner's clock steps back a few minutes across midnight (UTC) and
// then on again, while a process stays 300 behind. The incident rotates
// to the new day's key once; a pass whose clock reads the day before
// keeps today's incident instead of rotating back to yesterday's key,
// which PagerDuty resolved: that would page again, twice.
func TestAClockSteppingBackAcrossMidnightPagesNoOneTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 300)
	h.fleet.Set(pidB, 5, 5)
	h.fleet.Set(pidC, 5, 5)
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{-5 * time.Minute, 30 * time.Second, -90 * time.Second, 5 * time.Minute, 10 * time.Minute} {
		h.now = midnight.Add(at)
		if r := h.run(nil); r.exit != 0 {
			t.Fatalf("pass at %s: exit %d\n%s", h.now, r.exit, r.stdout)
		}
	}
	endsClean(t, h, key(incident.Mismatch, pidA, 1))
	if open := h.pd.Open(); len(open) != 1 || open[0] != key(incident.Mismatch, pidA, 2) {
		t.Errorf("open at the end %v, want today's key only", open)
	}
	h.fleet.Set(pidA, 300, 300)
	h.now = midnight.Add(15 * time.Minute)
	h.run(nil)
	endsClean(t, h, key(incident.Mismatch, pidA, 2))
}
