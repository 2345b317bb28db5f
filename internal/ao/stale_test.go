package ao

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// staleCase is one check of a process whose scheduler may have moved, on a
// fleet with three SUs: "su" (where it starts), "new" and "replica", and
// one that is down ("down").
type staleCase struct {
	name    string
	prepare func(f *aotest.Fleet)
	where   func(f *aotest.Fleet) Where
	limit   int64 // Client.AheadIsError
	// want
	nonce      int64
	kind       check.Kind // "" when the nonce is read
	scheduler  string
	fromRouter bool
	requests   map[string]int // by stand-in: router, su, new, replica
}

func TestStaleSchedulerLocations(t *testing.T) {
	t.Parallel()
	onSU := func(f *aotest.Fleet) Where { return Where{SU: f.SU.URL} }
	due := func(f *aotest.Fleet) Where { return Where{SU: f.SU.URL, Confirm: true} }
	cold := func(*aotest.Fleet) Where { return Where{} }
	// The process moves from su (frozen at 5) to new, which goes on.
	moved := func(state, nonce int64) func(f *aotest.Fleet) {
		return func(f *aotest.Fleet) {
			f.Set(pid, 5, 5)
			f.Move(pid, "new")
			f.Set(pid, state, nonce)
		}
	}
	// The router names a frozen replica (at 5) and the real SU in turn.
	flapping := func(first string) func(f *aotest.Fleet) {
		return func(f *aotest.Fleet) {
			f.Set(pid, 9, 9)
			f.Freeze("replica", pid, 5)
			if first == "replica" {
				f.Flap(pid, "replica", "su")
			} else {
				f.Flap(pid, "su", "replica")
			}
		}
	}
	for _, c := range []staleCase{
		{name: "due for its re-check, the router names it again: one round trip, confirmed",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 5, 5) }, where: due,
			nonce: 5, scheduler: "su", fromRouter: true, requests: map[string]int{"router": 1, "su": 1}},
		{name: "due, the process moved and the state server stayed (frozen with the old SU): the new SU's nonce, higher, is believed",
			prepare: moved(5, 505), where: due,
			nonce: 505, scheduler: "new", fromRouter: true, requests: map[string]int{"router": 1, "su": 1, "new": 1}},
		{name: "not due, moved, state server frozen with the old SU: the old SU's answer (what the re-check bounds)",
			prepare: moved(5, 505), where: onSU,
			nonce: 5, scheduler: "su", requests: map[string]int{"su": 1}},
		{name: "not due, moved, the state server followed (ahead of the old SU): asked again, then the router, in the same check",
			prepare: moved(505, 505), where: onSU, limit: 50,
			nonce: 505, scheduler: "new", fromRouter: true, requests: map[string]int{"router": 1, "su": 2, "new": 1}},
		{name: "not due, the nonce still since the last pass while the state slot moved: the router, in the same check",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 5, 10); f.Move(pid, "new"); f.Set(pid, 8, 12) },
			where:   func(f *aotest.Fleet) Where { return Where{SU: f.SU.URL, Last: &Reading{State: 5, Nonce: 10}} },
			nonce:   12, scheduler: "new", fromRouter: true, requests: map[string]int{"router": 1, "su": 1, "new": 1}},
		{name: "the nonce still and the state slot still: nothing asks the router",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 5, 10) },
			where:   func(f *aotest.Fleet) Where { return Where{SU: f.SU.URL, Last: &Reading{State: 5, Nonce: 10}} },
			nonce:   10, scheduler: "su", requests: map[string]int{"su": 1}},
		{name: "a quiet process catching up (nonce still, state slot moving) costs one router request, named again",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 8, 10) },
			where:   func(f *aotest.Fleet) Where { return Where{SU: f.SU.URL, Last: &Reading{State: 5, Nonce: 10}} },
			nonce:   10, scheduler: "su", fromRouter: true, requests: map[string]int{"router": 1, "su": 1}},
		{name: "due, the router names a frozen replica: the remembered SU's higher nonce stands, unconfirmed",
			prepare: flapping("replica"), where: due, limit: 1,
			nonce: 9, scheduler: "su", requests: map[string]int{"router": 1, "su": 1, "replica": 1}},
		{name: "cold, the router names the frozen replica first: the state slot ahead of it sends the check back to the router",
			prepare: flapping("replica"), where: cold, limit: 1,
			nonce: 9, scheduler: "su", fromRouter: true, requests: map[string]int{"router": 2, "su": 1, "replica": 2}},
		{name: "cold, the router names the real SU first: nothing more",
			prepare: flapping("su"), where: cold, limit: 1,
			nonce: 9, scheduler: "su", fromRouter: true, requests: map[string]int{"router": 1, "su": 1}},
		{name: "the state slot ahead of every SU the router names: the check fails (Behind), no distance",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 505, 5) }, where: onSU, limit: 50,
			kind: check.Behind, scheduler: "su", fromRouter: true, requests: map[string]int{"router": 1, "su": 2}},
		{name: "a lead under the limit is read as a distance, after asking again",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 9, 5) }, where: onSU, limit: 50,
			nonce: 5, scheduler: "su", fromRouter: true, requests: map[string]int{"router": 1, "su": 2}},
		{name: "due, the router names another SU that fails: its failure stands, charged to it",
			prepare: func(f *aotest.Fleet) { moved(5, 9)(f); f.Break(pid, "", aotest.HTML) }, where: due,
			kind: check.BadResponse, scheduler: "new", fromRouter: true, requests: map[string]int{"router": 1, "su": 1, "new": 1}},
		{name: "due, the router names an SU that is down while the remembered one's nonce moved since the last pass: the remembered answer stands, unconfirmed",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 9, 9); f.Flap(pid, "down") },
			where: func(f *aotest.Fleet) Where {
				return Where{SU: f.SU.URL, Confirm: true, Last: &Reading{State: 5, Nonce: 5}}
			},
			nonce: 9, scheduler: "su", requests: map[string]int{"router": 1, "su": 1}},
		{name: "due, the router names an SU that is down, the remembered one frozen since the last pass: the failure stands",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 5, 5); f.Flap(pid, "down") },
			where: func(f *aotest.Fleet) Where {
				return Where{SU: f.SU.URL, Confirm: true, Last: &Reading{State: 5, Nonce: 5}}
			},
			kind: check.Unreachable, scheduler: "down", fromRouter: true, requests: map[string]int{"router": 1, "su": 1}},
		{name: "due, the router in trouble: the SU's answer stands, unconfirmed",
			prepare: func(f *aotest.Fleet) { f.Set(pid, 5, 5); f.Break(pid, "", aotest.DatabaseError) }, where: due,
			nonce: 5, scheduler: "su", requests: map[string]int{"router": 2, "su": 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := aotest.Start()
			defer f.Close()
			urls := map[string]string{"su": f.SU.URL, "new": f.AddSU("new").URL, "replica": f.AddSU("replica").URL}
			urls["down"] = f.AddSU("down").URL // an SU that is down, which the router may still name
			f.SUDown("down", true)
			c.prepare(f)
			client := newClient(f)
			client.AheadIsError = c.limit
			r := client.CheckAt(context.Background(), pid, f.State.URL, c.where(f))
			switch {
			case c.kind == "" && (r.SUErr != nil || r.SUNonce == nil || *r.SUNonce != c.nonce):
				t.Errorf("nonce %v, %v; want %d", r.SUNonce, r.SUErr, c.nonce)
			case c.kind != "" && check.KindOf(r.SUErr) != c.kind:
				t.Errorf("error %v (%q), want %q", r.SUErr, check.KindOf(r.SUErr), c.kind)
			}
			if r.Scheduler != urls[c.scheduler] || r.SchedulerFromRouter != c.fromRouter {
				t.Errorf("remember %q (from router %v), want %q (%v)", r.Scheduler, r.SchedulerFromRouter, urls[c.scheduler], c.fromRouter)
			}
			for _, server := range []string{"router", "su", "new", "replica"} {
				if got := f.Requests(server); got != c.requests[server] {
					t.Errorf("%s served %d requests, want %d", server, got, c.requests[server])
				}
			}
			if r.RouterAsked != (c.requests["router"] > 0) {
				t.Errorf("RouterAsked = %v with %d router requests", r.RouterAsked, c.requests["router"])
			}
		})
	}
}

// The state server computed a slot the SU assigned after answering: asked
// once more, the SU includes it, and the router is not asked.
func TestStateAheadByARaceAsksTheSUAgain(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 6, 6)
	var n atomic.Int64
	su, asked := counting(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(aotest.LatestBody(pid, map[bool]string{true: "5", false: "6"}[n.Add(1) == 1], 0))
	})
	client := newClient(f)
	client.AheadIsError = 1
	r := client.CheckAt(context.Background(), pid, f.State.URL, Where{SU: su.URL})
	if r.SUErr != nil || *r.SUNonce != 6 || r.SlotsBehind() != 0 {
		t.Errorf("nonce %v, %v; want 6, in step", r.SUNonce, r.SUErr)
	}
	if asked.Load() != 2 || f.Requests("router") != 0 {
		t.Errorf("SU asked %d times, router %d; want 2 and 0", asked.Load(), f.Requests("router"))
	}
}

// Behind says what it knows, in words, and nothing it does not: no
// distance, the numbers read.
func TestBehindSaysWhatItIsEvidenceOf(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 505, 5)
	client := newClient(f)
	client.AheadIsError = 1
	r := client.CheckAt(context.Background(), pid, f.State.URL, Where{})
	if r.BothRead() || r.SlotsBehind() != 0 || r.StateNonce == nil || *r.StateNonce != 505 {
		t.Fatalf("checked %v, %d apart, state %v: want a failed check keeping the state slot", r.BothRead(), r.SlotsBehind(), r.StateNonce)
	}
	for _, want := range []string{"scheduler ", "nonce 5 is 500 behind the state server's slot 505", "cannot be read"} {
		if !strings.Contains(r.ErrorText(), want) {
			t.Errorf("error %q does not say %q", r.ErrorText(), want)
		}
	}
}

// A state server that got no answer at first and is read again later in
// the pass (Recheck) is read against the nonce kept: a slot ahead of it
// sends the check to the router as one read beside it would.
func TestRecheckedStateSlotAheadOfTheKeptNonceAsksTheRouter(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	newSU := f.AddSU("new")
	f.Set(pid, 5, 5)
	c := newClient(f)
	c.HTTP.MaxRetries = 0
	c.AheadIsError = 50
	f.StateDown(true)
	r := c.CheckAt(context.Background(), pid, f.State.URL, Where{SU: f.SU.URL})
	if !check.NoAnswer(r.StateErr) || r.SUNonce == nil || *r.SUNonce != 5 {
		t.Fatalf("state down: %q", r.ErrorText())
	}
	f.Move(pid, "new") // the old SU stops at 5
	f.Set(pid, 505, 505)
	f.StateDown(false)
	r = c.Recheck(context.Background(), r, f.State.URL, Where{SU: f.SU.URL})
	if !r.BothRead() || r.SlotsBehind() != 0 || *r.SUNonce != 505 {
		t.Fatalf("rechecked: %q, nonce %v; want 505 from the new SU, in step", r.ErrorText(), r.SUNonce)
	}
	if r.Scheduler != newSU.URL || !r.SchedulerFromRouter || f.Requests("router") != 1 || f.Requests("new") != 1 {
		t.Errorf("remember %q (from router %v), router %d, new SU %d requests; want the new SU, 1, 1",
			r.Scheduler, r.SchedulerFromRouter, f.Requests("router"), f.Requests("new"))
	}
}
