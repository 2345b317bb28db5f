package aotest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// The state server answers as a real HyperBEAM node does (docs/ao-endpoints.md,
// and the contract test that holds the two together): status, the headers
// that matter, the body, and its behaviour over time.
//
//   - 200: the bare slot, no Content-Type, chunked, with the node's ao-types
//     and about 2 KB of signature headers; -1 for a process with nothing
//     computed yet.
//   - A process it does not hold: 404, no Content-Type, the body and the
//     unavailable header naming the process, signed.
//   - A process with nothing cached: the read itself computes it from slot
//     0. A computation that fails answers 500 ("Oops!" and the failed step)
//     to that request only, and keeps the last good slot, which every later
//     request gets. One that takes long is abandoned when the client gives
//     up, keeping the slot it reached.
//   - Once any slot is cached, a read never computes further.

// The node's own bodies and headers.
const (
	nodeNotFoundPrefix = "Message necessary to resolve request not found: "
	nodeOops           = "Oops! Something went wrong. Here's the rundown:\n✅Parsing your request\n5⃣ Resolved steps of your execution\n"
	// NotNodePage is a 404 from whatever else serves a URL: a web server,
	// a proxy, not a HyperBEAM node (NotANode).
	NotNodePage = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
	// NodeAddress is what the node answers to GET /~meta@1.0/info/address.
	NodeAddress = "PdcxS1dVorp83epKdJq_rfCwALMNeAGrceFdwv35jms"
)

// NodeError is the node's 500 body for a computation that failed at slot.
func NodeError(slot int64) string {
	return nodeOops + fmt.Sprintf("❌Error fun dev_process:compute/3 -> {rt_crash_on_purpose,%d}\n", slot)
}

// NodeNotFound is the body of the node's 404 for a process it does not hold.
func NodeNotFound(pid string) string { return nodeNotFoundPrefix + pid }

// compute is what the node's next read of an uncached process does.
type compute struct {
	failsAt   *int64 // the computation fails computing this slot
	abandonAt *int64 // it reaches this slot, then runs until the client gives up
}

func (f *Fleet) serveState(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down, hang, proxy := f.stateDown, f.stateHang, f.stateProxy
	f.mu.Unlock()
	switch {
	case down:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	case hang:
		<-r.Context().Done()
		return
	case proxy:
		fault(w, r, Gateway)
		return
	}
	if r.URL.Path == "/~meta@1.0/info/address" {
		nodeAnswer(w, http.StatusOK, true, NodeAddress)
		return
	}
	pid, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "~process@1.0/compute/at-slot")
	p, known := f.lookup(pid)
	switch {
	case known && p.StateFault == NotANode:
		send(w, http.StatusNotFound, "text/html", NotNodePage)
		return
	case !ok || !known || p.StateFault == Unknown:
		w.Header().Set("Unavailable", pid)
		nodeAnswer(w, http.StatusNotFound, true, NodeNotFound(pid))
		return
	}
	switch p.StateFault {
	case Status500:
		// A store the node cannot read, or a process failing at slot 0:
		// every read runs the computation again, and fails again.
		nodeAnswer(w, http.StatusInternalServerError, false, NodeError(0))
		return
	case ComputeError:
		send(w, http.StatusBadRequest, "multipart/form-data; boundary=b", "--b\r\ncontent-disposition: form-data;name=\"body\"\r\n\r\nprocess error\r\n--b--\r\n")
		return
	case Redirect:
		http.Redirect(w, r, f.RedirectTo, http.StatusTemporaryRedirect)
		return
	}
	if fault(w, r, p.StateFault) {
		return
	}
	slot, failed := f.read(pid, r)
	switch {
	case failed != nil:
		nodeAnswer(w, http.StatusInternalServerError, false, NodeError(*failed))
	case slot == nil: // the client gave up: nobody to answer
	case p.StateFault == NotInteger:
		nodeAnswer(w, http.StatusOK, true, "14204.5")
	default:
		nodeAnswer(w, http.StatusOK, true, fmt.Sprint(*slot))
	}
}

// read is the node's at-slot: the cached slot, or, with none cached, the
// computation the read starts. It returns the slot to answer, or the slot
// whose computation failed, or neither (abandoned: the client left).
func (f *Fleet) read(pid string, r *http.Request) (slot, failed *int64) {
	f.mu.Lock()
	p := f.processes[pid]
	if !p.uncached {
		s := p.StateSlot
		f.mu.Unlock()
		return &s, nil
	}
	c := p.compute
	switch {
	case c.failsAt != nil:
		k := *c.failsAt
		if k > 0 {
			// The slots before it are kept: later reads answer them.
			p.StateSlot, p.uncached, p.compute = k-1, false, compute{}
		}
		f.mu.Unlock()
		return nil, &k
	case c.abandonAt != nil:
		// The computation reaches the partial slot at once and keeps it;
		// it runs on until the client gives up. A read after that answers
		// the partial slot at once, even before this handler has seen the
		// client go (it learns that only from the closed connection).
		p.StateSlot, p.uncached, p.compute = *c.abandonAt, false, compute{}
		f.mu.Unlock()
		<-r.Context().Done() // computing, until the client gives up
		return nil, nil
	}
	p.uncached = false
	s := p.StateSlot
	f.mu.Unlock()
	return &s, nil
}

// nodeAnswer writes an answer the way the node does: no Content-Type,
// chunked, its ao-types and status headers, and (signed) its HTTP message
// signature.
func nodeAnswer(w http.ResponseWriter, status int, signed bool, body string) {
	h := w.Header()
	h["Content-Type"] = nil // the node sends none (and the body is flushed after the header: nothing to sniff one from)
	if status == http.StatusOK {
		h.Set("Ao-Result", "body")
		h.Set("Ao-Types", `body="integer", status="integer"`)
	} else {
		h.Set("Ao-Types", `status="integer"`)
	}
	sum := sha256.Sum256([]byte(body))
	h.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	h.Set("Status", fmt.Sprint(status))
	h.Set("Server", "Cowboy")
	if signed {
		h.Set("Signature", "http-sig-d7314b5755a2ba7c=:"+strings.Repeat("EJnoEQ22Y2aSi+xINrw/g+b+", 29)+":")
		h.Set("Signature-Input", `http-sig-d7314b5755a2ba7c=("ao-types" "content-digest" "@status");alg="rsa-pss-sha512";keyid="`+
			strings.Repeat("vm0s369WNy1rEHgTLNlDvrs4tcF3", 24)+`"`)
	}
	w.WriteHeader(status)
	// Flushed before the body: chunked, with no Content-Length, as the
	// node's replies are.
	_ = http.NewResponseController(w).Flush()
	fmt.Fprint(w, body)
}

// CrashAt makes pid's next computation fail at slot k: the node is left
// with nothing cached, the read that computes gets the node's 500, and
// every read after it the last good slot, k-1 (with k = 0, nothing is
// kept, and every read fails again).
func (f *Fleet) CrashAt(pid string, k int64) {
	f.uncache(pid, compute{failsAt: &k})
}

// LoadsSlowly makes pid uncached, and its next computation so long that
// the read gives up first: the node abandons it at slot partial, which
// every later read gets at once.
func (f *Fleet) LoadsSlowly(pid string, partial int64) {
	f.uncache(pid, compute{abandonAt: &partial})
}

// Cold makes pid uncached: the next read computes it, at once, to its
// state slot.
func (f *Fleet) Cold(pid string) { f.uncache(pid, compute{}) }

func (f *Fleet) uncache(pid string, c compute) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.processes[pid]
	if p == nil {
		p = &Process{}
		f.processes[pid] = p
	}
	p.uncached, p.compute = true, c
}
