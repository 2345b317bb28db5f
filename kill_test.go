package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
)

// The runner can die at any moment (cancelled job, lost machine): the real
// binary is killed with SIGKILL at random moments while PagerDuty answers
// slowly, so kills land before, during and after sends, including after
// PagerDuty took an event but before it answered. Between the phases, one
// pass runs to the end. Nothing may be lost: every process behind is paged
// (even one whose resolve PagerDuty took unanswered), each incident is
// opened once, and after recovery every incident PagerDuty ever opened is
// resolved.
//
// Its seed is logged; NONCE_MONITOR_KILL_SEED=<seed> replays the same
// PagerDuty latencies and kill moments (the machine's scheduling, which no
// seed fixes, still varies).
func TestKilledAtRandomNothingIsLost(t *testing.T) { killedAtRandom(t, false) }

// The same, with PagerDuty's memory (a REST API key) while the state file
// is also deleted at random between passes (an evicted cache, a lost push):
// nothing is lost and nothing is left open.
func TestKilledAtRandomStateLostPagerDutyRemembers(t *testing.T) { killedAtRandom(t, true) }

// killSeedVar sets the kill test's seed, to replay a run.
const killSeedVar = "NONCE_MONITOR_KILL_SEED"

func killedAtRandom(t *testing.T, loseState bool) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the binary about 50 times")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(killSeedVar); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want the seed a run logged (a whole number): %v", killSeedVar, s, err)
		}
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay: %s=%d go test -run '%s$' .", killSeedVar, seed, t.Name())
		}
	})

	fleet := aotest.Start()
	defer fleet.Close()
	pd := pagerdutytest.Start()
	defer pd.Close()
	workspace := t.TempDir()
	pids := make([]string, 6)
	for i := range pids {
		pids[i] = fmt.Sprintf("K%042d", i)
	}
	os.WriteFile(filepath.Join(workspace, "ids.txt"), []byte(strings.Join(pids, "\n")+"\n"), 0o644)
	with := map[string]string{
		"process-ids-file":      "ids.txt",
		"state-url":             fleet.State.URL,
		"su-router-url":         fleet.Router.URL,
		"pagerduty-events-url":  pd.URL,
		"pagerduty-routing-key": "R0123456789abcdefghijklmnopqrstu",
		"request-timeout":       "30s", // the stand-ins answer at once; never late on a busy machine
		"max-retries":           "0",
		"group-threshold":       "0",
	}
	statePath := filepath.Join(workspace, ".pagerduty-state.json")
	maybeLoseState := func() {}
	if loseState {
		with["pagerduty-api-token"] = pagerdutytest.APIToken
		with["pagerduty-service-id"] = pagerdutytest.ServiceID
		with["pagerduty-api-url"] = pd.URL
		maybeLoseState = func() {
			if rng.IntN(3) == 0 {
				os.Remove(statePath)
			}
		}
	}
	setLag := func(lagging map[string]bool) {
		for _, pid := range pids {
			if lagging[pid] {
				fleet.Set(pid, 100, 200)
			} else {
				fleet.Set(pid, 200, 200)
			}
		}
	}
	killedPasses := func(n int) {
		for range n {
			pd.SetLatency(time.Duration(rng.IntN(60)) * time.Millisecond)
			maybeLoseState()
			cmd := actionCommand(t, workspace, t.TempDir(), with)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	fullPass := func() {
		t.Helper()
		pd.SetLatency(0)
		maybeLoseState()
		cmd := actionCommand(t, workspace, t.TempDir(), with)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("a pass that ran to the end failed: %v\n%s", err, out)
		}
	}
	pagedFor := func() map[string]bool {
		paged := map[string]bool{}
		for _, key := range pd.Open() {
			for _, pid := range pids {
				if strings.Contains(key, pid) {
					paged[pid] = true
				}
			}
		}
		return paged
	}
	lagging := map[string]bool{pids[0]: true, pids[1]: true, pids[2]: true, pids[3]: true}

	// Phase 1: four processes fall behind; passes die mid-send.
	setLag(lagging)
	killedPasses(20)
	fullPass()
	if got := pagedFor(); len(got) != 4 || !got[pids[0]] || !got[pids[3]] {
		t.Fatalf("after phase 1, paged for %v, want the 4 lagging processes; open %v", got, pd.Open())
	}

	// Phase 2: they recover; passes die while resolving. Phase 3: two fall
	// behind again: a resolve PagerDuty took but never answered must not
	// leave them unpaged.
	setLag(nil)
	killedPasses(12)
	again := map[string]bool{pids[0]: true, pids[1]: true}
	setLag(again)
	killedPasses(12)
	fullPass()
	if got := pagedFor(); len(got) != 2 || !got[pids[0]] || !got[pids[1]] {
		t.Fatalf("after phase 3, paged for %v, want %v; open %v", got, again, pd.Open())
	}

	// Recovery: every incident PagerDuty ever opened ends resolved.
	setLag(nil)
	fullPass()
	fullPass()
	if open := pd.Open(); len(open) != 0 {
		t.Errorf("incidents left open in PagerDuty after recovery: %v", open)
	}
	// No incident was opened twice while open; a key reopens only after a
	// real recovery (phase 2), so at most twice.
	for key, n := range pd.Opened() {
		if n > 2 || (n == 2 && !strings.Contains(key, pids[0]) && !strings.Contains(key, pids[1])) {
			t.Errorf("%s opened %d times", key, n)
		}
	}
	state, _ := os.ReadFile(statePath)
	if strings.Contains(string(state), "nonce-monitor-") {
		t.Errorf("state after recovery:\n%s", state)
	}
}
