package action

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Write-ahead: when PagerDuty receives an event, the state file already
// records it (its incident open and unconfirmed), so a runner killed
// mid-send leaves the event to be decided again, never forgotten.
func TestIntentIsOnDiskBeforeEachEventIsSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	target, err := url.Parse(h.pd.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var seen []string // "<action> <dedup key>: <what the file held>"
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var ev struct {
			Action string `json:"event_action"`
			Key    string `json:"dedup_key"`
		}
		if json.Unmarshal(body, &ev) == nil && ev.Key != "" {
			file := h.stateFile()
			held := "missing"
			if strings.Contains(file, ev.Key) {
				held = "recorded"
				if strings.Contains(file, `"unconfirmed": true`) {
					held = "recorded unconfirmed"
				}
			}
			mu.Lock()
			seen = append(seen, ev.Action+": "+held)
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	in := map[string]string{"pagerduty-events-url": front.URL}

	h.fleet.Set(pidA, 100, 1000)
	h.fleet.Set(pidB, 100, 100)
	h.fleet.Set(pidC, 100, 100)
	if r := h.run(in); r.exit != 0 || len(h.pd.Open()) != 1 {
		t.Fatalf("trigger pass: exit %d, open %v:\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	h.fleet.Set(pidA, 1000, 1000)
	h.now = day1.Add(5 * time.Minute)
	if r := h.run(in); r.exit != 0 || len(h.pd.Open()) != 0 {
		t.Fatalf("resolve pass: exit %d, open %v:\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"trigger: recorded unconfirmed", "resolve: recorded unconfirmed"}
	if strings.Join(seen, "; ") != strings.Join(want, "; ") {
		t.Errorf("the state file when each event reached PagerDuty: %q, want %q", seen, want)
	}
}
