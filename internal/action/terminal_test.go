package action

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/report"
)

// terminalRun runs one pass the way a person runs it: no runner
// environment, inputs as INPUT_ variables and flags as args.
func (h *harness) terminalRun(extra map[string]string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	env := map[string]string{"GITHUB_WORKSPACE": h.ws}
	for k, v := range h.inputs(extra) {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	var out, errOut strings.Builder
	code = Main(h.t.Context(), Env{Args: args, Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errOut, Now: func() time.Time { return h.now }, Timing: h.timing})
	return code, out.String(), errOut.String()
}

// On a terminal the log reads as a person wants it: no workflow commands,
// retries only with --verbose, problems as plain lines before the report,
// the report a compact table of what is in trouble, each thing said once,
// and no Markdown, Mermaid, HTML or raw JSON.
func TestTerminalLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sl := slacktest.Start()
	defer sl.Close()
	h.fleet.Set(pidA, 0, 0)
	h.fleet.Set(pidB, 0, 0)
	h.fleet.Break(pidB, aotest.Status500, aotest.OK)
	h.fleet.Set(pidC, 100, 300)
	in := map[string]string{"process-ids": pidA + "," + pidB + "," + pidC + ",nonsense", "max-retries": "1", "fail-on": "error",
		"slack-webhook-url": sl.URL + "/services/T0/B0/x"}
	code, out, _ := h.terminalRun(in)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("a workflow command on a terminal: %q", line)
		}
	}
	if code != 1 || strings.Contains(out, "retrying") || !strings.Contains(out, "── Checking 3 processes") ||
		!strings.Contains(out, "error: fail-on: error: 1 process could not be checked") {
		t.Errorf("exit %d\n%s", code, out)
	}
	for _, markup := range []string{"## ", "|---", "```", "mermaid", "<details>", "&#", `[{"`, "triggered=["} {
		if strings.Contains(out, markup) {
			t.Errorf("%q on a terminal:\n%s", markup, out)
		}
	}
	for _, once := range []string{"Slack: sent", "nonsense"} {
		if n := strings.Count(out, once); n != 1 {
			t.Errorf("%q said %d times:\n%s", once, n, out)
		}
	}
	problem, report := strings.Index(out, "error: Invalid input: process-ids: \"nonsense\""), strings.Index(out, "✗ 1 behind, 1 failing of 3 processes")
	if problem < 0 || report < 0 || !(problem < report) {
		t.Errorf("want the problems, then the report:\n%s", out)
	}
	// The report's table gives each failing process's error: the per-process
	// check lines would say it a second time, so they wait for --verbose.
	if n := strings.Count(out, "the node could not compute this process"); n != 1 || strings.Contains(out, "✓ "+pidA) {
		t.Errorf("the error said %d times, or a check line without --verbose:\n%s", n, out)
	}
	for _, want := range []string{
		"  " + pidC + "  behind ", // the table of processes in trouble
		"  1 process healthy.",
		"PagerDuty: sent 2 triggers; 2 incidents open:\n  nonce-monitor-error-" + pidB,
		"  triggered-count  2\n", // one line per output
		"  triggered        2 incidents\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	// A scheduler's 429 is retried: the retry line names its status.
	h.fleet.Break(pidB, aotest.OK, aotest.Status429)
	if _, out, _ := h.terminalRun(in, "--verbose"); !strings.Contains(out, "· retrying") || !strings.Contains(out, "HTTP 429") || !strings.Contains(out, "✓ "+pidA+": state 0, scheduler 0, 0 apart") ||
		!strings.Contains(out, "⚠ "+pidC+": state 100, scheduler 300, 200 apart (threshold 50)") {
		t.Errorf("--verbose shows no retry, or no check line:\n%s", out)
	}
}

// The Markdown and the JSON are there when asked for: --summary-file
// writes the job summary, --json prints the outputs as one JSON object on
// stdout and the log on stderr.
func TestTerminalSummaryFileAndJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 0)
	summary := filepath.Join(t.TempDir(), "summary.md")
	in := map[string]string{"process-ids": pidA, "dry-run": "true"}
	code, stdout, stderr := h.terminalRun(in, "--summary-file", summary, "--json")
	md, err := os.ReadFile(summary)
	if code != 0 || err != nil || !strings.Contains(string(md), "## ✅ Nonce monitor: 1 process within 50 slots") {
		t.Errorf("exit %d, summary file %v:\n%s", code, err, md)
	}
	var outputs map[string]any
	if err := json.Unmarshal([]byte(stdout), &outputs); err != nil || outputs["checked-count"] != "1" {
		t.Errorf("stdout is not the outputs as JSON (%v):\n%s", err, stdout)
	}
	if _, ok := outputs["open"].([]any); !ok {
		t.Errorf("open = %#v, want a JSON array", outputs["open"])
	}
	if !strings.Contains(stderr, "✓ 1 process within 50 slots") || strings.Contains(stderr, "::add-mask::") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// Under Actions the run page tells the story: a warning for a process
// newly behind, an error for one newly failing, and the step's colour is
// still fail-on's (never: green).
func TestRunPageAnnotatesNewTrouble(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 0)
	h.fleet.Set(pidB, 0, 0)
	h.fleet.Break(pidB, aotest.Status500, aotest.OK)
	h.fleet.Set(pidC, 100, 300)
	r := h.run(map[string]string{"max-retries": "0"})
	if r.exit != 0 {
		t.Errorf("exit %d with fail-on: never", r.exit)
	}
	if !strings.Contains(r.stdout, "::warning title=Behind%3A "+pidC+"::process "+pidC+" is 200 slots behind its scheduler (threshold 50)") {
		t.Errorf("no warning for the process behind:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "::error title=Failing%3A "+pidB+"::process "+pidB+" could not be checked: state server") {
		t.Errorf("no error for the failing process:\n%s", r.stdout)
	}
	// Next pass: nothing new, nothing annotated.
	h.now = h.now.Add(5 * time.Minute)
	if r := h.run(map[string]string{"max-retries": "0"}); strings.Contains(r.stdout, "title=Behind") || strings.Contains(r.stdout, "title=Failing") {
		t.Errorf("old trouble annotated again:\n%s", r.stdout)
	}
}

func TestRunPageAnnotationsAreCapped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for i := range 8 {
		pid := strings.Replace(pidA, "A", string(rune('D'+i)), 1)
		h.fleet.Set(pid, 0, 0)
		h.fleet.Break(pid, aotest.Status500, aotest.OK)
		ids = append(ids, pid)
	}
	r := h.run(map[string]string{"process-ids": strings.Join(ids, ","), "max-retries": "0", "group-threshold": "0"})
	if n := strings.Count(r.stdout, "::error title=Failing%3A "); n != maxTroubleAnnotations {
		t.Errorf("%d failing annotations, want %d:\n%s", n, maxTroubleAnnotations, r.stdout)
	}
	if !strings.Contains(r.stdout, "and 3 more processes newly failing") {
		t.Errorf("the rest are not counted:\n%s", r.stdout)
	}
}

// What fail-on says counts its processes right: one process is one.
func TestFindingsFailSaysItsCountRight(t *testing.T) {
	t.Parallel()
	pass := func(statuses ...incident.Status) report.Pass {
		p := report.Pass{Threshold: 50, Status: map[string]incident.Status{}}
		for i, s := range statuses {
			pid := fmt.Sprintf("P%042d", i)
			p.Results = append(p.Results, check.Result{ProcessID: pid})
			p.Status[pid] = s
		}
		return p
	}
	for _, tc := range []struct {
		on   config.FailOn
		p    report.Pass
		want string
	}{
		{config.FailError, pass(incident.StatusFailing, incident.StatusOK), "1 process could not be checked"},
		{config.FailError, pass(incident.StatusFailing, incident.StatusFailing), "2 processes could not be checked"},
		{config.FailBehind, pass(incident.StatusBehind), "1 process is 50 or more slots behind their scheduler"},
		{config.FailBehind, pass(incident.StatusBehind, incident.StatusBehind), "2 processes are 50 or more slots behind their scheduler"},
		{config.FailBehind, pass(incident.StatusFailing), ""},
	} {
		if got := findingsFail(tc.on, tc.p); got != tc.want {
			t.Errorf("findingsFail(%s) = %q, want %q", tc.on, got, tc.want)
		}
	}
}
