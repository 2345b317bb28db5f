package action

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/processlist"
)

// A wrong state-url (a server that is not a HyperBEAM node: 404 for
// everything): one configuration error naming the input and the URL
// without its credentials, no page per process.
func TestAWrongStateURLIsOneConfigurationError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	notANode := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, aotest.NotNodePage)
	}))
	t.Cleanup(notANode.Close)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 5, 5)
	}
	withCredentials := strings.Replace(notANode.URL, "http://", "http://ops:hunter2@", 1)
	r := h.run(map[string]string{"state-url": withCredentials})
	if r.exit != 1 {
		t.Errorf("exit %d: a configuration error fails the step", r.exit)
	}
	if n := strings.Count(r.stdout, "::error title=Configuration::"); n != 1 {
		t.Fatalf("%d configuration errors, want 1:\n%s", n, r.stdout)
	}
	host := strings.TrimPrefix(notANode.URL, "http://")
	if !strings.Contains(r.stdout, "state-url: state server http://***@"+host+" answered every one of its 3 processes the same way (process not found)") {
		t.Errorf("the error must name state-url and the URL without credentials:\n%s", r.stdout)
	}
	var printed []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if !strings.HasPrefix(line, "::add-mask::") { // telling the runner to mask it is the point
			printed = append(printed, line)
		}
	}
	if strings.Contains(strings.Join(printed, "\n")+r.summary, "hunter2") {
		t.Errorf("the URL's password was printed:\n%s\n%s", r.stdout, r.summary)
	}
	if len(h.pd.Accepted()) != 0 {
		t.Errorf("paged %d times for a configuration error: %v", len(h.pd.Accepted()), triggeredTypes(h))
	}
	if !strings.Contains(r.summary, "3 not checked (configuration error)") {
		t.Errorf("summary:\n%s", r.summary)
	}
}

// A /latest whose message carries 10 MiB: the nonce is read.
func TestAHugeLatestMessageIsRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 9, 9)
	h.fleet.Break(pidA, aotest.OK, aotest.Huge)
	r := h.run(map[string]string{"process-ids": pidA, "request-timeout": "60s"})
	if r.exit != 0 || reportStatuses(t, h)[pidA] != "ok" {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
}

// A state server answering 307 to another URL (a hostile node in a process
// map; the target can be an internal address): never followed, and the
// target's answer reaches nothing.
func TestARedirectingStateServerIsNotFollowed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var hits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "SECRET-INTERNAL-ANSWER")
	}))
	t.Cleanup(internal.Close)
	h.fleet.RedirectTo = internal.URL + "/latest/meta-data"
	h.fleet.Set(pidA, 5, 5)
	h.fleet.Break(pidA, aotest.Redirect, aotest.OK)
	r := h.run(map[string]string{"process-ids": pidA})
	if hits.Load() != 0 {
		t.Errorf("the redirect's target was asked %d times", hits.Load())
	}
	if !strings.Contains(r.stdout, "unexpected redirect (HTTP 307), not followed") || reportStatuses(t, h)[pidA] != "error" {
		t.Errorf("want the process failing with an unexpected redirect:\n%s", r.stdout)
	}
	raw, _ := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-report.json"))
	everything := r.stdout + r.summary + string(raw) + fmt.Sprint(h.pd.Accepted())
	for _, leak := range []string{"SECRET-INTERNAL-ANSWER", "meta-data"} {
		if strings.Contains(everything, leak) {
			t.Errorf("%q reached an output", leak)
		}
	}
}

// The router's DatabaseError is the scheduler's trouble: retried, and a
// scheduler incident when it is everyone's.
func TestRouterDatabaseTroubleIsTheSchedulers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for i := range 12 {
		pid := fmt.Sprintf("R%042d", i)
		h.fleet.Set(pid, 5, 5)
		h.fleet.Break(pid, aotest.OK, aotest.DatabaseError)
		ids = append(ids, pid)
	}
	r := h.run(map[string]string{"process-ids": strings.Join(ids, "\n"), "max-retries": "1"})
	if n := h.fleet.Requests("router"); n != 24 {
		t.Errorf("%d router requests for 12 processes, want 24 (retried once each)", n)
	}
	if keys := triggeredTypes(h); len(keys) != 1 || !strings.HasPrefix(keys[0], "scheduler-") {
		t.Errorf("triggers %v, want one scheduler incident\n%s", keys, r.stdout)
	}
}

// Two spellings of one host are one host: one group of workers (so one
// per-host limit) and one server for grouping.
func TestSpellingsOfOneHostAreOneHost(t *testing.T) {
	t.Parallel()
	targets := []processlist.Target{
		{ProcessID: "a", StateURL: "https://STATE.example/"},
		{ProcessID: "b", StateURL: "https://state.example./"},
		{ProcessID: "c", StateURL: "https://state.example:443"},
		{ProcessID: "d", StateURL: "https://other.example"},
	}
	if diff := cmp.Diff([][]int{{0, 1, 2}, {3}}, byStateServer(targets)); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

// A wrong su-router-url (404 for everything: no router answers so) is said
// once, naming that input.
func TestAWrongRouterURLIsOneConfigurationError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	notARouter := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notARouter.Close)
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 5, 5)
	}
	r := h.run(map[string]string{"su-router-url": notARouter.URL})
	if r.exit != 1 || strings.Count(r.stdout, "::error title=Configuration::") != 1 ||
		!strings.Contains(r.stdout, "su-router-url: scheduler "+notARouter.URL+" answered every one of its 3 processes the same way") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	if len(h.pd.Accepted()) != 0 {
		t.Errorf("paged for a configuration error: %v", triggeredTypes(h))
	}
}

// One unknown process among known ones on a host is just unknown.
func TestOneUnknownProcessIsNotAConfigurationError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 5, 5)
	h.fleet.Set(pidB, 5, 5)
	h.fleet.Set(pidC, 5, 5)
	h.fleet.Break(pidC, aotest.Unknown, aotest.OK)
	r := h.run(nil)
	if strings.Contains(r.stdout, "title=Configuration") || reportStatuses(t, h)[pidC] != "error" {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
}
