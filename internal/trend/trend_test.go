package trend

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// at builds samples: minutes after t0, state slot, scheduler nonce.
func at(points ...[3]float64) []Sample {
	var s []Sample
	for _, p := range points {
		s = append(s, Sample{At: t0.Add(time.Duration(p[0] * float64(time.Minute))), State: int64(p[1]), SU: int64(p[2])})
	}
	return s
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples []Sample
		now     time.Time
		want    Trend
	}{
		{"no history", nil, t0, Trend{Class: Unknown}},
		{"a process just added: one sample", at([3]float64{0, 10, 10}), t0, Trend{Class: Unknown}},
		{"two samples a minute apart: too little to say", at([3]float64{0, 10, 10}, [3]float64{1, 20, 20}), t0.Add(time.Minute), Trend{Class: Unknown}},
		{
			"in step: steady",
			at([3]float64{0, 100, 100}, [3]float64{5, 150, 150}, [3]float64{10, 200, 200}), t0.Add(10 * time.Minute),
			Trend{Class: Steady, StateRate: 10, SURate: 10},
		},
		{
			"jitter of a slot or two: still steady",
			at([3]float64{0, 100, 101}, [3]float64{5, 148, 150}, [3]float64{10, 199, 201}), t0.Add(10 * time.Minute),
			Trend{Class: Steady, StateRate: 9.9, SURate: 10, GapRate: 0.1},
		},
		{
			"a restarted node closing its gap: catching up, with an ETA",
			at([3]float64{0, 0, 120}, [3]float64{1.5, 60, 125}, [3]float64{3, 120, 130}), t0.Add(3 * time.Minute),
			Trend{Class: CatchingUp, StateRate: 40, SURate: 10 / 3.0, GapRate: -110 / 3.0, ETA: 0},
		},
		{
			"late and missed runs: rates from real timestamps",
			at([3]float64{0, 0, 300}, [3]float64{7, 70, 307}, [3]float64{23, 230, 323}), t0.Add(23 * time.Minute),
			Trend{Class: CatchingUp, StateRate: 10, SURate: 1, GapRate: -9, ETA: 10 * time.Minute},
		},
		{
			"gap growing: falling behind",
			at([3]float64{0, 100, 110}, [3]float64{5, 120, 160}, [3]float64{10, 140, 210}), t0.Add(10 * time.Minute),
			Trend{Class: FallingBehind, StateRate: 4, SURate: 10, GapRate: 6},
		},
		{
			"state frozen while the scheduler moves: stuck since its last move",
			at([3]float64{0, 90, 95}, [3]float64{5, 100, 110}, [3]float64{10, 100, 120}, [3]float64{15, 100, 130}), t0.Add(15 * time.Minute),
			Trend{Class: Stuck, StateRate: 10 / 15.0, SURate: 35 / 15.0, GapRate: 25 / 15.0, StuckSince: t0.Add(5 * time.Minute)},
		},
		{
			"a quiet process: neither moves, so not stuck",
			at([3]float64{0, 100, 100}, [3]float64{5, 100, 100}, [3]float64{10, 100, 100}), t0.Add(10 * time.Minute),
			Trend{Class: Steady},
		},
		{
			"a server that reset to a lower slot: only what follows the reset counts",
			at([3]float64{0, 500, 500}, [3]float64{5, 510, 510}, [3]float64{10, 0, 520}, [3]float64{15, 200, 530}, [3]float64{20, 400, 540}), t0.Add(20 * time.Minute),
			Trend{Class: CatchingUp, StateRate: 40, SURate: 2, GapRate: -38, ETA: 4 * time.Minute},
		},
		{
			"a node that just restarted from a lower slot: unknown, marked as a reset",
			at([3]float64{0, 1000, 1000}, [3]float64{5, 1050, 1050}, [3]float64{10, 880, 1100}), t0.Add(10 * time.Minute),
			Trend{Class: Unknown, Reset: true},
		},
		{
			"a crash loop (a second reset in the window): not a restart to wait for",
			at([3]float64{0, 1000, 1000}, [3]float64{5, 900, 1050}, [3]float64{10, 800, 1100}), t0.Add(10 * time.Minute),
			Trend{Class: Unknown},
		},
		{
			"samples from the future (a clock step) are ignored",
			at([3]float64{0, 100, 100}, [3]float64{5, 150, 150}, [3]float64{10, 200, 200}, [3]float64{60, 0, 0}), t0.Add(10 * time.Minute),
			Trend{Class: Steady, StateRate: 10, SURate: 10},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Of(tc.samples, tc.now)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return Round1(a) == Round1(b) })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		t    Trend
		want string
	}{
		{Trend{Class: CatchingUp, ETA: 4 * time.Minute}, "↘ catching up, ~4 min"},
		{Trend{Class: CatchingUp, ETA: 0}, "↘ catching up, <1 min"},
		{Trend{Class: Stuck, StuckSince: t0.Add(-38 * time.Minute)}, "⏸ stuck 38 min"},
		{Trend{Class: Stuck, StuckSince: t0.Add(-150 * time.Minute)}, "⏸ stuck 2h 30m"},
		{Trend{Class: FallingBehind, GapRate: 12.04}, "↗ +12/min"},
		{Trend{Class: Steady}, "→ steady"},
		{Trend{Class: Unknown, Reset: true}, "↺ restarted"},
		{Trend{Class: Unknown}, ""},
	} {
		if got := tc.t.Describe(t0); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.t, got, tc.want)
		}
	}
}
