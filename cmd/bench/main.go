// Command bench measures one monitoring pass against local stand-ins of the
// state server, the router (307) and the SU with added latency, and compares
// its wall time with the network floor ceil(N/C) x 2 x RTT (a first pass:
// through the router) or ceil(N/C) x 1 x RTT (a later pass, asking each
// process's remembered SU directly; state and SU requests run at once).
//
// The pass runs in a child process (this binary, re-executed) so that its
// peak RSS and allocations are its own, not the stand-ins'.
//
//	go run ./cmd/bench -n 1000 -concurrency 16 -latency 50ms
//	go run ./cmd/bench -table          # the BENCHMARKS.md table
//	go run ./cmd/bench -outages        # the outage table: 1,000 processes, defaults
//	go run ./cmd/bench -warm           # cold and warm passes side by side, router requests per pass
package main

import (
	"context"
	"encoding/json"
	"flag"
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

	"github.com/org/nonce-monitor-action/internal/action"
	"github.com/org/nonce-monitor-action/internal/aotest"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/trend"
)

const childEnv = "NONCE_MONITOR_BENCH_CHILD"

// historySamples seeds the history file: the pass then reads, extends and
// rewrites a full window, as a scheduled run does.
var historySamples int

type result struct {
	N, Concurrency           int
	Latency, Wall, Floor     time.Duration
	PeakRSSMiB               float64
	Mallocs                  uint64
	AllocMiB                 float64
	StateConns, RouterConns  int
	SUConns, PagerDutyEvents int
	ExitCode                 int
	Incidents                map[string]int // PagerDuty triggers by incident type
	HistoryBytes             int64          // the history file after the pass
	SchedulerBytes           int64          // of which the remembered schedulers
	// From the report file: processes by status, and those reported as
	// not asked because their host was taken for down.
	Statuses map[string]int
	NotAsked int
	// Per pass: round trips on the floor's critical path (2 through the
	// router, 1 to a remembered SU), and the requests the router and the
	// SUs served in this pass.
	Trips                      int
	RouterRequests, SURequests int
}

// An outage puts part of the fleet (or the scheduler) out of reach.
type outage string

const (
	noOutage      outage = ""
	hangingState  outage = "hang"   // a tenth of the processes on a state server that never answers
	refusingState outage = "refuse" // ... on one that refuses connections
	hangingRouter outage = "router" // the scheduler router never answers, for every process
	all500        outage = "all500" // the state server answers 500 (HTML) for every process
	broken10      outage = "broken" // ... for a tenth of them (spread through the list), 200 for the rest
)

func (r result) ratio() float64 { return r.Wall.Seconds() / r.Floor.Seconds() }

type childStats struct {
	Mallocs    uint64
	TotalAlloc uint64
}

func main() {
	if os.Getenv(childEnv) != "" {
		os.Exit(child())
	}
	n := flag.Int("n", 1000, "processes")
	concurrency := flag.Int("concurrency", 16, "the concurrency input")
	latency := flag.Duration("latency", 50*time.Millisecond, "added to every stand-in request")
	lagging := flag.Float64("lagging", 0.01, "fraction of processes behind their scheduler")
	table := flag.Bool("table", false, "run N = 100, 1000, 10000 at concurrency 8, 16, 64 and print a Markdown table")
	outages := flag.Bool("outages", false, "run the healthy fleet and each outage at N = 1000, default inputs, and print a Markdown table")
	scenario := flag.String("outage", "", "one outage: hang, refuse, router, all500 or broken")
	warm := flag.Bool("warm", false, "run passes one after another in one workspace (cold, warm, warm with -moved of the processes on a new SU, warm again) and print them side by side")
	movedShare := flag.Float64("moved", 0.01, "with -warm: fraction of processes whose SU moves before the third pass")
	flag.IntVar(&historySamples, "history", 0, "seed the history file with this many samples per process (12: an hour of five-minute runs)")
	flag.Parse()

	if *outages {
		outageTable(*latency, *lagging)
		return
	}
	if *warm {
		if err := passTable(*n, *concurrency, *latency, *lagging, *movedShare); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if !*table {
		r, err := runOutage(*n, *concurrency, *latency, *lagging, outage(*scenario))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		printResult(r)
		return
	}
	fmt.Printf("Measured %s on %s/%s, %d CPUs, %s, latency %s, %.0f%% lagging.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), *latency, *lagging*100)
	fmt.Println("| processes | concurrency | wall | floor | wall / floor | peak RSS | allocations | connections state / router / SU |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, size := range []int{100, 1000, 10000} {
		for _, c := range []int{8, 16, 64} {
			r, err := run(size, c, *latency, *lagging)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Printf("| %d | %d | %.2f s | %.2f s | %.3f | %.1f MiB | %d (%.0f MiB) | %d / %d / %d |\n",
				r.N, r.Concurrency, r.Wall.Seconds(), r.Floor.Seconds(), r.ratio(), r.PeakRSSMiB,
				r.Mallocs, r.AllocMiB, r.StateConns, r.RouterConns, r.SUConns)
		}
	}
}

func outageTable(latency time.Duration, lagging float64) {
	fmt.Printf("Measured %s on %s/%s, %d CPUs, %s, latency %s, 1,000 processes, every input at its default.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), latency)
	fmt.Println("| scenario | wall | exit | PagerDuty triggers | statuses | not asked (host taken for down) |")
	fmt.Println("|---|---:|---:|---|---|---:|")
	for _, o := range []struct {
		name string
		o    outage
	}{
		{"healthy fleet", noOutage},
		{"(a) 100 processes on a state server that never answers", hangingState},
		{"(b) 100 processes on a state server that refuses connections", refusingState},
		{"(c) the scheduler router never answers", hangingRouter},
		{"(d) the state server answers 500 for every process", all500},
		{"(e) the state server answers 500 for a tenth of the processes", broken10},
	} {
		r, err := runOutage(1000, 16, latency, lagging, o.o)
		if err != nil && r.ExitCode == 0 {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("| %s | %.1f s | %d | %s | %s | %d |\n", o.name, r.Wall.Seconds(), r.ExitCode, incidentList(r.Incidents), statusList(r.Statuses), r.NotAsked)
	}
}

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
	for _, p := range []struct {
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

func incidentList(m map[string]int) string {
	var parts []string
	for _, t := range []string{"mismatch", "error", "server", "scheduler"} {
		if m[t] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[t], t))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func statusList(m map[string]int) string {
	var parts []string
	for _, s := range []string{"ok", "behind", "error", "not-checked"} {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

func printResult(r result) {
	fmt.Printf("processes        %d (concurrency %d, latency %s)\n", r.N, r.Concurrency, r.Latency)
	fmt.Printf("wall time        %.3f s\n", r.Wall.Seconds())
	fmt.Printf("floor            %.3f s  (ceil(N/C) x %d x RTT)\n", r.Floor.Seconds(), r.Trips)
	fmt.Printf("wall / floor     %.3f\n", r.ratio())
	fmt.Printf("peak RSS         %.1f MiB\n", r.PeakRSSMiB)
	fmt.Printf("allocations      %d (%.1f MiB)\n", r.Mallocs, r.AllocMiB)
	fmt.Printf("requests         router %d, SU %d\n", r.RouterRequests, r.SURequests)
	fmt.Printf("connections      state %d, router %d, SU %d (concurrency %d)\n", r.StateConns, r.RouterConns, r.SUConns, r.Concurrency)
	fmt.Printf("PagerDuty events %d (triggers: %s)\n", r.PagerDutyEvents, incidentList(r.Incidents))
	fmt.Printf("history file     %d bytes (%d of them remembered schedulers)\n", r.HistoryBytes, r.SchedulerBytes)
	fmt.Printf("statuses         %s (%d not asked: host taken for down)\n", statusList(r.Statuses), r.NotAsked)
	fmt.Printf("exit code        %d\n", r.ExitCode)
}

// run starts fresh stand-ins, writes the process list and runs one pass in a
// child process.
func run(n, concurrency int, latency time.Duration, lagging float64) (result, error) {
	return runOutage(n, concurrency, latency, lagging, noOutage)
}

// runOutage is run with part of the fleet (or the scheduler) out of reach.
func runOutage(n, concurrency int, latency time.Duration, lagging float64, o outage) (result, error) {
	b, err := setUp(n, concurrency, latency, lagging, o)
	if err != nil {
		return result{}, err
	}
	defer b.close()
	return b.pass(2)
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

// readReport counts the report file's processes by status, and those not
// asked because their host was taken for down.
func readReport(path string) (map[string]int, int) {
	var f struct {
		Processes []struct {
			Status string  `json:"status"`
			Error  *string `json:"error"`
		} `json:"processes"`
	}
	raw, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(raw, &f) != nil {
		return nil, 0
	}
	statuses, notAsked := map[string]int{}, 0
	for _, p := range f.Processes {
		statuses[p.Status]++
		if p.Error != nil && strings.Contains(*p.Error, "not asked") {
			notAsked++
		}
	}
	return statuses, notAsked
}

// child is the pass itself: the same action.Main the container runs.
func child() int {
	action.TuneRuntime() // as main does
	code := action.Main(context.Background(), action.Env{Getenv: os.Getenv, Stdout: os.Stdout, Now: time.Now})
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	raw, _ := json.Marshal(childStats{Mallocs: m.Mallocs, TotalAlloc: m.TotalAlloc})
	_ = os.WriteFile(os.Getenv(childEnv), raw, 0o644)
	return code
}

// seedHistory writes samples per process, five minutes apart, ending five
// minutes ago, with slot numbers of a busy process (seven digits).
func seedHistory(path string, n, samples int) error {
	h := history.History{}
	now := time.Now().UTC().Truncate(time.Second)
	for i := range n {
		pid := fmt.Sprintf("bench%038d", i)
		for k := range samples {
			at := now.Add(-time.Duration(samples-k) * 5 * time.Minute)
			slot := int64(1_000_000 + i + k*10)
			h[pid] = append(h[pid], trend.Sample{At: at, State: slot - 3, SU: slot})
		}
	}
	return os.WriteFile(path, h.Encode(), 0o644)
}
