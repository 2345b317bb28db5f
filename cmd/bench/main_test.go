package main

import (
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" { // the re-executed pass
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// A small run of the benchmark: the pass succeeds, pages the lagging
// processes, and never opens more connections per host than its concurrency.
func TestBenchRunsTheRealPass(t *testing.T) {
	r, err := run(60, 4, 2*time.Millisecond, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if r.PagerDutyEvents != 3 {
		t.Errorf("PagerDuty events = %d, want 3 (5%% of 60)", r.PagerDutyEvents)
	}
	for host, n := range map[string]int{"state": r.StateConns, "router": r.RouterConns, "su": r.SUConns} {
		if n < 1 || n > r.Concurrency {
			t.Errorf("%s: %d connections for concurrency %d", host, n, r.Concurrency)
		}
	}
	if r.Floor != 15*2*2*time.Millisecond || r.PeakRSSMiB <= 0 || r.Mallocs == 0 {
		t.Errorf("floor %s, RSS %.1f MiB, mallocs %d", r.Floor, r.PeakRSSMiB, r.Mallocs)
	}
}
