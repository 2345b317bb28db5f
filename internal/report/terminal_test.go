package report

import (
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

func text(lines []Line) string {
	var b strings.Builder
	for _, l := range lines {
		for _, s := range l {
			b.WriteString(s.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestTerminalReport(t *testing.T) {
	t.Parallel()
	p := fleet(12, 4, 6)
	p.Triggered = p.Open[:1]
	outputs, _ := Outputs(p)
	got := text(Terminal(p, outputs))
	for _, want := range []string{
		"✗ 2 behind, 2 failing of 12 processes (threshold 50 slots)\n",
		"  PROCESS                                      STATUS   BEHIND  TREND  FOR\n",
		"  " + pid('L', 8) + "  behind       58  –      8m\n",
		"      state server push-1.forward.computer: unreachable: connection refused (after 4 attempts)\n",
		"  8 processes healthy.\n",
		"PagerDuty: sent 1 trigger; 4 incidents open:\n",
		"  open             4 incidents\n",
		"State file .pagerduty-state.json: updated.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "offline") {
		t.Errorf("an offline hint while servers answer:\n%s", got)
	}
}

// Offline, nothing answers, neither side of any check: one line says so,
// and how to run against the stand-ins. A state server down while the
// scheduler answers is an outage, not offline.
func TestTerminalReportOffline(t *testing.T) {
	t.Parallel()
	p := fleet(3, 0, 1)
	if got := text(Terminal(p, nil)); strings.Contains(got, "offline") {
		t.Errorf("the scheduler answered every process, yet an offline hint:\n%s", got)
	}
	for i := range p.Results {
		p.Results[i].SUErr = &check.Error{Endpoint: check.Scheduler, Host: "su-router.ao-testnet.xyz", Kind: check.NoSuchHost, Detail: "no such host"}
	}
	got := text(Terminal(p, nil))
	if strings.Count(got, "go run ./cmd/standins") != 1 {
		t.Errorf("no single stand-ins hint:\n%s", got)
	}
	p.Results = append(p.Results, broken(pid('F', 9), "x", check.ServerError))
	if got := text(Terminal(p, nil)); strings.Contains(got, "standins") {
		t.Errorf("a server that answers 500 is not offline:\n%s", got)
	}
}

// A grouped incident is listed once per process in the outputs, but it is
// one event and one page: the terminal counts and lists it once.
func TestTerminalSaysAGroupedIncidentOnce(t *testing.T) {
	t.Parallel()
	p := Pass{Threshold: 50, Now: now, PagerDutyEnabled: true, StateFile: ".pagerduty-state.json", Status: map[string]incident.Status{}}
	key := "nonce-monitor-server-state-2.forward.computer-20261123"
	for i := range 12 {
		r := broken(pid('F', i), "state-2.forward.computer", check.Unreachable)
		p.Results = append(p.Results, r)
		p.Status[r.ProcessID] = incident.StatusFailing
		inc := NewIncident(incident.Incident{ProcessID: r.ProcessID, Type: incident.Server, DedupKey: key,
			Severity: "critical", Since: now.Add(-time.Duration(10+i) * time.Minute)}, "opened", &r)
		p.Open = append(p.Open, inc)
		p.Triggered = append(p.Triggered, inc)
	}
	got := text(Terminal(p, nil))
	if n := strings.Count(got, "unreachable: connection refused"); n != 1 || strings.Count(got, "(the same error)") != 11 {
		t.Errorf("the processes' one error is said %d times:\n%s", n, got)
	}
	if n := strings.Count(got, key); n != 1 {
		t.Errorf("the grouped incident's key is said %d times:\n%s", n, got)
	}
	for _, want := range []string{
		"PagerDuty: sent 1 trigger; 1 incident open:\n",
		"  " + key + "  server, severity critical    21m, 12 processes\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// A dry run sent nothing: what it lists would be open, it is not.
func TestTerminalDryRunSaysWouldBeOpen(t *testing.T) {
	t.Parallel()
	p := fleet(3, 0, 1)
	p.DryRun = true
	p.Triggered = p.Open
	got := text(Terminal(p, nil))
	if want := "PagerDuty (dry run): would send 3 triggers; 3 incidents would be open:\n"; !strings.Contains(got, want) {
		t.Errorf("no %q in:\n%s", want, got)
	}
}

// A dry run with PagerDuty off would send nothing at all: it says so, not
// "would send".
func TestTerminalDryRunWithPagerDutyOffSendsNothing(t *testing.T) {
	t.Parallel()
	p := fleet(3, 0, 1)
	p.DryRun, p.PagerDutyEnabled = true, false
	p.Triggered = p.Open
	got := text(Terminal(p, nil))
	if strings.Contains(got, "would send") || !strings.Contains(got, "PagerDuty disabled (dry run): nothing would be sent; decided 3 triggers") {
		t.Errorf("dry run, PagerDuty off:\n%s", got)
	}
}

// What was not delivered is said as such, never as "nothing to send".
func TestTerminalSaysWhatWasNotDelivered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		triggered int
		failures  []string
		want      string
	}{
		{"only a resolve, refused", 0, []string{"resolve"}, "PagerDuty: 1 resolve not delivered (see above); "},
		{"two triggers refused", 0, []string{"trigger", "trigger"}, "PagerDuty: 2 triggers not delivered (see above); "},
		{"one sent, one refused", 1, []string{"resolve"}, "PagerDuty: sent 1 trigger; 1 resolve not delivered (see above); "},
		{"nothing at all", 0, nil, "PagerDuty: nothing to send; "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fleet(3, 0, 1)
			p.Triggered = p.Open[:tc.triggered]
			for _, a := range tc.failures {
				p.Failures = append(p.Failures, Failure{Action: a, Incident: p.Open[0], Error: "HTTP 400"})
			}
			got := text(Terminal(p, nil))
			if !strings.Contains(got, tc.want) {
				t.Errorf("no %q in:\n%s", tc.want, got)
			}
			if tc.failures != nil && strings.Contains(got, "nothing to send") {
				t.Errorf("says nothing to send while %d events were not delivered:\n%s", len(tc.failures), got)
			}
		})
	}
}

// A pass that fails only for list entries that are not process IDs, or
// whose only trouble is a process stuck within the threshold, does not
// lead with a green "within the threshold": both headlines say it.
func TestHeadlinesSayWhatIsNotHealthy(t *testing.T) {
	t.Parallel()
	mistyped := fleet(3, 0, 0)
	mistyped.Mistyped = []string{`process-ids: "nonsense" is not a process ID`}
	stuck := fleet(3, 0, 0)
	stuck.Trends = map[string]trend.Trend{stuck.Results[0].ProcessID: {Class: trend.Stuck}}
	for _, tc := range []struct {
		name           string
		p              Pass
		terminal, page string
	}{
		{"mistyped", mistyped, "✗ 3 processes within 50 slots of the scheduler; 1 list entry is not a process ID",
			"## 🔴 Nonce monitor: 3 processes within 50 slots of the scheduler; 1 list entry is not a process ID"},
		{"stuck", stuck, "✗ 1 stuck within the threshold of 3 processes", "## 🔴 Nonce monitor: 1 stuck within the threshold of 3 processes"},
	} {
		tc.p.Status = map[string]incident.Status{}
		for _, r := range tc.p.Results {
			tc.p.Status[r.ProcessID] = incident.StatusOK
		}
		got := text(Terminal(tc.p, nil))
		if !strings.Contains(got, tc.terminal) {
			t.Errorf("%s: no %q in:\n%s", tc.name, tc.terminal, got)
		}
		if tc.name == "stuck" && !strings.Contains(got, tc.p.Results[0].ProcessID+"  stuck") {
			t.Errorf("the stuck process is not in the table of those in trouble:\n%s", got)
		}
		if got := Summary(tc.p); !strings.Contains(got, tc.page) {
			t.Errorf("%s: no %q in:\n%s", tc.name, tc.page, got)
		}
	}
}
