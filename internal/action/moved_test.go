package action

import (
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// A process's scheduler that moved, passes every five minutes: what each
// pass sent, and what it said.

// scheduledPass is one pass of a run of scheduled ones.
type scheduledPass struct {
	at     time.Duration // after the first
	events []pagerdutytest.Event
	out    runResult
}

// everyFiveMinutes runs passes from day1 for span, calling world(at)
// before each (at: time since the first pass).
func (h *harness) everyFiveMinutes(span time.Duration, in map[string]string, world func(at time.Duration)) []scheduledPass {
	h.t.Helper()
	var passes []scheduledPass
	for at := time.Duration(0); at <= span; at += 5 * time.Minute {
		world(at)
		h.now = day1.Add(at)
		sent := len(h.pd.Accepted())
		r := h.run(in)
		if r.exit != 0 {
			h.t.Fatalf("pass at +%s: exit %d:\n%s", at, r.exit, r.stdout)
		}
		passes = append(passes, scheduledPass{at: at, events: h.pd.Accepted()[sent:], out: r})
	}
	return passes
}

// pageBound is the longest a remembered location that stopped moving can
// hide a gap: its re-check comes within history.RecheckEvery of the
// router's last naming, at the first pass after (five minutes at most).
const pageBound = history.RecheckEvery + 5*time.Minute

// The process moves to a new SU 500 slots ahead; the state server stays
// with the old SU, frozen, and so does that SU's answer for it. Nothing in
// a pass says so, until the location's hourly re-check: then the router's
// SU, higher, is believed, and the gap paged. Before it, no false page;
// after the state server catches up, resolved.
func TestMovedProcessWithTheStateServerLeftBehindIsPagedWithinTheBound(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.fleet.AddSU("new")
	// The worst moment: the pass after the process's location was
	// re-checked, so the move waits out a whole round.
	move := 5 * time.Minute
	for {
		if _, recheck := (history.Scheduler{URL: h.fleet.SU.URL, Learned: day1}).Ask(pidA, day1.Add(move-5*time.Minute)); recheck {
			break
		}
		move += 5 * time.Minute
	}
	fixed := move + pageBound + 15*time.Minute
	passes := h.everyFiveMinutes(fixed+15*time.Minute, nil, func(at time.Duration) {
		switch {
		case at == move:
			h.fleet.Move(pidA, "new") // the old SU stops at 100
			h.fleet.Set(pidA, 100, 600)
		case at > move && at < fixed:
			h.fleet.Set(pidA, 100, 600+int64(at/time.Minute)) // the new SU goes on
		case at >= fixed:
			h.fleet.Set(pidA, 800, 800) // the state server follows it at last
		}
	})
	paged, resolved := time.Duration(-1), time.Duration(-1)
	for _, p := range passes {
		for _, ev := range p.events {
			switch {
			case ev.DedupKey != key(incident.Mismatch, pidA):
				t.Errorf("+%s: %s %s: only the moved process's gap is news", p.at, ev.EventAction, ev.DedupKey)
			case ev.EventAction == "trigger" && paged < 0:
				paged = p.at
				if ev.Payload.Severity != "critical" || !strings.Contains(ev.Payload.Summary, "slots behind") {
					t.Errorf("+%s: paged %s %q, want the gap behind the new SU, critical", p.at, ev.Payload.Severity, ev.Payload.Summary)
				}
			case ev.EventAction == "resolve":
				resolved = p.at
			default:
				t.Errorf("+%s: %s %s again", p.at, ev.EventAction, ev.DedupKey)
			}
		}
	}
	switch {
	case paged < 0:
		t.Fatalf("the gap was never paged")
	case paged > move+pageBound:
		t.Errorf("paged at +%s, %s after the move; the bound is %s", paged, paged-move, pageBound)
	case paged < move+history.RecheckEvery-10*time.Minute:
		t.Errorf("paged at +%s, %s after the move: nothing but the location's re-check can tell", paged, paged-move)
	case resolved != fixed:
		t.Errorf("resolved at +%s, want +%s (the pass that read the state server caught up)", resolved, fixed)
	}
	if open := h.pd.Open(); len(open) != 0 {
		t.Errorf("open at the end: %v", open)
	}
	if got := h.schedulers()[pidA].URL; got == h.fleet.SU.URL {
		t.Errorf("still remembers the SU the process left")
	}
}

// The state server follows the process to its new SU (500 slots on),
// while the old SU answers 500 behind it. A state slot ahead of the SU
// asked sends the check to the router in that pass: the new SU is
// believed and remembered, and the gap the process had before the move
// (paged, true) resolves then. No "ahead" page, no error, ever.
func TestMovedProcessFollowedByTheStateServerResolvesInThePassItMoves(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	newSU := h.fleet.AddSU("new")
	const move = 15 * time.Minute
	passes := h.everyFiveMinutes(2*time.Hour, nil, func(at time.Duration) {
		switch {
		case at == 0:
			h.fleet.Set(pidA, 400, 1000) // 600 behind before the move: a true page
		case at == move:
			h.fleet.Move(pidA, "new")
			h.fleet.Set(pidA, 1500, 1500)
		case at > move:
			n := 1500 + int64(at/time.Minute)
			h.fleet.Set(pidA, n, n)
		}
	})
	var sent []string
	for _, p := range passes {
		for _, ev := range p.events {
			sent = append(sent, ev.EventAction+" "+ev.DedupKey+" at +"+p.at.String())
			if ev.EventAction == "resolve" && p.at != move {
				t.Errorf("resolved at +%s, want in the pass of the move (+%s)", p.at, move)
			}
		}
		if p.out.outputs["error-count"] != "0" {
			t.Errorf("+%s: error-count %s:\n%s", p.at, p.out.outputs["error-count"], p.out.stdout)
		}
		if p.at >= move && p.out.outputs["behind-count"] != "0" {
			t.Errorf("+%s: behind-count %s after the move", p.at, p.out.outputs["behind-count"])
		}
	}
	want := []string{"trigger " + key(incident.Mismatch, pidA) + " at +0s", "resolve " + key(incident.Mismatch, pidA) + " at +" + move.String()}
	if strings.Join(sent, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(sent, "\n"), strings.Join(want, "\n"))
	}
	if got := h.schedulers()[pidA].URL; got != newSU.URL {
		t.Errorf("remembers %s, want the new SU %s", got, newSU.URL)
	}
}

// The router names, in turn, a frozen replica (500 behind) and the real
// SU; the state server follows the real one. The first pass gets the
// replica first: the state slot ahead of it sends the check back to the
// router, which names the real SU. Later re-checks that get the replica
// keep the real SU, whose nonce is higher. Three hours: no page, no
// error, the real SU remembered after every pass.
func TestFlappingRouterPinsNoFrozenReplica(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.fleet.AddSU("replica")
	h.fleet.Freeze("replica", pidA, 500)
	h.fleet.Flap(pidA, "replica", "su")
	cold := 0 // the first pass's router requests
	passes := h.everyFiveMinutes(3*time.Hour, nil, func(at time.Duration) {
		n := 1000 + int64(at/time.Minute)
		h.fleet.Set(pidA, n, n)
		if at == 5*time.Minute {
			cold = h.fleet.Requests("router")
		}
	})
	if cold != 4 {
		t.Errorf("the first pass asked the router %d times, want 4 (twice for the flapping process)", cold)
	}
	router := h.fleet.Requests("router") - cold
	for _, p := range passes {
		if len(p.events) > 0 || p.out.outputs["error-count"] != "0" || p.out.outputs["behind-count"] != "0" {
			t.Errorf("+%s: %d events, error-count %s, behind-count %s:\n%s", p.at, len(p.events), p.out.outputs["error-count"], p.out.outputs["behind-count"], p.out.stdout)
		}
	}
	if got := h.schedulers()[pidA].URL; got != h.fleet.SU.URL {
		t.Errorf("remembers %s, want the real SU %s", got, h.fleet.SU.URL)
	}
	if h.fleet.Requests("replica") == 0 {
		t.Error("the replica was never asked: the router did not flap")
	}
	// Each process re-checked once an hour; the flapping one at most once
	// more (the pass after a re-check that got the replica).
	if router > 3*(1+1+2) {
		t.Errorf("%d router requests after the first pass over three hours, want at most %d", router, 3*(1+1+2))
	}
}

// The same flapping router, with the state server reading the frozen
// replica: the real SU moves on, and its nonce, higher, is believed at the
// first re-check that reaches it. The page is true, and stays open while
// the state server stays on the replica, whatever the router names.
func TestFlappingRouterWithTheStateServerOnTheReplicaIsPagedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.fleet.AddSU("replica")
	h.fleet.Freeze("replica", pidA, 1000)
	h.fleet.Flap(pidA, "replica", "su")
	passes := h.everyFiveMinutes(3*time.Hour, nil, func(at time.Duration) {
		h.fleet.Set(pidA, 1000, 1600+int64(at/time.Minute)) // the state server reads the replica
	})
	var sent []string
	paged := time.Duration(-1)
	for _, p := range passes {
		for _, ev := range p.events {
			sent = append(sent, ev.EventAction+" "+ev.DedupKey)
			if paged < 0 {
				paged = p.at
			}
		}
	}
	if len(sent) != 1 || sent[0] != "trigger "+key(incident.Mismatch, pidA) {
		t.Fatalf("sent %v, want one trigger for the process", sent)
	}
	if paged > pageBound {
		t.Errorf("paged at +%s, past the bound %s", paged, pageBound)
	}
	if open := h.pd.Open(); len(open) != 1 {
		t.Errorf("open at the end: %v, want the one page", open)
	}
}

// A state slot ahead of every SU the pass could ask (the router does not
// know yet that the process moved) is not a distance: no "ahead" page, but
// a check that failed and says why. It resolves once the router names the
// SU the process is on.
func TestStateAheadOfEverySchedulerIsNotAMismatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.fleet.AddSU("new")
	const learns = 30 * time.Minute
	passes := h.everyFiveMinutes(time.Hour, nil, func(at time.Duration) {
		switch {
		case at == 0:
			h.fleet.Set(pidA, 1000, 1000)
		case at < learns:
			h.fleet.Freeze("su", pidA, 1000) // the router still names it
			h.fleet.Set(pidA, 1500, 1500)
		case at == learns:
			h.fleet.Move(pidA, "new")
		}
	})
	var sent []string
	for _, p := range passes {
		for _, ev := range p.events {
			sent = append(sent, ev.EventAction+" "+ev.DedupKey)
			if ev.EventAction == "trigger" && !strings.Contains(ev.Payload.Summary, "500 behind the state server's slot 1500") {
				t.Errorf("+%s: paged %q; want it to say the scheduler is behind the state server", p.at, ev.Payload.Summary)
			}
		}
		wantErrors := map[bool]string{true: "1", false: "0"}[p.at > 0 && p.at < learns]
		if p.out.outputs["error-count"] != wantErrors || p.out.outputs["behind-count"] != "0" {
			t.Errorf("+%s: error-count %s (want %s), behind-count %s", p.at, p.out.outputs["error-count"], wantErrors, p.out.outputs["behind-count"])
		}
	}
	want := []string{"trigger " + key(incident.Unreadable, pidA), "resolve " + key(incident.Unreadable, pidA)}
	if strings.Join(sent, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent %v, want %v", sent, want)
	}
	if !strings.Contains(passes[1].out.summary, "behind the state server") {
		t.Errorf("the summary does not say why the process could not be checked:\n%s", passes[1].out.summary)
	}
}

// A clock that went back: a location learned "later" proves nothing, so
// the router is asked for it; the pass is as good as a first one.
func TestClockBackAsksTheRouter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	c := &requestCounter{f: h.fleet}
	h.now = day1.Add(time.Hour)
	h.run(nil)
	c.pass()
	h.now = day1
	r := h.run(nil)
	if router, su := c.pass(); router != 3 || su != 3 || r.exit != 0 || len(h.pd.Accepted()) != 0 {
		t.Errorf("router %d, SU %d requests, exit %d, %d events; want 3, 3, 0, 0:\n%s", router, su, r.exit, len(h.pd.Accepted()), r.stdout)
	}
	if s := h.schedulers(); !s[pidA].Learned.Equal(day1) {
		t.Errorf("learned %s, want the router's answer at the clock's time %s", s[pidA].Learned, day1)
	}
}
