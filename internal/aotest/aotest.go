// Package aotest runs local stand-ins for a state server, the scheduler
// router (which answers 307 to the SU) and an SU, shaped like the real
// endpoints, with injectable faults and latency. Tests and the benchmark
// use it; nothing here touches the network beyond loopback.
package aotest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/org/nonce-monitor-action/internal/standin"
)

// Fault is a way an endpoint misbehaves for one process.
type Fault string

const (
	OK          Fault = ""
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
	Oversized   Fault = "oversized"
	RedirectRun Fault = "redirect-loop"
	// Hostile answers 502 with HostileText as its body: what a hostile or
	// compromised node can send.
	Hostile Fault = "hostile"
)

// HostileText carries every shape of text that has bitten an output
// channel: workflow commands after line breaks (and the legacy form), HTML,
// Markdown links, table breaks, Slack mentions and links, bare URLs.
const HostileText = "<img src=x onerror=alert(1)> [x](https://evil.example) a|b <!channel> www.evil.example" +
	"\n::error::x\r::set-output name=state-changed::z ##[error]y"

// Process is what the stand-ins know of one process.
type Process struct {
	StateSlot  int64
	SUNonce    int64
	StateFault Fault
	SUFault    Fault
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

	mu         sync.Mutex
	stateDown  bool
	routerHang bool
	processes  map[string]*Process
	requests   map[string]int // by server name
	conns      map[string]int // connections opened, by server name
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
	return standin.Serve(f.count(name, h), l, func(srv *http.Server) {
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

// StateDown makes the state server drop every connection without an answer,
// as a dead server behind a load balancer does, until called with false.
func (f *Fleet) StateDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stateDown = down
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
		f.mu.Unlock()
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

func (f *Fleet) serveState(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down := f.stateDown
	f.mu.Unlock()
	if down {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	pid, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "~process@1.0/compute/at-slot")
	if !ok {
		http.NotFound(w, r)
		return
	}
	p, known := f.lookup(pid)
	if !known {
		http.NotFound(w, r)
		return
	}
	if fault(w, r, p.StateFault) {
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	switch p.StateFault {
	case NotInteger:
		fmt.Fprint(w, "14204.5")
	default:
		fmt.Fprint(w, p.StateSlot)
	}
}

func (f *Fleet) serveRouter(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	hang := f.routerHang
	f.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	pid, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/latest")
	if !ok {
		http.NotFound(w, r)
		return
	}
	p, _ := f.lookup(pid)
	if p.SUFault == RedirectRun {
		http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
		return
	}
	su := f.suURL
	if su == "" {
		su = f.SU.URL
	}
	http.Redirect(w, r, su+"/"+pid+"/latest", http.StatusTemporaryRedirect)
}

func (f *Fleet) serveSU(w http.ResponseWriter, r *http.Request) {
	pid, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/latest")
	p, known := f.lookup(pid)
	if !known || p.SUFault == Unknown {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"NotFound(\"Process scheduler not found\")"}`)
		return
	}
	if fault(w, r, p.SUFault) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch p.SUFault {
	case NotJSON:
		fmt.Fprint(w, "Nonce: 14204")
	case NoAssign:
		fmt.Fprint(w, `{"message":{"id":"x"}}`)
	case NoNonce:
		w.Write(LatestBody(pid, "", 0))
	case NotInteger:
		w.Write(LatestBody(pid, "fourteen", 0))
	case Oversized:
		w.Write(LatestBody(pid, "1", 9<<20))
	default:
		w.Write(LatestBody(pid, fmt.Sprint(p.SUNonce), 0))
	}
}

// fault writes the faults common to both endpoints; it reports whether it
// answered.
func fault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case Status500:
		http.Error(w, "internal error", http.StatusInternalServerError)
	case Status429:
		w.Header().Set("Retry-After", "0")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case HTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
	case Empty:
		w.WriteHeader(http.StatusOK)
	case Hang:
		<-r.Context().Done()
	case Hostile:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, HostileText)
	default:
		return false
	}
	return true
}

// LatestBody is an SU /latest answer shaped like the real one (about 3.5
// KB). An empty nonce leaves the Nonce tag out; padding adds message data.
func LatestBody(pid, nonce string, padding int) []byte {
	key := strings.Repeat("q", 683) // an RSA key in base64url is about this long
	tags := []map[string]string{
		{"name": "Process", "value": pid},
		{"name": "Epoch", "value": "0"},
	}
	if nonce != "" {
		tags = append(tags, map[string]string{"name": "Nonce", "value": nonce})
	}
	tags = append(tags,
		map[string]string{"name": "Hash-Chain", "value": "-W0NJGXV4Z_Ulrw8TnjOQjulmmutVx4dRYZgKH4RV7o"},
		map[string]string{"name": "Block-Height", "value": "000001772658"},
		map[string]string{"name": "Timestamp", "value": "1760288502319"},
		map[string]string{"name": "Data-Protocol", "value": "ao"},
		map[string]string{"name": "Type", "value": "Assignment"},
		map[string]string{"name": "Variant", "value": "ao.TN.1"},
	)
	body, _ := json.Marshal(map[string]any{
		"message": map[string]any{
			"id": "msg", "owner": map[string]string{"address": "addr", "key": key},
			"data": strings.Repeat("d", padding) + "1984", "tags": []map[string]string{{"name": "Action", "value": "Mint"}},
			"signature": strings.Repeat("s", 683), "anchor": "00000000000000000000000000000001", "target": pid,
		},
		"assignment": map[string]any{
			"id": "asg", "owner": map[string]string{"address": "addr", "key": key},
			"tags": tags, "signature": strings.Repeat("s", 683), "anchor": nil, "target": "",
		},
	})
	return body
}
