// Package aotest runs local stand-ins for a state server, the scheduler
// router (which answers 307 to the SU) and an SU, shaped like the real
// endpoints, with injectable faults and latency. Tests and the benchmark
// use it; nothing here touches the network beyond loopback.
package aotest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld"
)

// Fault is a way an endpoint misbehaves for one process.
type Fault string

const (
	OK Fault = ""
	// Status500 is a state server's 500 on every read (a process failing
	// at slot 0, or a damaged store; CrashAt is the usual crash, once),
	// and a plain 500 from an SU.
	Status500   Fault = "500"
	Status429   Fault = "429"
	HTML        Fault = "html"
	Empty       Fault = "empty"
	NotInteger  Fault = "not-integer"
	Hang        Fault = "hang" // never answers until the client gives up
	NotJSON     Fault = "not-json"
	NoNonce     Fault = "no-nonce"
	NoAssign    Fault = "no-assignment"
	Unknown     Fault = "unknown-process"
	RedirectRun Fault = "redirect-loop"
	// Hostile answers 502 with HostileText as its body: what a hostile or
	// compromised node can send.
	Hostile Fault = "hostile"
	// ComputeError is a device's compute error: 400 with a multipart body.
	ComputeError Fault = "compute-error"
	// NoMessages is the SU's 400 "Latest message not available".
	NoMessages Fault = "no-messages"
	// DatabaseError is the router's 400 when its database is in trouble.
	DatabaseError Fault = "database-error"
	// Forbidden is a 403 JSON: the process is not on the allow-list.
	Forbidden Fault = "forbidden"
	// Redirect is a state server's 307 to another URL (RedirectTo).
	Redirect Fault = "redirect"
	// Huge is an SU /latest whose message carries 10 MiB of data, written
	// as it is produced (the stand-in never holds it either).
	Huge Fault = "huge"
	// Gateway is a proxy's 502 page for a node behind it that is down.
	Gateway Fault = "gateway"
	// NotANode is a state-url served by something that is not a
	// HyperBEAM node: its 404 page for every path.
	NotANode Fault = "not-a-node"
)

// The scheduler's real bodies (docs/ao-endpoints.md).
const (
	RouterNotFound = `{"error":"NotFound(\"Process scheduler not found\")"}`
	RouterDatabase = `{"error":"DatabaseError(\"Failed to get connection from read pool.\")"}`
	SUNoMessage    = `{"error":"Latest message not available"}`
)

// HugeData is the size of the message data a Huge /latest carries.
const HugeData = 10 << 20

// HostileText carries every shape of text that has bitten an output
// channel: workflow commands after line breaks (and the legacy form), HTML,
// Markdown links, table breaks, Slack mentions and links, bare URLs.
const HostileText = "<img src=x onerror=alert(1)> [x](https://evil.example) a|b <!channel> www.evil.example" +
	"\n::error::x\r::set-output name=state-changed::z ##[error]y"

// Process is what the stand-ins know of one process.
type Process struct {
	StateSlot  int64 // the slot the node has cached (-1: none computed yet)
	SUNonce    int64
	StateFault Fault
	SUFault    Fault

	uncached bool    // the node holds no slot: the next read computes
	compute  compute // what that computation does
}

// Fleet is the three stand-ins. Unknown processes get the scheduler's real
// 400 NotFound answer and a state-server 404.
type Fleet struct {
	State, Router, SU *httptest.Server
	// Latency is added to every request of every stand-in.
	Latency time.Duration
	// BeforeEach, if set, is called as each request arrives, before it is
	// answered: a test synchronises with a pass in flight through it. Set
	// it before the first request.
	BeforeEach func(*http.Request)

	suURL string // where the router redirects; "" for SU.URL

	// RedirectTo is where a Redirect fault points.
	RedirectTo string

	mu         sync.Mutex
	suFor      map[string]string // a process's SU base URL, when not SU's
	stateDown  bool
	stateHang  bool // accepts every request, answers none
	stateProxy bool // a proxy in front of a dead node: 502 for everything
	routerHang bool
	processes  map[string]*Process
	requests   map[string]int // by server name
	inFlight   map[string]int // requests being served, by server name
	maxFlight  map[string]int // the most served at once, by server name
	conns      map[string]int // connections opened, by server name
	sus        suSet          // SUs beyond SU, and moves between them (moves.go)
}

// Start starts the stand-ins on loopback; call Close when done.
func Start() *Fleet {
	f := &Fleet{processes: map[string]*Process{}, requests: map[string]int{}, conns: map[string]int{}}
	f.State = f.start("state", f.serveState, nil)
	f.SU = f.start("su", f.serveSU, nil)
	f.Router = f.start("router", f.serveRouter, nil)
	return f
}

// StartListening starts the stand-ins on the given listeners, for a run
// outside tests (cmd/standins). suURL is the SU's address as the action
// reaches it: the router redirects there.
func StartListening(state, router, su net.Listener, suURL string) *Fleet {
	f := &Fleet{processes: map[string]*Process{}, requests: map[string]int{}, conns: map[string]int{}, suURL: suURL}
	f.State = f.start("state", f.serveState, state)
	f.SU = f.start("su", f.serveSU, su)
	f.Router = f.start("router", f.serveRouter, router)
	return f
}

func (f *Fleet) start(name string, h http.HandlerFunc, l net.Listener) *httptest.Server {
	return fakeworld.Serve(f.count(name, h), l, func(srv *http.Server) {
		srv.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				f.mu.Lock()
				f.conns[name]++
				f.mu.Unlock()
			}
		}
	})
}

// Conns returns how many connections clients opened to the named stand-in.
func (f *Fleet) Conns(server string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[server]
}

// Close stops the stand-ins.
func (f *Fleet) Close() {
	f.State.Close()
	f.Router.Close()
	f.SU.Close()
	f.closeSUs()
}

// Set records a process's two nonces and clears its faults.
func (f *Fleet) Set(pid string, stateSlot, suNonce int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.processes[pid] = &Process{StateSlot: stateSlot, SUNonce: suNonce}
}

// Break makes the state server and/or the SU misbehave for pid.
func (f *Fleet) Break(pid string, state, su Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.processes[pid]
	if p == nil {
		p = &Process{}
		f.processes[pid] = p
	}
	p.StateFault, p.SUFault = state, su
}

// PlaceOn makes the router redirect pid to the SU at suURL.
func (f *Fleet) PlaceOn(pid, suURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.suFor == nil {
		f.suFor = map[string]string{}
	}
	f.suFor[pid] = suURL
}

// StateDown makes the state server drop every connection without an answer,
// as a dead server behind a load balancer does, until called with false.
func (f *Fleet) StateDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stateDown = down
}

// StateHang makes the state server accept every request and answer none
// (a hung node), until called with false.
func (f *Fleet) StateHang(hang bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stateHang = hang
}

// StateBehindDeadProxy makes a proxy answer 502 for the state server, on
// every path, as one in front of a node that is down does, until called
// with false.
func (f *Fleet) StateBehindDeadProxy(dead bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stateProxy = dead
}

// RouterHang makes the scheduler router accept every request and never
// answer, until called with false.
func (f *Fleet) RouterHang(hang bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routerHang = hang
}

// Requests returns how many requests the named stand-in ("state", "router",
// "su") has served.
func (f *Fleet) Requests(server string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[server]
}

// MaxInFlight returns the most requests the named stand-in served at once.
func (f *Fleet) MaxInFlight(server string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxFlight[server]
}

func (f *Fleet) lookup(pid string) (Process, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.processes[pid]
	if !ok {
		return Process{}, false
	}
	return *p, true
}

func (f *Fleet) count(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests[name]++
		if f.inFlight == nil {
			f.inFlight, f.maxFlight = map[string]int{}, map[string]int{}
		}
		f.inFlight[name]++
		f.maxFlight[name] = max(f.maxFlight[name], f.inFlight[name])
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.inFlight[name]--
			f.mu.Unlock()
		}()
		if f.BeforeEach != nil {
			f.BeforeEach(r)
		}
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
