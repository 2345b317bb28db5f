package report

import (
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/ao"
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

// Offline, every process fails unreachable: one line says so, and how to
// run against the stand-ins.
func TestTerminalReportOffline(t *testing.T) {
	t.Parallel()
	p := fleet(3, 0, 1)
	got := text(Terminal(p, nil))
	if strings.Count(got, "go run ./cmd/standins") != 1 {
		t.Errorf("no single stand-ins hint:\n%s", got)
	}
	p.Results = append(p.Results, broken(pid('F', 9), "x", ao.ServerError))
	if got := text(Terminal(p, nil)); strings.Contains(got, "standins") {
		t.Errorf("a server that answers 500 is not offline:\n%s", got)
	}
}
