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

// Passes in one workspace: the first asks the router for every process,
// the second none, one after a move only for the processes that moved.
func TestBenchWarmPasses(t *testing.T) {
	b, err := setUp(40, 4, time.Millisecond, 0, noOutage)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	want := []struct{ router, su, trips int }{{40, 40, 2}, {0, 40, 1}, {4, 44, 1}, {0, 40, 1}}
	for i, w := range want {
		if i == 2 {
			if moved := b.move(10); moved != 4 {
				t.Fatalf("moved %d, want 4", moved)
			}
		}
		r, err := b.pass(w.trips)
		if err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
		if r.RouterRequests != w.router || r.SURequests != w.su || r.Floor != 10*time.Duration(w.trips)*time.Millisecond {
			t.Errorf("pass %d: router %d, SU %d, floor %s; want %d, %d, %s", i, r.RouterRequests, r.SURequests, r.Floor, w.router, w.su, 10*time.Duration(w.trips)*time.Millisecond)
		}
	}
}
