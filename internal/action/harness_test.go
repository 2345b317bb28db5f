package action

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/testkit/ghatest"
)

const (
	pidA = "A000000000000000000000000000000000000000000"
	pidB = "B000000000000000000000000000000000000000000"
	pidC = "C000000000000000000000000000000000000000000"
)

var (
	routingKey = "R0123456789abcdefghijklmnopqrstu" // 32 characters
	day1       = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	day2       = time.Date(2026, 11, 23, 0, 5, 0, 0, time.UTC)
)

// harness runs the real pass against local stand-ins of every endpoint.
type harness struct {
	t     *testing.T
	fleet *aotest.Fleet
	pd    *pagerdutytest.Server
	ws    string
	now   time.Time
	// timing of every pass: retries wait on a clock whose waits end at
	// once; a pass cut short may still deliver for 30 s, so a busy machine
	// never loses a send to the grace (no test waits it out: a pass ends
	// its sends as soon as it is done).
	timing Timing
	// event is GITHUB_EVENT_NAME ("" for none): "workflow_dispatch" is a
	// run started by hand.
	event string
	// repo is GITHUB_REPOSITORY ("": acme/ao-monitoring): another
	// repository's monitor is another job.
	repo string
}

// instantClock is a retryhttp.Clock whose waits end at once: its time is
// the real time plus every wait so far, so a wait still counts against a
// real deadline.
type instantClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

func (c *instantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
	ch := make(chan time.Time, 1)
	ch <- time.Now().Add(c.ahead)
	return ch
}

type runResult struct {
	exit     int
	failures error // what run returned: the failures joined
	outputs  map[string]string
	summary  string
	stdout   string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, fleet: aotest.Start(), pd: pagerdutytest.Start(), ws: t.TempDir(), now: day1,
		timing: Timing{RetryClock: &instantClock{}, DeliveryGrace: 30 * time.Second}}
	t.Cleanup(func() { h.fleet.Close(); h.pd.Close() })
	return h
}

func (h *harness) inputs(extra map[string]string) map[string]string {
	in := map[string]string{
		"process-ids":           pidA + "\n" + pidB + "\n" + pidC,
		"state-url":             h.fleet.State.URL,
		"su-router-url":         h.fleet.Router.URL,
		"pagerduty-events-url":  h.pd.URL,
		"pagerduty-routing-key": routingKey,
		// The stand-ins answer at once: only a stalled machine could make
		// an answer late. Tests of timeouts shorten it.
		"request-timeout": "30s",
		"max-retries":     "2",
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// run executes one pass with the runner's environment: INPUT_<NAME> with
// hyphens kept, a workspace, fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
func (h *harness) run(extra map[string]string) runResult {
	h.t.Helper()
	return h.runCtx(context.Background(), extra)
}

// runCtx is run with a context: cancelling it is the runner's SIGTERM.
func (h *harness) runCtx(ctx context.Context, extra map[string]string) runResult {
	h.t.Helper()
	files := h.t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    h.ws,
		"GITHUB_OUTPUT":       filepath.Join(files, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(files, "summary"),
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_REPOSITORY":   cmp.Or(h.repo, "acme/ao-monitoring"),
		"GITHUB_RUN_ID":       "4242",
		"GITHUB_EVENT_NAME":   h.event,
	}
	for k, v := range h.inputs(extra) {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	var stdout bytes.Buffer
	// Main, with run's failures kept for the test.
	failures := runOnConsole(ctx, Env{
		Getenv: func(k string) string { return env[k] },
		Stdout: &stdout,
		Now:    func() time.Time { return h.now },
		Timing: h.timing,
	})
	exit := exitStatus(failures)
	out, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	outputs, err := ghatest.ParseOutputs(string(out))
	if err != nil {
		h.t.Fatalf("GITHUB_OUTPUT: %v", err)
	}
	return runResult{exit: exit, failures: failures, outputs: outputs, summary: string(summary), stdout: stdout.String()}
}

func (h *harness) stateFile() string {
	b, err := os.ReadFile(filepath.Join(h.ws, ".pagerduty-state.json"))
	if err != nil {
		return ""
	}
	return string(b)
}
