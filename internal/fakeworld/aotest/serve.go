package aotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// How the router and the SU answer, and the faults they play (node.go is
// the state server).

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
		send(w, http.StatusBadRequest, "application/json", RouterDatabase)
		return
	case Forbidden:
		send(w, http.StatusForbidden, "application/json", `{"error":"Process not in allow list"}`)
		return
	}
	su := f.routeTo(pid)
	// The real router sends an empty body; http.Redirect would add HTML.
	w.Header().Set("Location", su+"/"+pid+"/latest")
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// serveSUOn answers as the SU named su (moves.go: which processes it holds).
func (f *Fleet) serveSUOn(su string, w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down := f.sus.down[su]
	f.mu.Unlock()
	if down {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	pid, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/latest")
	p, known := f.lookupOn(su, pid)
	if !known || p.SUFault == Unknown {
		send(w, http.StatusBadRequest, "application/json", RouterNotFound)
		return
	}
	switch p.SUFault {
	case NoMessages:
		send(w, http.StatusBadRequest, "application/json", SUNoMessage)
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
		send(w, http.StatusOK, "text/html", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
	case Empty:
		w.WriteHeader(http.StatusOK)
	case Hang:
		<-r.Context().Done()
	case Gateway:
		send(w, http.StatusBadGateway, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>")
	case Hostile:
		send(w, http.StatusBadGateway, "text/plain", HostileText)
	default:
		return false
	}
	return true
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

// send answers with status, a Content-Type and body, as the servers do.
func send(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}
