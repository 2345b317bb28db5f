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
//	go run ./cmd/bench -recheck        # an hour of warm passes: the remembered SUs' re-checks per pass
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/trend"
)

const childEnv = "NONCE_MONITOR_BENCH_CHILD"

// nowEnv, when set, is the time (Unix nanoseconds) the child's pass
// starts at, as the history file sees it: passes a scheduled five minutes
// apart, run one after another.
const nowEnv = "NONCE_MONITOR_BENCH_NOW"

// historySamples seeds the history file: the pass then reads, extends and
// rewrites a full window, as a scheduled run does.
var historySamples int

// every is the time between passes run one after another, as the history
// file sees it (0: as they run).
var every time.Duration

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
	PeakRSSKiB uint64 // the pass's own VmHWM; 0 where /proc is not
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
	warm := flag.Bool("warm", false, "run passes one after another in one workspace (cold, warm, warm with -moved of the processes on a new SU, warm again), -every apart as the history file sees it, and print them side by side")
	movedShare := flag.Float64("moved", 0.01, "with -warm: fraction of processes whose SU moves before the third pass")
	recheck := flag.Bool("recheck", false, "run a cold pass and an hour of warm passes -every apart, and print each pass's router requests (the hourly re-checks of remembered SUs)")
	flag.DurationVar(&every, "every", 5*time.Minute, "with -warm and -recheck: the time between passes as the history file sees it (the schedule); 0: as they run")
	flag.IntVar(&historySamples, "history", 0, "seed the history file with this many samples per process (12: an hour of five-minute runs)")
	flag.Parse()

	if *outages {
		outageTable(*latency, *lagging)
		return
	}
	if *recheck {
		if err := recheckTable(*n, *concurrency, *latency, *lagging); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
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
