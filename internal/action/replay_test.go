package action

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// TestReplay24Hours drives 288 five-minute passes through the real pass with
// an injected clock over a scripted day, and checks what PagerDuty ends up
// with: one incident per sustained breach (two for the breach that crosses
// midnight, which rotates), none for one-pass blips, one grouped incident
// for a state-server outage, nothing lost while PagerDuty throttles, and
// nothing open at the end.
//
// Its fleet is as small as the story allows (one more process on server A
// than the group threshold, and on server B the two sustained breaches and
// the two blips), and its requests time out only after a minute: the
// stand-ins answer or drop at once, so only a stalled machine could make a
// request late, and a late request must not change the story.
func TestReplay24Hours(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("288 passes")
	}
	h := newHarness(t)
	serverB := aotest.Start()
	defer serverB.Close()

	pid := func(server byte, i int) string { return fmt.Sprintf("%c%042d", server, i) }
	var lines []string
	onB := map[string]bool{}
	for i := range 11 {
		lines = append(lines, pid('a', i)+" "+h.fleet.State.URL)
	}
	for i := range 4 {
		lines = append(lines, pid('b', i)+" "+serverB.State.URL)
		onB[pid('b', i)] = true
	}
	os.WriteFile(filepath.Join(h.ws, "process-ids.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	inputs := map[string]string{
		"process-ids": "", "process-ids-file": "process-ids.txt",
		"pagerduty-error-threshold": "2", "group-threshold": "10",
		"max-retries": "1", "request-timeout": "1m",
	}

	sustained1, sustained2 := pid('b', 0), pid('b', 1)
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	changedAt := map[int]bool{}
	failedAt := map[int]bool{}
	for pass := range 288 {
		h.now = start.Add(time.Duration(pass) * 5 * time.Minute)
		nonce := int64(1000 + pass)
		for _, line := range lines {
			p := strings.Fields(line)[0]
			state := nonce
			switch {
			case p == sustained1 && pass >= 20 && pass < 80:
				state = nonce - 75
			case p == sustained2 && pass >= 130 && pass < 200:
				state = nonce - 120
			}
			h.fleet.Set(p, state, nonce) // the scheduler, and server A's state
			if onB[p] {
				serverB.Set(p, state, nonce)
			}
		}
		// One-pass blips: a gateway page, a scheduler 500, another gateway page.
		switch pass {
		case 50, 90:
			serverB.Break(pid('b', 2), aotest.HTML, aotest.OK)
		case 51:
			h.fleet.Break(pid('b', 3), aotest.OK, aotest.Status500)
		}
		// State server A is down for an hour; PagerDuty throttles for ten
		// minutes as the outage's incident is due.
		h.fleet.StateDown(pass >= 100 && pass < 112)
		h.pd.Throttle(pass == 101 || pass == 102, "")

		r := h.run(inputs)
		if r.exit != 0 {
			failedAt[pass] = true
		}
		if r.outputs["state-changed"] == "true" {
			changedAt[pass] = true
		}
	}

	hostA := mustHost(t, h.fleet.State.URL)
	wantOpened := map[string]int{
		incident.ProcessKey(incident.Mismatch, sustained1, testOwner, start):                   1,
		incident.ProcessKey(incident.Mismatch, sustained2, testOwner, start):                   1,
		incident.ProcessKey(incident.Mismatch, sustained2, testOwner, start.Add(12*time.Hour)): 1,
		incident.GroupKey(incident.Server, hostA, testOwner, start):                            1,
	}
	if diff := cmp.Diff(wantOpened, h.pd.Opened()); diff != "" {
		t.Errorf("incidents PagerDuty opened over the day (-want +got):\n%s", diff)
	}
	if open := h.pd.Open(); len(open) != 0 {
		t.Errorf("still open at the end of the day: %v", open)
	}
	if diff := cmp.Diff([]int{101, 102}, sortedPasses(failedAt)); diff != "" {
		t.Errorf("passes whose step failed (-want +got):\n%s", diff)
	}
	// The state file changes only when something happened (pass 0 creates
	// it), so a scheduled commit step commits 15 times in a day, not 288.
	want := []int{0, 20, 50, 51, 52, 80, 90, 91, 100, 101, 103, 112, 130, 144, 200}
	if diff := cmp.Diff(want, sortedPasses(changedAt)); diff != "" {
		t.Errorf("passes that changed the state file (-want +got):\n%s", diff)
	}
}

func sortedPasses(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func mustHost(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
