package action

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

func heartbeatServer(t *testing.T, status int) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestHeartbeatAfterACompletedPass(t *testing.T) {
	t.Parallel()
	hb, hits := heartbeatServer(t, 200)
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60) // behind: a finding, not a monitor failure
	secretURL := hb.URL + "/ping/5f3c-secret-uuid"
	r := h.run(map[string]string{"process-ids": pidA, "heartbeat-url": secretURL})
	if r.exit != 0 || hits.Load() != 1 {
		t.Fatalf("exit %d, heartbeats %d", r.exit, hits.Load())
	}
	if !strings.Contains(r.stdout, "::add-mask::"+secretURL) || strings.Count(r.stdout, "5f3c-secret-uuid") != 1 {
		t.Errorf("the heartbeat URL must be masked and not printed elsewhere:\n%s", r.stdout)
	}

	// No heartbeat when an alert was not delivered, nor in a dry run.
	h.fleet.Set(pidB, 0, 60)
	h.pd.FailNext(400)
	if r := h.run(map[string]string{"process-ids": pidA + "," + pidB, "heartbeat-url": secretURL}); r.exit != 1 || hits.Load() != 1 {
		t.Errorf("failed pass: exit %d, heartbeats %d (want still 1)", r.exit, hits.Load())
	}
	if r := h.run(map[string]string{"process-ids": pidA, "heartbeat-url": secretURL, "dry-run": "true"}); r.exit != 0 || hits.Load() != 1 {
		t.Errorf("dry run: exit %d, heartbeats %d (want still 1)", r.exit, hits.Load())
	}
}

func TestFailedHeartbeatIsAWarning(t *testing.T) {
	t.Parallel()
	hb, hits := heartbeatServer(t, 503)
	h := newHarness(t)
	h.fleet.Set(pidA, 1, 1)
	r := h.run(map[string]string{"process-ids": pidA, "heartbeat-url": hb.URL + "/ping/secret", "max-retries": "0"})
	if r.exit != 0 || hits.Load() != 1 || !strings.Contains(r.stdout, "::warning title=Heartbeat::heartbeat to 127.0.0.1") {
		t.Fatalf("exit %d hits %d\n%s", r.exit, hits.Load(), r.stdout)
	}
}

func TestSilencedProcessIsReportedNotPaged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 500)
	h.fleet.Set(pidB, 0, 500)
	r := h.run(map[string]string{"process-ids": pidA + "," + pidB, "silenced-process-ids": pidA + " # maintenance until Friday"})
	// A silenced process is in maintenance: shown, but counted as neither
	// behind nor failing, wherever it is counted.
	if r.exit != 0 || r.outputs["behind-count"] != "1" || !strings.Contains(r.summary, "1 behind of 2 processes") {
		t.Fatalf("exit %d behind %s\n%s", r.exit, r.outputs["behind-count"], r.summary)
	}
	var report struct {
		Behind    int `json:"behind"`
		Processes []struct {
			ProcessID, Status string
		} `json:"processes"`
	}
	data, _ := os.ReadFile(filepath.Join(h.ws, ".nonce-monitor-report.json"))
	if err := json.Unmarshal(data, &report); err != nil || report.Behind != 1 {
		t.Errorf("report file: behind %d, %v", report.Behind, err)
	}
	for _, p := range report.Processes {
		if p.ProcessID == pidA && p.Status != "silenced" {
			t.Errorf("report file: the silenced process is %q", p.Status)
		}
	}
	if open := h.pd.Open(); len(open) != 1 || open[0] != key(incident.Mismatch, pidB) {
		t.Errorf("only the unsilenced process pages: open %v", open)
	}
	if !strings.Contains(r.summary, "🔇 silenced") {
		t.Error("the summary does not show the silenced process")
	}
	// Maintenance does not fail the step either.
	r = h.run(map[string]string{"process-ids": pidA, "silenced-process-ids": pidA, "fail-on": "behind"})
	if r.exit != 0 || r.outputs["behind-count"] != "0" {
		t.Errorf("fail-on behind with only a silenced process behind: exit %d, behind-count %s", r.exit, r.outputs["behind-count"])
	}
}

func TestSchedulerUnreachableForMostIsOneIncident(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for _, c := range "ABCDEFGHIJKL" { // 12 processes
		pid := string(c) + strings.Repeat("0", 42)
		ids = append(ids, pid)
		h.fleet.Set(pid, 1, 1)
		h.fleet.Break(pid, aotest.OK, aotest.Status500)
	}
	r := h.run(map[string]string{"process-ids": strings.Join(ids, ","), "max-retries": "0"})
	routerHost := mustHost(t, h.fleet.Router.URL)
	want := incident.GroupKey(incident.Scheduler, routerHost, testOwner, day1)
	if open := h.pd.Open(); len(open) != 1 || open[0] != want {
		t.Fatalf("open %v, want only %s", open, want)
	}
	triggered := decodeIncidents(t, r.outputs["triggered"])
	if len(triggered) != 12 || triggered[0].DedupKey != want || triggered[0].Type != "scheduler" {
		t.Errorf("outputs should list every affected process under the one incident: %s", r.outputs["triggered"])
	}
	ev := h.pd.Accepted()[0]
	if !strings.HasPrefix(ev.Payload.Summary, "Monitor cannot reach the scheduler ("+routerHost+") for 12 of 12 processes") {
		t.Errorf("summary %q", ev.Payload.Summary)
	}
}

func TestShardsSplitTheFleetAndKeepTheirOwnState(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for _, c := range "ABCDEFGHIJKLMNOP" {
		pid := string(c) + strings.Repeat("0", 42)
		ids = append(ids, pid)
		h.fleet.Set(pid, 0, 100) // all behind
	}
	checked := 0
	for shard := 1; shard <= 3; shard++ {
		r := h.run(map[string]string{"process-ids": strings.Join(ids, ","), "shard": fmt.Sprintf("%d/3", shard), "group-threshold": "0"})
		if r.exit != 0 {
			t.Fatalf("shard %d: exit %d\n%s", shard, r.exit, r.stdout)
		}
		n, _ := strconv.Atoi(r.outputs["checked-count"])
		checked += n
		want := fmt.Sprintf(".pagerduty-state.shard-%d-of-3.json", shard)
		if r.outputs["state-file"] != want {
			t.Errorf("shard %d state-file = %s, want %s", shard, r.outputs["state-file"], want)
		}
		if _, err := os.Stat(filepath.Join(h.ws, want)); err != nil {
			t.Errorf("shard %d: %v", shard, err)
		}
		// Each shard keeps its own history too.
		if _, err := os.Stat(filepath.Join(h.ws, fmt.Sprintf(".nonce-monitor-history.shard-%d-of-3.json", shard))); err != nil {
			t.Errorf("shard %d history: %v", shard, err)
		}
	}
	if _, err := os.Stat(filepath.Join(h.ws, ".nonce-monitor-history.json")); err == nil {
		t.Error("a sharded run wrote the unsharded history file")
	}
	if checked != len(ids) || len(h.pd.Open()) != len(ids) {
		t.Errorf("the shards checked %d and paged %d of %d processes", checked, len(h.pd.Open()), len(ids))
	}
	assertNoDuplicates(t, h)
}

// A long pass says how far it got, since Actions logs show no progress bars.
// The progress clock is ticked by hand, while the first request is held,
// so the tick lands mid-pass however slow the machine is.
func TestLongPassLogsProgress(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ticks := make(chan time.Time)
	h.timing.ProgressTicks = ticks
	var once sync.Once
	h.fleet.BeforeEach = func(r *http.Request) {
		once.Do(func() {
			select {
			case ticks <- day1:
			case <-r.Context().Done(): // no one took the tick: the test fails below, it does not hang
			}
		})
	}
	var ids []string
	for i := range 8 {
		pid := fmt.Sprintf("P%042d", i)
		ids = append(ids, pid)
		h.fleet.Set(pid, 1, 1)
	}
	r := h.run(map[string]string{"process-ids": strings.Join(ids, ","), "concurrency": "2"})
	if r.exit != 0 || !strings.Contains(r.stdout, " of 8 processes asked about (") || !strings.Contains(r.stdout, "asked both servers about 8 processes in ") {
		t.Fatalf("exit %d, no progress lines:\n%s", r.exit, r.stdout)
	}
}

// pagerduty-test proves the routing key: one labelled trigger, its resolve,
// PagerDuty's answers in the summary; no process checked, no file written.
func TestPagerDutyTestEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(map[string]string{"pagerduty-test": "true", "process-ids": ""})
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	got := h.pd.Accepted()
	if len(got) != 2 || got[0].EventAction != "trigger" || got[1].EventAction != "resolve" || got[0].DedupKey != got[1].DedupKey ||
		got[0].DedupKey != "nonce-monitor-test" || got[0].Payload.Severity != "info" || !strings.Contains(got[0].Payload.Summary, "[TEST]") {
		t.Fatalf("PagerDuty received %+v", got)
	}
	if len(h.pd.Open()) != 0 || h.fleet.Requests("state")+h.fleet.Requests("router") != 0 {
		t.Errorf("open %v; AO requests %d", h.pd.Open(), h.fleet.Requests("state")+h.fleet.Requests("router"))
	}
	if entries, _ := os.ReadDir(h.ws); len(entries) != 0 {
		t.Errorf("the test wrote %v into the workspace", entries)
	}
	if !strings.Contains(r.summary, "The routing key works") {
		t.Errorf("summary:\n%s", r.summary)
	}
	// A dry run sends nothing, the test event included.
	before := len(h.pd.Accepted())
	if r := h.run(map[string]string{"pagerduty-test": "true", "dry-run": "true"}); r.exit != 0 || len(h.pd.Accepted()) != before || !strings.Contains(r.summary, "Dry run") {
		t.Errorf("dry run: exit %d, %d events sent\n%s", r.exit, len(h.pd.Accepted())-before, r.summary)
	}
	// A rejected key fails the step and says why.
	h.pd.FailNext(400)
	if r := h.run(map[string]string{"pagerduty-test": "true"}); r.exit != 1 || !strings.Contains(r.summary, "PagerDuty rejected the event") {
		t.Errorf("rejected: exit %d\n%s", r.exit, r.summary)
	}
	// A test whose resolve was lost leaves the test incident open; the next
	// test resolves it, because the key is the same.
	h.pd.FailNext(pagerdutytest.Accept, 400) // the trigger is taken, the resolve rejected
	h.run(map[string]string{"pagerduty-test": "true"})
	if open := h.pd.Open(); len(open) != 1 {
		t.Fatalf("after a lost resolve, open = %v", open)
	}
	h.now = h.now.Add(time.Hour) // a later run
	if r := h.run(map[string]string{"pagerduty-test": "true"}); r.exit != 0 || len(h.pd.Open()) != 0 {
		t.Errorf("the next test left %v open", h.pd.Open())
	}
}
