package trend

import (
	"testing"
	"time"
)

// A process paged at a gap of 5,000 recovers, then falls behind again at
// +20 slots a minute: the window's ends still say "catching up", the
// latest samples say otherwise.
func TestARelapseIsNotCatchingUp(t *testing.T) {
	s := at(
		[3]float64{0, 0, 5000}, [3]float64{5, 4000, 5050}, [3]float64{10, 5095, 5100}, // recovering
		[3]float64{15, 5150, 5250}, [3]float64{20, 5200, 5400}, // relapsing: +20 a minute
	)
	for _, now := range []float64{15, 20} {
		upTo := s[:int(now/5)+1]
		got := Of(upTo, t0.Add(time.Duration(now)*time.Minute))
		if got.Class == CatchingUp {
			t.Errorf("at +%gm: %+v, a relapse read as catching up", now, got)
		}
	}
	// Long after, the relapse has the whole recent span: falling behind.
	more := append(s, at([3]float64{25, 5250, 5550}, [3]float64{30, 5300, 5700})...)
	if got := Of(more, t0.Add(30*time.Minute)); got.Class != FallingBehind || Round1(got.GapRate) != 20 {
		t.Errorf("at +30m: %+v, want falling behind at +20/min", got)
	}
}

// A gap closing at a crawl: the ETA is clamped, never an overflowed
// (negative, or tiny) duration.
func TestETAIsClamped(t *testing.T) {
	s := []Sample{
		{At: t0, State: 0, SU: 1 << 61},
		{At: t0.Add(10 * time.Minute), State: 3, SU: 1 << 61},
	}
	got := Of(s, t0.Add(10*time.Minute))
	if got.Class != CatchingUp || got.ETA != MaxETA {
		t.Errorf("%+v: want catching up with the ETA clamped to %s", got, MaxETA)
	}
	if e := eta(1<<62, -1e-12); e != MaxETA {
		t.Errorf("eta overflowed: %s", e)
	}
}

// Negative slots (a forged or corrupt history) are left out: one would
// read as a huge gap closing fast, deferring a process behind.
func TestNegativeSamplesAreIgnored(t *testing.T) {
	s := at([3]float64{0, -100000, 1000}, [3]float64{5, 900, 1050}, [3]float64{10, 950, 1100})
	if got := Of(s, t0.Add(10*time.Minute)); got.Class != Steady {
		t.Errorf("%+v: want steady, the negative sample ignored", got)
	}
}
