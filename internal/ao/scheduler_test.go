package ao

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// refusing is the URL of a port nobody listens on: a scheduler that is down.
func refusing(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// counting serves h and counts its requests.
func counting(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

type schedulerCase struct {
	name       string
	remembered func(f, moved *aotest.Fleet) string
	prepare    func(f, moved *aotest.Fleet)
	// want
	nonce               int64
	kind                check.Kind // "" when the nonce is read
	scheduler           func(f, moved *aotest.Fleet) string
	fromRouter          bool
	router, su, movedSU int // requests served
}

func TestRememberedScheduler(t *testing.T) {
	t.Parallel()
	su := func(f, _ *aotest.Fleet) string { return f.SU.URL }
	movedSU := func(_, m *aotest.Fleet) string { return m.SU.URL }
	none := func(_, _ *aotest.Fleet) string { return "" }
	moveIt := func(f, m *aotest.Fleet) {
		f.Break(pid, "", aotest.Unknown) // the old SU no longer knows it
		m.Set(pid, 7, 9)
		f.PlaceOn(pid, m.SU.URL)
	}
	for _, c := range []schedulerCase{
		{name: "cold: the router, then the SU; its location learned",
			remembered: none, nonce: 5, scheduler: su, fromRouter: true, router: 1, su: 1},
		{name: "warm: the remembered SU only",
			remembered: su, nonce: 5, scheduler: su, router: 0, su: 1},
		{name: "warm, spelled otherwise: one SU",
			remembered: func(f, _ *aotest.Fleet) string { return strings.ToUpper(f.SU.URL[:4]) + f.SU.URL[4:] + "/" },
			nonce:      5, scheduler: su, router: 0, su: 1},
		{name: "moved: the old SU says not found, the router names the new one, asked in the same check",
			remembered: su, prepare: moveIt, nonce: 9, scheduler: movedSU, fromRouter: true, router: 1, su: 1, movedSU: 1},
		{name: "moved, cold: the router's answer only",
			remembered: none, prepare: moveIt, nonce: 9, scheduler: movedSU, fromRouter: true, router: 1, movedSU: 1},
		{name: "remembered SU down: the router names another, which answers",
			remembered: func(_, _ *aotest.Fleet) string { return "http://" + "127.0.0.1:1" },
			nonce:      5, scheduler: su, fromRouter: true, router: 1, su: 1},
		{name: "remembered SU fails, the router names it again: its answer stands, not asked twice",
			remembered: su, prepare: func(f, _ *aotest.Fleet) { f.Break(pid, "", aotest.HTML) },
			kind: check.BadResponse, scheduler: su, fromRouter: true, router: 1, su: 1},
		{name: "remembered SU says no messages, the router names it again",
			remembered: su, prepare: func(f, _ *aotest.Fleet) { f.Break(pid, "", aotest.NoMessages) },
			kind: check.NoMessages, scheduler: su, fromRouter: true, router: 1, su: 1},
		{name: "the router answers itself (not allowed): the location is forgotten",
			remembered: movedSU, prepare: func(f, m *aotest.Fleet) { f.Break(pid, "", aotest.Forbidden) },
			kind: check.Forbidden, scheduler: none, fromRouter: true, router: 1, su: 0, movedSU: 1},
		{name: "remembered location with credentials: never asked (the SU it names sees one request, the router's)",
			remembered: func(f, _ *aotest.Fleet) string { return strings.Replace(f.SU.URL, "http://", "http://u:secret@", 1) },
			nonce:      5, scheduler: su, fromRouter: true, router: 1, su: 1},
		{name: "remembered location with a control character: never asked",
			remembered: func(f, _ *aotest.Fleet) string { return f.SU.URL + "/\n::error::x" },
			nonce:      5, scheduler: su, fromRouter: true, router: 1, su: 1},
		{name: "hostile remembered location: never asked, the router is",
			remembered: func(f, _ *aotest.Fleet) string { return "javascript:alert(1)//" + f.SU.URL },
			nonce:      5, scheduler: su, fromRouter: true, router: 1, su: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, moved := aotest.Start(), aotest.Start()
			defer f.Close()
			defer moved.Close()
			f.Set(pid, 4, 5)
			if c.prepare != nil {
				c.prepare(f, moved)
			}
			r := newClient(f).CheckAt(context.Background(), pid, f.State.URL, Where{SU: c.remembered(f, moved)})
			switch {
			case c.kind == "" && (r.SUErr != nil || r.SUNonce == nil || *r.SUNonce != c.nonce):
				t.Errorf("nonce %v, %v; want %d", r.SUNonce, r.SUErr, c.nonce)
			case c.kind != "" && check.KindOf(r.SUErr) != c.kind:
				t.Errorf("error %v (%q), want %q", r.SUErr, check.KindOf(r.SUErr), c.kind)
			}
			if want := c.scheduler(f, moved); r.Scheduler != want || r.SchedulerFromRouter != c.fromRouter {
				t.Errorf("remember %q (from router %v), want %q (%v)", r.Scheduler, r.SchedulerFromRouter, want, c.fromRouter)
			}
			if r.RouterAsked != (c.router > 0) {
				t.Errorf("RouterAsked = %v with %d router requests", r.RouterAsked, c.router)
			}
			if got := [3]int{f.Requests("router"), f.Requests("su"), moved.Requests("su")}; got != [3]int{c.router, c.su, c.movedSU} {
				t.Errorf("requests router/SU/moved SU = %v, want %v", got, [3]int{c.router, c.su, c.movedSU})
			}
		})
	}
}

// A remembered SU that is down while the router gives no answer either:
// the SU's failure stands, and its location is kept (nothing says it
// moved).
func TestRememberedSchedulerDownAndRouterSilent(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 4, 5)
	down := refusing(t)
	c := newClient(f)
	c.RouterURL = refusing(t)
	r := c.CheckAt(context.Background(), pid, f.State.URL, Where{SU: down})
	var e *check.Error
	if !errors.As(r.SUErr, &e) || e.Kind != check.Unreachable || e.Host != escape.Host(down) {
		t.Fatalf("SUErr = %v, want the remembered SU unreachable", r.SUErr)
	}
	if r.Scheduler != down || r.SchedulerFromRouter || !r.RouterAsked {
		t.Errorf("remember %q (from router %v, asked %v), want %q kept", r.Scheduler, r.SchedulerFromRouter, r.RouterAsked, down)
	}
}

// An SU that answers with another process's assignment, or redirects, is
// not the process's scheduler any more: the router is asked.
func TestRememberedSchedulerAnswersWrongly(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"another process": func(w http.ResponseWriter, _ *http.Request) {
			w.Write(aotest.LatestBody(strings.Repeat("x", 43), "999", 0))
		},
		"a redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusTemporaryRedirect)
		},
		"a 404": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := aotest.Start()
			defer f.Close()
			f.Set(pid, 4, 5)
			stale, asked := counting(t, h)
			r := newClient(f).CheckAt(context.Background(), pid, f.State.URL, Where{SU: stale.URL})
			if r.SUErr != nil || *r.SUNonce != 5 || r.Scheduler != f.SU.URL || !r.SchedulerFromRouter {
				t.Errorf("got %v, %v, remember %q; want 5 from %s", r.SUNonce, r.SUErr, r.Scheduler, f.SU.URL)
			}
			if asked.Load() != 1 || f.Requests("router") != 1 {
				t.Errorf("stale SU asked %d times, router %d; want 1 and 1", asked.Load(), f.Requests("router"))
			}
		})
	}
}

// The router's answer is checked before it is followed or remembered.
func TestRouterLocationChecked(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 4, 5)
	target, asked := counting(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(aotest.LatestBody(pid, "5", 0)) })
	withCreds := strings.Replace(target.URL, "http://", "http://user:secret@", 1)
	for _, loc := range []string{withCreds + "/" + pid + "/latest", "javascript:alert(1)", target.URL + "/" + strings.Repeat("a", 2000) + "/" + pid + "/latest"} {
		f.PlaceOn(pid, strings.TrimSuffix(loc, "/"+pid+"/latest"))
		r := newClient(f).CheckAt(context.Background(), pid, f.State.URL, Where{})
		if r.SUErr == nil || r.Scheduler != "" {
			t.Errorf("location %.60q: followed or remembered (%q, %v)", loc, r.Scheduler, r.SUErr)
		}
		if strings.Contains(r.ErrorText(), "secret") {
			t.Errorf("the error shows the credentials: %s", r.ErrorText())
		}
	}
	if asked.Load() != 0 {
		t.Errorf("a refused location was asked %d times", asked.Load())
	}
	// An answer for another process, after the router's 307, is an error.
	other := strings.Repeat("y", 43)
	wrong, _ := counting(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(aotest.LatestBody(other, "5", 0)) })
	f.PlaceOn(pid, wrong.URL)
	r := newClient(f).Check(context.Background(), pid, f.State.URL)
	if check.KindOf(r.SUErr) != check.BadResponse || !strings.Contains(r.ErrorText(), "another process") {
		t.Errorf("an answer for another process: %v", r.SUErr)
	}
}
