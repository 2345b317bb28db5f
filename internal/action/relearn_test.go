package action

import (
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/history"
)

// When a remembered location is asked of the router again, and when it is
// forgotten.

// A remembered location is re-checked with the router once within every
// history.RecheckEvery, each process at a pass of its own, at no cost in
// round trips (the router and the SU at once); a location the router
// stops confirming (here its database is in trouble) is still asked, and
// dropped history.SchedulerTTL after the router last named it.
func TestRememberedSchedulerRecheckedAndExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	c := &requestCounter{f: h.fleet}
	h.run(nil)
	c.pass()
	rechecked := map[string]time.Time{}
	for at := 5 * time.Minute; at <= history.RecheckEvery; at += 5 * time.Minute {
		h.now = day1.Add(at)
		before := h.schedulers()
		if r := h.run(nil); r.exit != 0 {
			t.Fatalf("+%s: exit %d:\n%s", at, r.exit, r.stdout)
		}
		router, su := c.pass()
		due := 0
		for _, pid := range []string{pidA, pidB, pidC} {
			if _, recheck := before.Ask(pid, h.now); recheck {
				due++
				rechecked[pid] = h.now
			}
		}
		if router != due || su != 3 {
			t.Errorf("+%s: router %d, SU %d requests; want %d (the processes due) and 3", at, router, su, due)
		}
	}
	if len(rechecked) != 3 {
		t.Fatalf("re-checked within the hour: %v, want all three", rechecked)
	}
	for pid, at := range rechecked {
		if got := h.schedulers()[pid].Learned; !got.Equal(at) {
			t.Errorf("%s: learned %s, want its re-check's time %s", pid, got, at)
		}
	}

	// The router in trouble from now on: the SUs are still asked, and
	// answer, until a day after the router last named them.
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Break(pid, "", aotest.DatabaseError)
	}
	first, last := day1.Add(history.RecheckEvery), day1
	for _, at := range rechecked {
		first, last = minTime(first, at), maxTime(last, at)
	}
	for _, step := range []struct {
		at     time.Time
		errors string
	}{
		{first.Add(history.SchedulerTTL - 5*time.Minute), "0"}, // still asked, the router asked too
		{last.Add(history.SchedulerTTL), "3"},                  // dropped: the router alone, in trouble
	} {
		h.now = step.at
		r := h.run(map[string]string{"max-retries": "0", "pagerduty-error-threshold": "2"})
		if r.outputs["error-count"] != step.errors {
			t.Errorf("at %s: error-count %s, want %s:\n%s", step.at, r.outputs["error-count"], step.errors, r.stdout)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// The locations were learned through one su-router-url: a pass configured
// with another router (another network, a private router) asks it, not
// the schedulers the old one named.
func TestChangedRouterForgetsTheSchedulersOfTheOldOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.run(nil)
	if len(h.schedulers()) != 3 {
		t.Fatalf("cold pass remembered %v", h.schedulers())
	}
	other := aotest.Start()
	defer other.Close()
	for _, pid := range []string{pidA, pidB, pidC} {
		other.Set(pid, 100, 100)
	}
	before := h.fleet.Requests("su")
	h.now = day1.Add(5 * time.Minute)
	r := h.run(map[string]string{"su-router-url": other.Router.URL})
	if r.exit != 0 {
		t.Fatalf("exit %d:\n%s", r.exit, r.stdout)
	}
	if n := other.Requests("router"); n != 3 {
		t.Errorf("the configured router was asked %d times, want 3 (once per process)", n)
	}
	if n := h.fleet.Requests("su") - before; n != 0 {
		t.Errorf("the old router's SU was asked %d times, want 0", n)
	}
}

// A remembered SU that fails, and a router that answers without naming an
// SU (here: the process is not on its allow-list): the location is
// forgotten, not kept to be asked first again on every pass.
func TestRouterThatNamesNoSchedulerForgetsTheRememberedOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	other := aotest.Start()
	other.Set(pidA, 100, 100)
	h.fleet.PlaceOn(pidA, other.SU.URL)
	h.run(nil)
	if h.schedulers()[pidA].URL != other.SU.URL {
		t.Fatalf("cold pass remembered %v", h.schedulers())
	}
	other.Close() // the remembered SU is down
	h.fleet.Break(pidA, "", aotest.Forbidden)
	h.now = day1.Add(5 * time.Minute)
	r := h.run(map[string]string{"max-retries": "0"})
	if sch, ok := h.schedulers()[pidA]; ok {
		t.Errorf("kept %v, though the router named no SU for the process:\n%s", sch, r.stdout)
	}
	if len(h.schedulers()) != 2 {
		t.Errorf("remembered %v, want the two others kept", h.schedulers())
	}
}

func TestRouterLineSaysWhatHappened(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		asked, unknown, checked int
		want                    string
	}{
		{0, 0, 3, "every scheduler was remembered from earlier passes: no request to the scheduler router"},
		{3, 3, 3, "asked the scheduler router for every process checked (3; no scheduler remembered for them yet)"},
		{1, 1, 3, "asked the scheduler router for 1 of 3 processes (the others' schedulers were remembered from earlier passes)"},
		{3, 0, 3, "asked the scheduler router for 3 of 3 processes: 0 with no scheduler remembered, 3 to re-check the one remembered (hourly, or when it failed or answered out of step with the state server)"},
		{5, 2, 100, "asked the scheduler router for 5 of 100 processes: 2 with no scheduler remembered, 3 to re-check the one remembered (hourly, or when it failed or answered out of step with the state server)"},
	} {
		if got := routerLine(tc.asked, tc.unknown, tc.checked); got != tc.want {
			t.Errorf("routerLine(%d, %d, %d) = %q, want %q", tc.asked, tc.unknown, tc.checked, got, tc.want)
		}
	}
}

// A router that hangs while every location is due for its re-check: the
// remembered SUs' answers stand, every process is checked, nothing pages,
// and the locations keep the time the router last named them.
func TestHangingRouterLeavesTheRememberedSUsAnswering(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.run(nil)
	h.fleet.RouterHang(true)
	h.now = day1.Add(2 * time.Hour) // every location due
	r := h.run(map[string]string{"request-timeout": "1s"})
	if r.exit != 0 || r.outputs["error-count"] != "0" || r.outputs["checked-count"] != "3" || len(h.pd.Accepted()) != 0 {
		t.Errorf("exit %d, checked %s, errors %s, %d events; want every process checked, nothing sent:\n%s",
			r.exit, r.outputs["checked-count"], r.outputs["error-count"], len(h.pd.Accepted()), r.stdout)
	}
	if s := h.schedulers(); len(s) != 3 || !s[pidA].Learned.Equal(day1) {
		t.Errorf("remembered %v; want the three kept, learned when the router last named them (%s)", s, day1)
	}
}
