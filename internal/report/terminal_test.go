package report

import (
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/incident"
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
		p.Results[i].SUErr = &ao.Error{Endpoint: ao.Scheduler, Host: "su-router.ao-testnet.xyz", Kind: ao.NoSuchHost, Detail: "no such host"}
	}
	got := text(Terminal(p, nil))
	if strings.Count(got, "go run ./cmd/standins") != 1 {
		t.Errorf("no single stand-ins hint:\n%s", got)
	}
	p.Results = append(p.Results, broken(pid('F', 9), "x", ao.ServerError))
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
		r := broken(pid('F', i), "state-2.forward.computer", ao.Unreachable)
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
		"  " + key + "  server, critical    21m, 12 processes\n",
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
