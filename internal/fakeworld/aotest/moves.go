package aotest

import (
	"net/http"
	"net/http/httptest"
)

// More SUs than one, processes that move between them, and a router that
// flaps. A process can be moved to another SU while the SU it left goes
// on answering /latest for it, with a nonce that no longer moves: the
// stand-ins play that, and a router whose answers alternate between SUs.

// suSet is the fleet's SUs beyond its own, and where each process is.
// Guarded by Fleet.mu.
type suSet struct {
	extra  map[string]*httptest.Server // by name
	home   map[string]string           // pid → the SU holding it; "su" when absent
	frozen map[string]map[string]int64 // SU name → pid → the nonce it stopped at
	flap   map[string][]string         // pid → SU names the router names in turn
	turn   map[string]int              // pid → router requests so far, for flap
	down   map[string]bool             // SU names that drop every connection
}

// AddSU starts another SU stand-in in the fleet under name (its requests
// are Requests(name)); it answers for the processes Move puts on it and,
// frozen, for those Freeze gives it. Close stops it with the rest.
func (f *Fleet) AddSU(name string) *httptest.Server {
	srv := f.start(name, func(w http.ResponseWriter, r *http.Request) { f.serveSUOn(name, w, r) }, nil)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sus.extra == nil {
		f.sus.extra = map[string]*httptest.Server{}
	}
	f.sus.extra[name] = srv
	return srv
}

// Move moves pid to the SU named to ("su", the fleet's own, or one
// AddSU started): the router names it from now on, and it answers with
// the process's nonce (Set), while the SU the process left goes on
// answering for it with the nonce it had then, which no longer moves.
func (f *Fleet) Move(pid, to string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	from := f.homeOf(pid)
	if p := f.processes[pid]; p != nil && from != to {
		f.freeze(from, pid, p.SUNonce)
	}
	if f.sus.home == nil {
		f.sus.home = map[string]string{}
	}
	f.sus.home[pid] = to
	delete(f.sus.frozen[to], pid)
}

// Freeze makes the SU named su answer for pid with nonce, whatever the
// process does since: a copy of its schedule that stopped (a replica the
// router may name, or the SU the process left).
func (f *Fleet) Freeze(su, pid string, nonce int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.freeze(su, pid, nonce)
}

func (f *Fleet) freeze(su, pid string, nonce int64) {
	if f.sus.frozen == nil {
		f.sus.frozen = map[string]map[string]int64{}
	}
	if f.sus.frozen[su] == nil {
		f.sus.frozen[su] = map[string]int64{}
	}
	f.sus.frozen[su][pid] = nonce
}

// Flap makes the router name, for pid, each of the SUs named in turn, one
// a request (replicas of a router that disagree about where the process
// is); Flap(pid) alone ends it.
func (f *Fleet) Flap(pid string, sus ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sus.flap == nil {
		f.sus.flap, f.sus.turn = map[string][]string{}, map[string]int{}
	}
	f.sus.flap[pid], f.sus.turn[pid] = sus, 0
	if len(sus) == 0 {
		delete(f.sus.flap, pid)
	}
}

// SUDown makes the SU named su drop every connection without an answer,
// as a dead SU behind a load balancer does (a retired SU a router may
// still name), until called with false. Unlike a closed stand-in, its
// address is never another server's.
func (f *Fleet) SUDown(su string, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sus.down == nil {
		f.sus.down = map[string]bool{}
	}
	f.sus.down[su] = down
}

// homeOf is the SU holding pid. Called with f.mu held.
func (f *Fleet) homeOf(pid string) string {
	if h, ok := f.sus.home[pid]; ok {
		return h
	}
	return "su"
}

// urlOf is the base URL of the SU named su, as the action reaches it.
// Called with f.mu held.
func (f *Fleet) urlOf(su string) string {
	if srv, ok := f.sus.extra[su]; ok {
		return srv.URL
	}
	if f.suURL != "" {
		return f.suURL
	}
	return f.SU.URL
}

// routeTo is the SU base URL the router names for pid: in turn while it
// flaps, else where PlaceOn put it, else the SU holding it.
func (f *Fleet) routeTo(pid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sus := f.sus.flap[pid]; len(sus) > 0 {
		su := sus[f.sus.turn[pid]%len(sus)]
		f.sus.turn[pid]++
		return f.urlOf(su)
	}
	if placed, ok := f.suFor[pid]; ok {
		return placed
	}
	return f.urlOf(f.homeOf(pid))
}

// lookupOn is pid as the SU named su knows it: the process, with its
// faults, on the SU holding it; only the nonce it stopped at on an SU
// that froze it; unknown elsewhere.
func (f *Fleet) lookupOn(su, pid string) (Process, bool) {
	f.mu.Lock()
	frozen, isFrozen := f.sus.frozen[su][pid]
	home := f.homeOf(pid)
	f.mu.Unlock()
	switch {
	case isFrozen:
		return Process{SUNonce: frozen}, true
	case home != su:
		return Process{}, false
	}
	return f.lookup(pid)
}

func (f *Fleet) closeSUs() {
	f.mu.Lock()
	extra := f.sus.extra
	f.mu.Unlock()
	for _, srv := range extra {
		srv.Close()
	}
}

func (f *Fleet) serveSU(w http.ResponseWriter, r *http.Request) { f.serveSUOn("su", w, r) }
