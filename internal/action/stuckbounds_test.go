package action

import (
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// stuck-after fires when the README says, at every value config accepts:
// at the first pass at least stuck-after after the first pass that read
// the slot at its frozen value, through the real history (window, anchor,
// thinning) and trend. Runs are a little late, as scheduled runs are.
func TestStuckAfterFiresAsDocumentedAtItsBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		window, after, every time.Duration
	}{
		{time.Hour, 2 * time.Minute, time.Minute}, // the least accepted
		{time.Hour, 20 * time.Minute, 5 * time.Minute},
		{time.Hour, time.Hour, 5 * time.Minute},           // the most, at the default window
		{24 * time.Hour, 6 * time.Hour, 5 * time.Minute},  // beyond 64 samples
		{24 * time.Hour, 24 * time.Hour, 5 * time.Minute}, // the most accepted
		{10 * time.Minute, 10 * time.Minute, 5 * time.Minute},
	} {
		h := history.History{}
		p := incident.Policy{Threshold: 1 << 40, ResolveThreshold: 1 << 40, AutoResolve: true, StuckAfter: tc.after, ErrorThreshold: 1}
		st := incident.NewState()
		start := day1
		var frozeAt, firedAt time.Time
		for k := 0; firedAt.IsZero() && k < 2000; k++ {
			now := start.Add(time.Duration(k)*tc.every + time.Duration(k%3)*7*time.Second)
			state := int64(min(k, 5))
			if k == 5 {
				frozeAt = now
			}
			h.Record(now, map[string]trend.Sample{pidA: {At: now, State: state, SU: int64(k)}}, []string{pidA}, tc.window)
			obs := []incident.Observation{{ProcessID: pidA, Check: incident.CheckRead, SlotsBehind: int64(k) - state, Trend: trend.Of(h[pidA], now)}}
			plan := incident.Decide(st, obs, now, p)
			for _, ev := range plan.Events {
				if ev.Action == incident.Trigger && ev.Incident.Type == incident.Stuck {
					firedAt = now
				}
			}
			st = plan.Next
			if want := frozeAt.Add(tc.after); !frozeAt.IsZero() && firedAt.IsZero() && !now.Before(want.Add(tc.every+time.Minute)) {
				t.Errorf("window %s, stuck-after %s: not fired by %s (frozen at %s)", tc.window, tc.after, now, frozeAt)
				break
			}
		}
		if firedAt.IsZero() {
			continue
		}
		if firedAt.Sub(frozeAt) < tc.after || firedAt.Sub(frozeAt) >= tc.after+tc.every+time.Minute {
			t.Errorf("window %s, stuck-after %s: fired %s after the freeze, want the first pass at least %s after",
				tc.window, tc.after, firedAt.Sub(frozeAt), tc.after)
		}
	}
}
