package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// Undelivered events are decided again: applying only some events and
// deciding again must converge on the same next state.
func TestDecideRetriesUndeliveredEvents(t *testing.T) {
	prev := open(inc(pidA, Mismatch, "error", day1))
	obs := []Observation{behind(pidA, 70), failing(pidB)}
	first := Decide(prev, obs, day2, policyOn)
	if len(first.Events) != 3 {
		t.Fatalf("want 3 events (rotate A: resolve + trigger, open B), got %+v", first.Events)
	}
	// Only the middle event (today's trigger for A) is delivered.
	state := prev.Clone()
	state.Apply(first.Events[1])

	second := Decide(state, obs, day2, policyOn)
	want := []Event{first.Events[0], first.Events[2]}
	if diff := cmp.Diff(want, second.Events); diff != "" {
		t.Errorf("second pass events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first.Next, second.Next); diff != "" {
		t.Errorf("passes do not converge (-first +second):\n%s", diff)
	}
}

func TestDedupKeyUsesUTCDay(t *testing.T) {
	east := time.FixedZone("UTC+10", 10*3600)
	got := DedupKey(Mismatch, pidA, time.Date(2026, 11, 23, 8, 0, 0, 0, east))
	want := "nonce-monitor-mismatch-" + pidA + "-20261122"
	if got != want {
		t.Errorf("DedupKey = %q, want %q", got, want)
	}
	if len(got) > 255 {
		t.Errorf("dedup key longer than PagerDuty's 255: %d", len(got))
	}
}

func TestParseLevels(t *testing.T) {
	got, err := ParseLevels(" warning:0, critical:100 ,error:50")
	if err != nil {
		t.Fatal(err)
	}
	want := []Level{{"critical", 100}, {"error", 50}, {"warning", 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseLevels (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "critical", "urgent:5", "error:-1", "error:x", "error:1,error:2"} {
		if _, err := ParseLevels(bad); err == nil {
			t.Errorf("ParseLevels(%q) accepted a bad value", bad)
		}
	}
}

func TestSeverityFor(t *testing.T) {
	levels := []Level{{"critical", 100}, {"error", 50}}
	for slots, want := range map[int64]Severity{0: "error", 49: "error", 50: "error", 99: "error", 100: "critical", 5000: "critical"} {
		if got := severityFor(levels, slots); got != want {
			t.Errorf("severityFor(%d) = %q, want %q", slots, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		o    Observation
		want Status
	}{
		{Observation{Check: CheckRead, SlotsBehind: 49}, StatusOK},
		{Observation{Check: CheckRead, SlotsBehind: 50}, StatusBehind},
		{Observation{}, StatusFailing},
		{Observation{Check: CheckInterrupted}, StatusNotChecked},
		// Silenced wins over everything: maintenance is not behind.
		{Observation{Check: CheckRead, SlotsBehind: 500, Silenced: true}, StatusSilenced},
		{Observation{Silenced: true}, StatusSilenced},
	} {
		if got := Classify(tc.o, 50); got != tc.want {
			t.Errorf("Classify(%+v) = %s, want %s", tc.o, got, tc.want)
		}
	}
}

func moving(pid string, slots int64, t trend.Trend) Observation {
	o := behind(pid, slots)
	o.Trend = t
	return o
}

// Paging on motion: stuck incidents and the catch-up grace, and how they
// combine with mismatch (one page per process).
func TestDecideWithTrends(t *testing.T) {
	p := policyOn
	p.StuckAfter = 20 * time.Minute
	p.CatchUpGrace = 15 * time.Minute
	stuckFor := func(d time.Duration) trend.Trend { return trend.Trend{Class: trend.Stuck, StuckSince: day1.Add(-d)} }
	catching := func(eta time.Duration) trend.Trend { return trend.Trend{Class: trend.CatchingUp, ETA: eta} }
	stuckInc := inc(pidA, Stuck, "error", day1)
	for _, tc := range []struct {
		name     string
		prev     State
		obs      Observation
		policy   Policy
		events   []Event
		next     State
		deferred []string
	}{
		{"still for stuck-after, below the threshold: a stuck page", open(), moving(pidA, 30, stuckFor(20*time.Minute)), p,
			[]Event{ev(Trigger, Opened, stuckInc)}, open(stuckInc), nil},
		{"still, but not for long enough: nothing", open(), moving(pidA, 30, stuckFor(19*time.Minute)), p, nil, open(), nil},
		{"stuck-after off: nothing", open(), moving(pidA, 30, stuckFor(time.Hour)), policyOn, nil, open(), nil},
		{"the state server moves again: the stuck incident resolves", open(stuckInc), moving(pidA, 30, trend.Trend{Class: trend.Steady}), p,
			[]Event{ev(Resolve, Recovered, stuckInc)}, open(), nil},
		{"stuck and now past the threshold: the stuck page stands, no second one", open(stuckInc), moving(pidA, 80, stuckFor(time.Hour)), p,
			nil, open(stuckInc), nil},
		{"a mismatch open and the server freezes: the mismatch stands, no stuck page", open(inc(pidA, Mismatch, "error", day1)), moving(pidA, 80, stuckFor(time.Hour)), p,
			nil, open(inc(pidA, Mismatch, "error", day1)), nil},
		{"past the threshold, catching up within the grace: not paged yet", open(), moving(pidA, 120, catching(4*time.Minute)), p,
			nil, open(), []string{pidA}},
		{"catching up, but slower than the grace: paged", open(), moving(pidA, 120, catching(40*time.Minute)), p,
			[]Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, open(inc(pidA, Mismatch, "critical", day1)), nil},
		{"catch-up-grace off: paged", open(), moving(pidA, 120, catching(4*time.Minute)), policyOn,
			[]Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, open(inc(pidA, Mismatch, "critical", day1)), nil},
		{"just restarted from a lower slot: one pass to see its motion", open(), moving(pidA, 120, trend.Trend{Class: trend.Unknown, Reset: true}), p,
			nil, open(), []string{pidA}},
		{"no history at all: paged (nothing says it is catching up)", open(), moving(pidA, 120, trend.Trend{Class: trend.Unknown}), p,
			[]Event{ev(Trigger, Opened, inc(pidA, Mismatch, "critical", day1))}, open(inc(pidA, Mismatch, "critical", day1)), nil},
		{"already paged and now catching up: the page stands until it recovers", open(inc(pidA, Mismatch, "critical", day1)), moving(pidA, 120, catching(4*time.Minute)), p,
			nil, open(inc(pidA, Mismatch, "critical", day1)), nil},
	} {
		t.Run(tc.name, decideCase{
			prev: tc.prev, obs: []Observation{tc.obs}, now: day1, policy: tc.policy,
			want: Plan{Events: tc.events, Next: tc.next, Deferred: tc.deferred},
		}.check)
	}
}
