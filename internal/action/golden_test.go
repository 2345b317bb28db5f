package action

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/state"
	"github.com/org/nonce-monitor-action/internal/testkit/goldentest"
)

const pidD = "D000000000000000000000000000000000000000000"
const pidGone = "E000000000000000000000000000000000000000000"

// A pass with every kind of event: new mismatch (error and critical), new
// error incident, and a resolve for a process removed from the list.
func TestGoldenSummaryAndPagerDutyPayloads(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 14204, 14204)
	h.fleet.Set(pidB, 14129, 14204)
	h.fleet.Set(pidC, 1, 1)
	h.fleet.Break(pidC, aotest.HTML, aotest.OK)
	h.fleet.Set(pidD, 200, 350)
	gone := incident.Incident{ProcessID: pidGone, Type: incident.Mismatch, DedupKey: incident.DedupKey(incident.Mismatch, pidGone, day1),
		Severity: "warning", Since: day1.Add(-3600e9)}
	os.WriteFile(filepath.Join(h.ws, ".pagerduty-state.json"), state.Encode(incident.State{Open: incident.Open{gone.DedupKey: gone}}, nil), 0o644)

	r := h.run(map[string]string{"process-ids": strings.Join([]string{pidA, pidB, pidC, pidD}, "\n")})
	if r.exit != 0 {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	var events []json.RawMessage
	for _, b := range h.pd.Bodies() {
		events = append(events, b)
	}
	payloads, _ := json.MarshalIndent(events, "", "  ")

	goldentest.Check(t, "summary.md", h.normalize(r.summary))
	goldentest.Check(t, "pagerduty-events.json", h.normalize(string(payloads))+"\n")
}

// normalize replaces the stand-ins' random ports with stable names.
func (h *harness) normalize(s string) string {
	for name, raw := range map[string]string{"state.test": h.fleet.State.URL, "router.test": h.fleet.Router.URL, "su.test": h.fleet.SU.URL} {
		u, _ := url.Parse(raw)
		s = strings.ReplaceAll(s, raw, "https://"+name)
		s = strings.ReplaceAll(s, u.Host, name)
	}
	return s
}
