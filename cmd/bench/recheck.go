package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/history"
)

// recheckTable runs a cold pass, then an hour of warm passes, every apart
// as the history file sees it. Each remembered SU is re-checked with the
// router once an hour, at a pass fixed by its process's ID: each warm
// pass asks the router for about N × every / RecheckEvery processes,
// beside their SUs, so the pass keeps its one round trip per process.
func recheckTable(n, concurrency int, latency time.Duration, lagging float64) error {
	if every <= 0 {
		return fmt.Errorf("-recheck needs -every above 0")
	}
	b, err := setUp(n, concurrency, latency, lagging, noOutage)
	if err != nil {
		return err
	}
	defer b.close()
	load, _ := os.ReadFile("/proc/loadavg")
	rounds := int(history.RecheckEvery / every)
	fmt.Printf("Measured %s on %s/%s, %d CPUs, %s, latency %s, %d processes, concurrency %d, passes %s apart (re-check every %s); load average before: %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), latency, n, concurrency,
		every, history.RecheckEvery, strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Println("| pass | wall | floor (round trips) | wall / floor | router requests | SU requests |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	b.at = time.Now()
	var routers []int
	var worst float64
	for i := 0; i <= rounds; i++ {
		name, trips := "cold (first pass)", 2
		if i > 0 {
			b.next()
			name, trips = fmt.Sprintf("warm, +%s", time.Duration(i)*every), 1
		}
		r, err := b.pass(trips)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %.2f s | %.2f s (%d) | %.3f | %d | %d |\n", name, r.Wall.Seconds(), r.Floor.Seconds(), r.Trips, r.ratio(), r.RouterRequests, r.SURequests)
		if i > 0 {
			routers = append(routers, r.RouterRequests)
			worst = max(worst, r.ratio())
		}
	}
	total, least, most := 0, routers[0], routers[0]
	for _, k := range routers {
		total += k
		least, most = min(least, k), max(most, k)
	}
	fmt.Printf("\nRouter requests per warm pass: %d to %d, %.1f on average (expected %.1f: N × %s / %s); %d over the hour, for %d processes (each once an hour; one whose phase fell in the seconds the first pass took waits for the next hour). Warm wall / floor at most %.3f.\n",
		least, most, float64(total)/float64(len(routers)), float64(n)*every.Seconds()/history.RecheckEvery.Seconds(), every, history.RecheckEvery, total, n, worst)
	return nil
}
