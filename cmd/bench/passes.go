package main

// Passes one after another in one workspace, as scheduled runs: the
// history file (and the SUs it remembers) carried from one to the next.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/history"
)

// passTable runs four passes in one workspace, as four scheduled runs:
// the first asks the router for every process (cold), the next ask the
// remembered SUs (warm), one of them after some processes moved.
func passTable(n, concurrency int, latency time.Duration, lagging, movedShare float64) error {
	b, err := setUp(n, concurrency, latency, lagging, noOutage)
	if err != nil {
		return err
	}
	defer b.close()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("Measured %s on %s/%s, %d CPUs, %s, latency %s, %d processes, concurrency %d, %.0f%% lagging; load average before: %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), latency, n, concurrency, lagging*100,
		strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Println("| pass | wall | floor (round trips) | wall / floor | router requests | SU requests | peak RSS | history file (of which schedulers) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	moved := 0
	b.at = time.Now()
	for i, p := range []struct {
		name  string
		trips int
		move  bool
	}{
		{"cold (first pass)", 2, false},
		{"warm (second pass)", 1, false},
		{"warm, some SUs moved", 1, true},
		{"warm, after the move", 1, false},
	} {
		name := p.name
		if i > 0 {
			b.next()
		}
		if p.move && movedShare > 0 {
			moved = b.move(int(math.Max(1, math.Round(1/movedShare))))
			name = fmt.Sprintf("warm, %d SUs moved", moved)
		}
		r, err := b.pass(p.trips)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %.2f s | %.2f s (%d) | %.3f | %d | %d | %.1f MiB | %d B (%d B) |\n",
			name, r.Wall.Seconds(), r.Floor.Seconds(), r.Trips, r.ratio(), r.RouterRequests, r.SURequests, r.PeakRSSMiB, r.HistoryBytes, r.SchedulerBytes)
	}
	return nil
}

// bench is a fleet of stand-ins and a workspace that passes run in, one
// after another, as scheduled runs do (the history file carried over).
type bench struct {
	fleet, dead, moved *aotest.Fleet
	pd                 *pagerdutytest.Server
	dir                string
	n, concurrency     int
	latency            time.Duration
	routerSeen, suSeen int // requests served before this pass
	// at is the time the next pass starts at as the history file sees it
	// (zero: as it runs): passes a schedule apart, run one after another.
	at time.Time
}

// next moves the schedule on to the next pass, every after the last (with
// every 0, the passes run on the real clock).
func (b *bench) next() {
	if every > 0 {
		b.at = b.at.Add(every)
	} else {
		b.at = time.Time{}
	}
}

func (b *bench) close() {
	b.fleet.Close()
	b.dead.Close()
	b.moved.Close()
	b.pd.Close()
	os.RemoveAll(b.dir)
}

func setUp(n, concurrency int, latency time.Duration, lagging float64, o outage) (*bench, error) {
	b := &bench{fleet: aotest.Start(), dead: aotest.Start(), moved: aotest.Start(), pd: pagerdutytest.Start(),
		n: n, concurrency: concurrency, latency: latency}
	fleet, dead := b.fleet, b.dead
	fleet.Latency, dead.Latency, b.moved.Latency = latency, latency, latency
	deadURL := dead.State.URL
	switch o {
	case refusingState:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.close()
			return nil, err
		}
		deadURL = "http://" + l.Addr().String()
		l.Close()
	case hangingRouter:
		fleet.RouterHang(true)
	case noOutage, hangingState, all500, broken10:
	default:
		b.close()
		return nil, fmt.Errorf("unknown outage %q", o)
	}
	dir, err := os.MkdirTemp("", "nonce-monitor-bench-")
	if err != nil {
		b.close()
		return nil, err
	}
	b.dir = dir
	var ids strings.Builder
	behind := int(math.Round(float64(n) * lagging))
	for i := range n {
		pid := benchPID(i)
		state := int64(100_000)
		if i < behind {
			state -= 100
		}
		fleet.Set(pid, state, 100_000)
		if o == all500 || (o == broken10 && i%10 == 5) {
			fleet.Break(pid, aotest.Status500, aotest.OK)
		}
		if (o == hangingState || o == refusingState) && i >= n-n/10 {
			dead.Set(pid, state, 100_000)
			dead.Break(pid, aotest.Hang, aotest.OK)
			ids.WriteString(pid + " " + deadURL + "\n")
			continue
		}
		ids.WriteString(pid + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "process-ids.txt"), []byte(ids.String()), 0o644); err != nil {
		b.close()
		return nil, err
	}
	if historySamples > 0 {
		if err := seedHistory(filepath.Join(dir, ".nonce-monitor-history.json"), n, historySamples); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

func benchPID(i int) string { return fmt.Sprintf("bench%038d", i) }

// move puts every k-th process on another SU: the old one no longer knows
// it, the router names the new one.
func (b *bench) move(k int) int {
	moved := 0
	for i := k / 2; i < b.n; i += k {
		pid := benchPID(i)
		b.moved.Set(pid, 100_000, 100_000)
		b.fleet.Break(pid, aotest.OK, aotest.Unknown)
		b.fleet.PlaceOn(pid, b.moved.SU.URL)
		moved++
	}
	return moved
}

// pass runs one pass in a child process; trips is the round trips on its
// floor's critical path (2 through the router, 1 to a remembered SU).
func (b *bench) pass(trips int) (result, error) {
	fleet, pd, dir := b.fleet, b.pd, b.dir
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	statsFile := filepath.Join(dir, "stats.json")
	cmd := exec.Command(self)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	cmd.Env = []string{
		childEnv + "=" + statsFile,
		"GITHUB_WORKSPACE=" + dir,
		"GITHUB_OUTPUT=" + filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary"),
		"INPUT_PROCESS-IDS-FILE=process-ids.txt",
		"INPUT_STATE-URL=" + fleet.State.URL,
		"INPUT_SU-ROUTER-URL=" + fleet.Router.URL,
		"INPUT_PAGERDUTY-EVENTS-URL=" + pd.URL,
		"INPUT_PAGERDUTY-ROUTING-KEY=R0123456789abcdefghijklmnopqrstu",
		fmt.Sprintf("INPUT_CONCURRENCY=%d", b.concurrency),
	}
	if !b.at.IsZero() {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", nowEnv, b.at.UnixNano()))
	}
	eventsBefore := len(pd.Accepted())
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	n, concurrency, latency := b.n, b.concurrency, b.latency
	r := result{N: n, Concurrency: concurrency, Latency: latency, Wall: wall, Trips: trips,
		Floor:      time.Duration(math.Ceil(float64(n)/float64(concurrency))) * time.Duration(trips) * latency,
		StateConns: fleet.Conns("state"), RouterConns: fleet.Conns("router"), SUConns: fleet.Conns("su"),
		PagerDutyEvents: len(pd.Accepted()) - eventsBefore, Incidents: map[string]int{},
	}
	routerSeen, suSeen := fleet.Requests("router"), fleet.Requests("su")+b.moved.Requests("su")
	r.RouterRequests, r.SURequests = routerSeen-b.routerSeen, suSeen-b.suSeen
	b.routerSeen, b.suSeen = routerSeen, suSeen
	for _, ev := range pd.Accepted()[eventsBefore:] {
		if ev.EventAction == "trigger" {
			kind, _, _ := strings.Cut(strings.TrimPrefix(ev.DedupKey, "nonce-monitor-"), "-")
			r.Incidents[kind]++
		}
	}
	if cmd.ProcessState == nil {
		return r, fmt.Errorf("pass did not start: %w", err)
	}
	r.ExitCode = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSSMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	var stats childStats
	if raw, err := os.ReadFile(statsFile); err == nil {
		_ = json.Unmarshal(raw, &stats)
	}
	r.Mallocs, r.AllocMiB = stats.Mallocs, float64(stats.TotalAlloc)/(1<<20)
	if stats.PeakRSSKiB > 0 { // the pass's own, not the bench's (ownPeakRSSKiB)
		r.PeakRSSMiB = float64(stats.PeakRSSKiB) / 1024
	}
	if raw, err := os.ReadFile(filepath.Join(dir, ".nonce-monitor-history.json")); err == nil {
		r.HistoryBytes = int64(len(raw))
		if h, err := history.Parse(raw); err == nil {
			r.SchedulerBytes = r.HistoryBytes - int64(len(h.Encode()))
		}
	}
	r.Statuses, r.NotAsked = readReport(filepath.Join(dir, ".nonce-monitor-report.json"))
	if r.ExitCode != 0 {
		return r, fmt.Errorf("the pass exited %d", r.ExitCode)
	}
	return r, nil
}
