package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/history"
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

// Passes in one workspace, five minutes apart as the history file sees
// them: the first asks the router for every process; each later one for
// the processes whose hourly re-check came round (the router names their
// SU again, which confirms it now) and those that moved; the SUs once a
// process, and the moved ones' new SU once more.
func TestBenchWarmPasses(t *testing.T) {
	every = 5 * time.Minute
	defer func() { every = 0 }()
	b, err := setUp(40, 4, time.Millisecond, 0, noOutage)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	b.at = time.Now()
	want := []struct{ su, trips int }{{40, 2}, {40, 1}, {44, 1}, {40, 1}}
	before := history.Schedulers{}
	for i, w := range want {
		if i > 0 {
			b.next()
		}
		if i == 2 {
			if moved := b.move(10); moved != 4 {
				t.Fatalf("moved %d, want 4", moved)
			}
		}
		r, err := b.pass(w.trips)
		if err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
		after := b.schedulers(t)
		confirmed := 0
		for pid, sch := range after {
			if sch != before[pid] {
				confirmed++
			}
		}
		if len(after) != 40 || r.RouterRequests != confirmed || r.SURequests != w.su || r.Floor != 10*time.Duration(w.trips)*time.Millisecond {
			t.Errorf("pass %d: %d remembered, router %d (%d confirmed), SU %d, floor %s; want 40, as many router requests as confirmed, %d, %s",
				i, len(after), r.RouterRequests, confirmed, r.SURequests, r.Floor, w.su, 10*time.Duration(w.trips)*time.Millisecond)
		}
		if i > 0 && confirmed > 40/2 {
			t.Errorf("pass %d re-checked %d of 40 at once; want about a twelfth", i, confirmed)
		}
		before = after
	}
}

// schedulers reads the SUs the bench's history file remembers.
func (b *bench) schedulers(t *testing.T) history.Schedulers {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(b.dir, ".nonce-monitor-history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Router string }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	s, err := history.ParseSchedulers(raw, file.Router)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
