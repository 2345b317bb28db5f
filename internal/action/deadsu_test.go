package action

import (
	"testing"
	"time"
)

// A router whose replicas disagree: it names, in turn, the SU that holds
// the process and one that is down (a replica pointing at a retired SU).
// The process moves on, the state server with it, pass after pass: every
// pass reads the SU that holds it. Over three hours of five-minute passes
// nothing is paged: the SU the process is on answers, and its nonce
// moves, so the dead SU the router names now and then is no news about
// the process.
func TestARouterNamingADeadSUNowAndThenPagesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	h.fleet.AddSU("dead")
	h.fleet.SUDown("dead", true)
	in := map[string]string{"process-ids": pidA}
	n := int64(100)
	passes := h.everyFiveMinutes(3*time.Hour, in, func(at time.Duration) {
		switch at {
		case 0:
			return // the first pass learns where the process is
		case 5 * time.Minute:
			h.fleet.Flap(pidA, "dead", "su")
		}
		n += 7
		h.fleet.Set(pidA, n, n)
	})
	for _, p := range passes {
		for _, ev := range p.events {
			t.Errorf("+%s: %s %s", p.at, ev.EventAction, ev.DedupKey)
		}
	}
}
