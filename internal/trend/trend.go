// Package trend reads the motion of a process from its recent samples: how
// fast its state server and its scheduler advance, and what that means
// (stuck, catching up, falling behind, steady). It is pure: samples and the
// current time in, a Trend out.
package trend

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Sample is one pass's reading of one process.
type Sample struct {
	At    time.Time
	State int64 // the state server's latest computed slot (-1: none yet)
	SU    int64 // the scheduler's latest nonce (-1: none yet)
}

// Valid reports whether a sample can be true at now: not from the future,
// no slot or nonce below -1 (the slot before the first). Anything else (a
// clock step, a forged file) is left out.
func (x Sample) Valid(now time.Time) bool {
	return !x.At.After(now) && x.State >= -1 && x.SU >= -1
}

// Class is what the motion means.
type Class string

const (
	Unknown Class = "unknown" // not enough history
	Steady  Class = "steady"
	// Stuck: the state slot has not moved while the scheduler advanced.
	Stuck Class = "stuck"
	// CatchingUp: the gap shrinks.
	CatchingUp Class = "catching-up"
	// FallingBehind: the gap grows.
	FallingBehind Class = "falling-behind"
)

// Trend is a process's motion over the samples kept.
type Trend struct {
	Class     Class
	StateRate float64 // slots a minute the state server computed
	SURate    float64 // slots a minute the scheduler assigned
	GapRate   float64 // change of the gap (scheduler minus state), slots a minute
	// ETA: how long until a catching-up process closes its gap.
	ETA time.Duration
	// StuckSince: when the state slot last moved (stuck only).
	StuckSince time.Time
	// Reset: the state server went back to a lower slot (a restart that
	// recomputes), and too little has been seen since to tell its motion.
	// A server that reset more than once in the window is crash-looping,
	// not restarting: that is not a Reset.
	Reset bool
}

// Thresholds of the classifier: less history than minSpan says nothing, and
// a gap that moved by fewer than minGapChange slots over it is steady (a
// process whose state server computes in bursts jitters by a few slots).
const (
	minSpan      = 2 * time.Minute
	minGapChange = 3
)

// MinSpan is the least history that says anything: the shortest stillness
// a stuck process can show (stuck-after's lower bound).
const MinSpan = minSpan

// recentSpan is how far back from the latest sample rates and catching up
// are judged: a process that recovered and relapsed within the window is
// judged by what it does now, not by where the window started.
const recentSpan = 15 * time.Minute

// MaxETA bounds an ETA: a gap closing at a crawl is not "catching up" in
// any sense that matters, and the division must not overflow.
const MaxETA = 30 * 24 * time.Hour

// Of reads the trend of samples (any order; only those at or before now,
// with no negative slot, count). A state slot lower than an earlier one is
// a server that reset: only what follows the reset is read. Stillness is
// read over every sample kept; rates and catching up over the latest
// recentSpan (at least minSpan) of them, and catching up also needs the
// gap not to have grown at the latest sample.
func Of(samples []Sample, now time.Time) Trend {
	s, resets := usable(samples, now)
	reset := resets == 1
	if len(s) < 2 {
		return Trend{Class: Unknown, Reset: reset}
	}
	all := s
	s = recent(s)
	first, last := s[0], s[len(s)-1]
	span := last.At.Sub(first.At)
	if span < minSpan {
		return Trend{Class: Unknown, Reset: reset}
	}
	minutes := span.Minutes()
	t := Trend{
		StateRate: float64(last.State-first.State) / minutes,
		SURate:    float64(last.SU-first.SU) / minutes,
	}
	gapFirst, gapLast := first.SU-first.State, last.SU-last.State
	t.GapRate = float64(gapLast-gapFirst) / minutes

	// Stuck: the state slot is where it was at the start of its run of
	// equal readings, and the scheduler moved meanwhile.
	runStart := len(all) - 1
	for runStart > 0 && all[runStart-1].State == last.State {
		runStart--
	}
	if runStart < len(all)-1 && last.SU > all[runStart].SU && last.At.Sub(all[runStart].At) >= minSpan {
		t.Class = Stuck
		t.StuckSince = all[runStart].At
		return t
	}
	prev := s[len(s)-2]
	lastStep := gapLast - (prev.SU - prev.State)
	switch change := gapLast - gapFirst; {
	case change <= -minGapChange && gapLast > 0 && lastStep <= 0:
		t.Class = CatchingUp
		t.ETA = eta(gapLast, t.GapRate)
	case change >= minGapChange || lastStep >= minGapChange:
		t.Class = FallingBehind
	default:
		t.Class = Steady
	}
	return t
}

// eta is how long a gap closing at rate (slots a minute, negative) takes
// to close, to the minute, at most MaxETA.
func eta(gap int64, rate float64) time.Duration {
	minutes := float64(gap) / -rate
	if math.IsNaN(minutes) || minutes < 0 || minutes > MaxETA.Minutes() {
		return MaxETA
	}
	return time.Duration(minutes * float64(time.Minute)).Round(time.Minute)
}

// recent returns the latest samples: those within recentSpan of the last,
// and earlier ones as needed to span minSpan.
func recent(s []Sample) []Sample {
	last := s[len(s)-1]
	i := len(s) - 1
	for i > 0 && (last.At.Sub(s[i].At) < minSpan || !s[i-1].At.Before(last.At.Add(-recentSpan))) {
		i--
	}
	return s[i:]
}

// usable returns the samples at or before now, in time order, from the
// last reset of the state server on, and how many resets there were.
func usable(samples []Sample, now time.Time) ([]Sample, int) {
	if inOrderUpTo(samples, now) {
		return sinceReset(samples) // the common case: no copy
	}
	s := make([]Sample, 0, len(samples))
	for _, x := range samples {
		if x.Valid(now) {
			s = append(s, x)
		}
	}
	slices.SortStableFunc(s, func(a, b Sample) int { return a.At.Compare(b.At) })
	return sinceReset(s)
}

// inOrderUpTo reports whether samples are in time order and none is after
// now.
func inOrderUpTo(samples []Sample, now time.Time) bool {
	for i, x := range samples {
		if !x.Valid(now) || (i > 0 && x.At.Before(samples[i-1].At)) {
			return false
		}
	}
	return true
}

// sinceReset returns the samples from the state server's last reset on,
// and how many resets the samples show.
func sinceReset(s []Sample) ([]Sample, int) {
	resets, last := 0, 0
	for i := 1; i < len(s); i++ {
		if s[i].State < s[i-1].State || s[i].SU < s[i-1].SU {
			resets, last = resets+1, i
		}
	}
	return s[last:], resets
}

// Round1 rounds a rate to one decimal, for display and files.
func Round1(f float64) float64 { return math.Round(f*10) / 10 }

// Describe says the motion in a few words for people: "↘ catching up,
// ~4 min", "⏸ stuck 38 min", "↗ +12/min", "→ steady"; "" when unknown.
func (t Trend) Describe(now time.Time) string {
	switch t.Class {
	case CatchingUp:
		if t.ETA < time.Minute {
			return "↘ catching up, <1 min"
		}
		return fmt.Sprintf("↘ catching up, ~%s", minutes(t.ETA))
	case Stuck:
		return fmt.Sprintf("⏸ stuck %s", minutes(now.Sub(t.StuckSince)))
	case FallingBehind:
		return fmt.Sprintf("↗ +%g/min", Round1(t.GapRate))
	case Steady:
		return "→ steady"
	}
	if t.Reset {
		return "↺ restarted"
	}
	return ""
}

func minutes(d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	if m >= 120 {
		return fmt.Sprintf("%dh %dm", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}
