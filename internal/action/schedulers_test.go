package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/history"
)

func (h *harness) historyFile() string {
	b, err := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-history.json"))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

func (h *harness) schedulers() history.Schedulers {
	s, err := history.ParseSchedulers([]byte(h.historyFile()), routerMark(h.fleet.Router.URL))
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// requestCounter says how many requests the router and the SUs have
// served since its last call.
type requestCounter struct {
	f            *aotest.Fleet
	lastR, lastS int
}

func (c *requestCounter) pass() (router, su int) {
	r, s := c.f.Requests("router"), c.f.Requests("su")
	router, su = r-c.lastR, s-c.lastS
	c.lastR, c.lastS = r, s
	return router, su
}

func healthy(h *harness) {
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 100, 100)
	}
}

// The first pass asks the router for every process and remembers its
// answers; the next asks each SU directly, the router not at all.
func TestWarmPassAsksNoRouter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	c := &requestCounter{f: h.fleet}
	if r := h.run(nil); r.exit != 0 {
		t.Fatalf("cold pass exit %d:\n%s", r.exit, r.stdout)
	}
	if router, su := c.pass(); router != 3 || su != 3 {
		t.Errorf("cold pass: router %d, SU %d requests; want 3 and 3", router, su)
	}
	if s := h.schedulers(); len(s) != 3 || s[pidA].URL != h.fleet.SU.URL || !s[pidA].Learned.Equal(day1) {
		t.Errorf("remembered %v, want the three on %s learned %s", s, h.fleet.SU.URL, day1)
	}
	h.now = day1.Add(5 * time.Minute)
	r := h.run(nil)
	if r.exit != 0 {
		t.Fatalf("warm pass exit %d:\n%s", r.exit, r.stdout)
	}
	if router, su := c.pass(); router != 0 || su != 3 {
		t.Errorf("warm pass: router %d, SU %d requests; want 0 and 3", router, su)
	}
	if !strings.Contains(r.stdout, "no request to the scheduler router") {
		t.Errorf("the log does not say the router was not asked:\n%s", r.stdout)
	}
	// What was answered keeps the time it was learned: it still expires.
	if s := h.schedulers(); !s[pidA].Learned.Equal(day1) {
		t.Errorf("learned %s, want %s kept", s[pidA].Learned, day1)
	}
}

// A process whose SU moved costs one router request, in that pass only,
// and is checked in it.
func TestMovedSchedulerCostsOneRouterRequestOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	moved := aotest.Start()
	defer moved.Close()
	c := &requestCounter{f: h.fleet}
	h.run(nil)
	c.pass()

	h.fleet.Break(pidB, "", aotest.Unknown) // the old SU no longer knows it
	moved.Set(pidB, 100, 100)
	h.fleet.PlaceOn(pidB, moved.SU.URL)
	h.now = day1.Add(5 * time.Minute)
	r := h.run(nil)
	if r.exit != 0 || r.outputs["error-count"] != "0" || len(h.pd.Accepted()) != 0 {
		t.Fatalf("the move showed as trouble: exit %d, errors %s, %d events:\n%s", r.exit, r.outputs["error-count"], len(h.pd.Accepted()), r.stdout)
	}
	if router, su := c.pass(); router != 1 || su != 3 || moved.Requests("su") != 1 {
		t.Errorf("pass of the move: router %d, old SU %d, new SU %d; want 1, 3, 1", router, su, moved.Requests("su"))
	}
	if s := h.schedulers(); s[pidB].URL != moved.SU.URL || !s[pidB].Learned.Equal(h.now) {
		t.Errorf("remembered %v for the moved process, want %s", s[pidB], moved.SU.URL)
	}
	h.now = day1.Add(10 * time.Minute)
	h.run(nil)
	if router, su := c.pass(); router != 0 || su != 2 || moved.Requests("su") != 2 {
		t.Errorf("pass after the move: router %d, old SU %d, new SU %d; want 0, 2, 2", router, su, moved.Requests("su")-1)
	}
}

// A remembered SU that is down: the router is asked in the same pass. If
// it names the same SU, that SU's failure stands, charged to it (not to
// the router), and the location is kept; if it names another, the process
// is checked.
func TestRememberedSchedulerDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	other := aotest.Start()
	other.Set(pidA, 100, 100)
	h.fleet.PlaceOn(pidA, other.SU.URL)
	h.run(nil)
	otherURL := other.SU.URL
	other.Close() // pidA's SU is down

	h.now = day1.Add(5 * time.Minute)
	r := h.run(map[string]string{"max-retries": "0"})
	if !strings.Contains(r.stdout, "✗ "+pidA+": scheduler "+strings.TrimPrefix(otherURL, "http://")) {
		t.Errorf("the down SU is not charged with the failure:\n%s", r.stdout)
	}
	if r.outputs["error-count"] != "1" {
		t.Errorf("error-count %s, want 1 (the others are fine)", r.outputs["error-count"])
	}
	if s := h.schedulers(); s[pidA].URL != otherURL || !s[pidA].Learned.Equal(h.now) {
		t.Errorf("remembered %v, want %s (the router named it again)", s[pidA], otherURL)
	}

	h.fleet.PlaceOn(pidA, h.fleet.SU.URL) // moved back
	h.now = day1.Add(10 * time.Minute)
	r = h.run(map[string]string{"max-retries": "0"})
	if r.outputs["error-count"] != "0" {
		t.Errorf("the process on its new SU is not checked:\n%s", r.stdout)
	}
	if s := h.schedulers(); s[pidA].URL != h.fleet.SU.URL {
		t.Errorf("remembered %v, want %s", s[pidA], h.fleet.SU.URL)
	}
}

// The history file is in the workspace: a location written there that is
// not what the router would be trusted to say is never asked and never
// shown, and the next file no longer holds it.
func TestHostileRememberedLocation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	withCreds := strings.Replace(h.fleet.SU.URL, "http://", "http://user:s3cr3t@", 1)
	at := day1.Add(-time.Hour).Unix()
	// The file names this router: only the locations themselves are wrong.
	raw := fmt.Sprintf(`{"version":1,"samples":{},"router":%q,"schedulers":{%q:{%q:%d},%q:{%q:%d},%q:{%q:%d},%q:{%q:%d}}}`,
		routerMark(h.fleet.Router.URL), withCreds, pidA, at,
		"javascript:alert(document.cookie)//x", pidB, at,
		h.fleet.SU.URL+"/"+strings.Repeat("a", 100_000), pidC, at,
		h.fleet.SU.URL+"/\n::error::injected%0A", "D000000000000000000000000000000000000000000", at)
	if err := os.WriteFile(filepath.Join(h.ws, ".nonce-monitor-history.json"), []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &requestCounter{f: h.fleet}
	r := h.run(nil)
	if r.exit != 0 {
		t.Fatalf("exit %d:\n%s", r.exit, r.stdout)
	}
	if router, su := c.pass(); router != 3 || su != 3 {
		t.Errorf("router %d, SU %d requests; want 3 and 3 (each through the router, none to a hostile location)", router, su)
	}
	for _, bad := range []string{"s3cr3t", "javascript", "aaaaaaaaaa", "::error::injected"} {
		if strings.Contains(r.stdout+r.summary, bad) || strings.Contains(h.historyFile(), bad) {
			t.Errorf("%q reached the log, the summary or the next history file", bad)
		}
	}
	if s := h.schedulers(); len(s) != 3 || s[pidA].URL != h.fleet.SU.URL {
		t.Errorf("remembered %v, want the router's answers only", s)
	}
}

// A warm pass keeps every host to concurrency requests at once, the SU
// included, though processes on two state servers have two sets of
// workers asking it.
func TestWarmPassKeepsThePerHostLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	second := aotest.Start()
	defer second.Close()
	h.fleet.Latency, second.Latency = 5*time.Millisecond, 5*time.Millisecond
	var ids strings.Builder
	for i := range 40 {
		pid := fmt.Sprintf("P%042d", i)
		h.fleet.Set(pid, 100, 100)
		second.Set(pid, 100, 100)
		if i%2 == 0 {
			ids.WriteString(pid + " " + second.State.URL + "\n")
		} else {
			ids.WriteString(pid + "\n")
		}
	}
	// The file's format: an inline list has no second field (the URLs
	// would be entries that are not processes).
	if err := os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(ids.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	in := map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "concurrency": "3"}
	for pass := range 2 {
		h.now = day1.Add(time.Duration(pass) * 5 * time.Minute)
		if r := h.run(in); r.exit != 0 || r.outputs["error-count"] != "0" {
			t.Fatalf("pass %d: exit %d:\n%s", pass, r.exit, r.stdout)
		}
	}
	if h.fleet.Requests("state") != 40 || second.Requests("state") != 40 {
		t.Errorf("state servers asked %d and %d times; want 40 each (20 processes each, two passes)", h.fleet.Requests("state"), second.Requests("state"))
	}
	// The second pass re-checks the few processes whose hour came round
	// (the router asked beside the SU, which it names again).
	due := 0
	for i := range 40 {
		sch := history.Scheduler{URL: h.fleet.SU.URL, Learned: day1}
		if _, recheck := sch.Ask(fmt.Sprintf("P%042d", i), day1.Add(5*time.Minute)); recheck {
			due++
		}
	}
	if h.fleet.Requests("su") != 80 || h.fleet.Requests("router") != 40+due {
		t.Errorf("SU %d, router %d requests; want 80 and %d", h.fleet.Requests("su"), h.fleet.Requests("router"), 40+due)
	}
	for _, server := range []string{"su", "router"} {
		if n := h.fleet.MaxInFlight(server); n > 3 {
			t.Errorf("%s: %d requests at once, over concurrency 3", server, n)
		}
	}
}

// A manual run on a few processes forgets nothing remembered of the rest:
// the next scheduled pass is still warm for all of them.
func TestManualRunKeepsTheSchedulersOfWhatItDoesNotList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy(h)
	c := &requestCounter{f: h.fleet}
	// The scheduled job lists a file; the manual run one process inline.
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
	scheduled := map[string]string{"process-ids": "", "process-ids-file": "ids.txt"}
	h.fleet.Set(pidA, 100, 1000) // an open incident: the state file records the lists
	h.event = "schedule"
	h.run(scheduled)
	c.pass()
	if h.stateFile() == "" {
		t.Fatal("no state file")
	}
	h.now, h.event = day1.Add(2*time.Minute), "workflow_dispatch"
	h.run(map[string]string{"process-ids": pidB})
	if s := h.schedulers(); len(s) != 3 {
		t.Errorf("the manual run left %d remembered schedulers, want 3", len(s))
	}
	h.now, h.event = day1.Add(5*time.Minute), "schedule"
	h.run(scheduled)
	if router, _ := c.pass(); router != 0 {
		t.Errorf("router asked %d times after a manual run, want 0", router)
	}
}
