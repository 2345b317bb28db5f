package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// One dead state server among healthy ones: the healthy processes are
// checked as usual, the dead server's are failing with a clear reason after
// a few requests (not one per process), and they open one server incident.
func TestOneDeadHostAmongHealthyOnes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dead := aotest.Start()
	t.Cleanup(dead.Close)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 5, 5)
	}
	dead.StateHang(true) // it accepts connections and answers nothing, its address probe neither
	entries := []string{}
	for i := range 12 {
		pid := fmt.Sprintf("Z%042d", i)
		h.fleet.Set(pid, 5, 5) // the scheduler knows it
		dead.Set(pid, 5, 5)
		entries = append(entries, fmt.Sprintf("%q: %q", pid, dead.State.URL))
	}
	os.WriteFile(filepath.Join(h.ws, "map.json"), []byte("{"+strings.Join(entries, ",")+"}"), 0o644)

	r := h.run(map[string]string{"process-map-file": "map.json", "concurrency": "2", "request-timeout": "2s"})
	if r.outputs["checked-count"] != "15" || r.outputs["error-count"] != "12" || r.outputs["behind-count"] != "0" {
		t.Fatalf("outputs %v\n%s", r.outputs, r.stdout)
	}
	for _, pid := range []string{pidA, pidB, pidC} {
		if !strings.Contains(r.stdout, "✓ "+pid) {
			t.Errorf("healthy %s not checked:\n%s", pid, r.stdout)
		}
	}
	if n := dead.Requests("state"); n >= 12 {
		t.Errorf("the dead server got %d requests for 12 processes: the breaker did not stop them", n)
	}
	if !strings.Contains(r.stdout, "down: not asked, after earlier requests of this pass got no answer") {
		t.Errorf("no process says its server is down:\n%s", r.stdout)
	}
	var servers []string
	for _, ev := range h.pd.Accepted() {
		if strings.HasPrefix(ev.DedupKey, "nonce-monitor-server-") {
			servers = append(servers, ev.DedupKey)
		} else {
			t.Errorf("unexpected event %s", ev.DedupKey)
		}
	}
	if len(servers) != 1 {
		t.Errorf("server incidents %v, want one", servers)
	}
}

// A state server that answers some requests and hangs on others is not
// declared down, even when three hangs come in a row between its answers:
// its hanging requests time out one by one, each once (a retry would
// restart the node's work), and they are the node loading those
// processes: no page, no failure, nothing resolved.
func TestAFlappingHostIsNotDeclaredDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for i := range 5 {
		pid := fmt.Sprintf("Y%042d", i)
		h.fleet.Set(pid, 5, 5)
		if i%4 != 0 { // answered, hang, hang, hang, answered
			h.fleet.Break(pid, aotest.Hang, aotest.OK)
		}
		ids = append(ids, pid)
	}
	r := h.run(map[string]string{"process-ids": strings.Join(ids, "\n"), "concurrency": "1", "request-timeout": "2s",
		"max-retries": "0", "group-threshold": "0"})
	if r.outputs["error-count"] != "0" || r.outputs["triggered-count"] != "0" || strings.Contains(r.stdout, "down: not asked") {
		t.Fatalf("error-count %s, triggered %s\n%s", r.outputs["error-count"], r.outputs["triggered-count"], r.stdout)
	}
	loading := 0
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "⏳ ") && strings.Contains(line, "loading") {
			loading++
		}
	}
	if loading != 3 || h.fleet.Requests("state") != 5 {
		t.Errorf("want 3 processes loading, each read once (5 reads; got %d):\n%s", h.fleet.Requests("state"), r.stdout)
	}
	if !strings.Contains(r.summary, "3 loading") {
		t.Errorf("the summary does not say 3 loading:\n%s", r.summary)
	}
}
