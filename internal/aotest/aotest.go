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
	OK Fault = ""
	// Status500 is HyperBEAM's answer for a process whose computation
	// failed: 500 with an HTML error page (an SU answers a plain 500).
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
)

// Real bodies, from shared/reference/ao-endpoints.md.
const (
	NodeNotFoundPage = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
	NodeErrorPage    = "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>" +
		"<pre>{badmatch,{error,not_found}} in dev_process:compute/3</pre></body></html>"
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

	// RedirectTo is where a Redirect fault points.
	RedirectTo string

	mu         sync.Mutex
	suFor      map[string]string // a process's SU base URL, when not SU's
	stateDown  bool
	routerHang bool
	processes  map[string]*Process
	requests   map[string]int // by server name
	inFlight   map[string]int // requests being served, by server name
	maxFlight  map[string]int // the most served at once, by server name
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
	p, known := f.lookup(pid)
	if !ok || !known || p.StateFault == Unknown {
		NodeNotFound(w)
		return
	}
	switch p.StateFault {
	case Status500:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, NodeErrorPage)
		return
	case ComputeError:
		w.Header().Set("Content-Type", "multipart/form-data; boundary=b")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "--b\r\ncontent-disposition: form-data;name=\"body\"\r\n\r\nprocess error\r\n--b--\r\n")
		return
	case Redirect:
		http.Redirect(w, r, f.RedirectTo, http.StatusTemporaryRedirect)
		return
	}
	if fault(w, r, p.StateFault) {
		return
	}
	// HyperBEAM's default codec may send no Content-Type.
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
	switch p.SUFault {
	case DatabaseError:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, RouterDatabase)
		return
	case Forbidden:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":"Process not in allow list"}`)
		return
	}
	su := f.suURL
	if su == "" {
		su = f.SU.URL
	}
	f.mu.Lock()
	if placed, ok := f.suFor[pid]; ok {
		su = placed
	}
	f.mu.Unlock()
	// The real router sends an empty body; http.Redirect would add HTML.
	w.Header().Set("Location", su+"/"+pid+"/latest")
	w.WriteHeader(http.StatusTemporaryRedirect)
}

func (f *Fleet) serveSU(w http.ResponseWriter, r *http.Request) {
	pid, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/latest")
	p, known := f.lookup(pid)
	if !known || p.SUFault == Unknown {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, RouterNotFound)
		return
	}
	switch p.SUFault {
	case NoMessages:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, SUNoMessage)
		return
	case Huge:
		w.Header().Set("Content-Type", "application/json")
		writeHuge(w, pid, p.SUNonce)
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
	case Gateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>")
	case Hostile:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, HostileText)
	default:
		return false
	}
	return true
}

// NodeNotFound is a HyperBEAM node's 404: its own HTML page.
func NodeNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, NodeNotFoundPage)
}

// writeHuge writes a /latest whose message carries HugeData bytes of data
// before the assignment, a chunk at a time.
func writeHuge(w http.ResponseWriter, pid string, nonce int64) {
	whole := string(LatestBody(pid, fmt.Sprint(nonce), 0))
	const marker = `"data":"`
	head, tail, _ := strings.Cut(whole, marker)
	fmt.Fprint(w, head+marker)
	chunk := []byte(strings.Repeat("d", 64<<10))
	for range HugeData / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
	fmt.Fprint(w, tail)
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
	// The SU writes "message" before "assignment": marshalled apart so a
	// map's sorted keys do not swap them.
	message, _ := json.Marshal(map[string]any{
		"id": "msg", "owner": map[string]string{"address": "addr", "key": key},
		"data": strings.Repeat("d", padding) + "1984", "tags": []map[string]string{{"name": "Action", "value": "Mint"}},
		"signature": strings.Repeat("s", 683), "anchor": "00000000000000000000000000000001", "target": pid,
	})
	assignment, _ := json.Marshal(map[string]any{
		"id": "asg", "owner": map[string]string{"address": "addr", "key": key},
		"tags": tags, "signature": strings.Repeat("s", 683), "anchor": nil, "target": "",
	})
	return []byte(`{"message":` + string(message) + `,"assignment":` + string(assignment) + `}`)
}
