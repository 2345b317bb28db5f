package action

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"golang.org/x/sync/errgroup"
)

// checkAll checks every target and returns the results in target order.
// Each state server gets its own workers, concurrency of them, so a dead or
// slow one holds up only its own processes, never those of a healthy
// server (the HTTP client keeps each host, the scheduler router included,
// to concurrency requests at once). Target i's scheduler is asked where
// scheduler(i) says it is, if anywhere (a location remembered from an
// earlier pass, and whether its hourly re-check with the router is due),
// else through the router.
func checkAll(ctx context.Context, con *console.Console, client *ao.Client, targets []processlist.Target, scheduler func(i int) ao.Where, concurrency int, timing Timing) []check.Result {
	results := make([]check.Result, len(targets))
	var done atomic.Int64
	stop := progress(con, &done, len(targets), timing)
	var g errgroup.Group
	for _, indexes := range byStateServer(targets) {
		work := make(chan int, len(indexes))
		for _, i := range indexes {
			work <- i
		}
		close(work)
		for range min(concurrency, len(indexes)) {
			g.Go(func() error {
				for i := range work {
					results[i] = client.CheckAt(ctx, targets[i].ProcessID, targets[i].StateURL, scheduler(i))
					done.Add(1)
				}
				return nil
			})
		}
	}
	_ = g.Wait() // checks report failures in their results, never as errors
	stop()
	return results
}

// logChecks writes one line per process for the run's log. threshold
// (slots apart) only marks the lines: a process at or past it is not
// shown with a ✓. A terminal's report lists the processes in trouble with
// their errors, so there they are shown only with --verbose (said once).
// remembered(i) says whether target i had a scheduler remembered.
func logChecks(con *console.Console, results []check.Result, threshold int64, remembered func(i int) bool) {
	asked, unknown := 0, 0
	for i, r := range results {
		if r.RouterAsked {
			asked++
			if !remembered(i) {
				unknown++
			}
		}
	}
	con.Logf("%s", routerLine(asked, unknown, len(results)))
	for _, r := range results {
		switch {
		case r.Interrupted:
			con.Detailf("⏹ %s: not checked (the pass was cut short)", r.ProcessID)
		case r.Misconfigured != "":
			con.Detailf("⚙ %s: not checked (configuration: %s): %s", r.ProcessID, r.Misconfigured, r.ErrorText())
		case r.Loading():
			con.Detailf("⏳ %s: %s", r.ProcessID, r.ErrorText())
		case !r.BothRead():
			con.Detailf("✗ %s: %s", r.ProcessID, r.ErrorText())
		case r.SlotsBehind() >= threshold:
			con.Detailf("⚠ %s: state %d, scheduler %d, %d apart (threshold %d)", r.ProcessID, *r.StateNonce, *r.SUNonce, r.SlotsBehind(), threshold)
		default:
			con.Detailf("✓ %s: state %d, scheduler %d, %d apart", r.ProcessID, *r.StateNonce, *r.SUNonce, r.SlotsBehind())
		}
	}
}

// progress logs how far the checks got at every tick of timing, until stop.
func progress(con *console.Console, done *atomic.Int64, total int, timing Timing) (stop func()) {
	start := time.Now()
	ticks, stopTicker := timing.ProgressTicks, func() {}
	if ticks == nil {
		ticker := time.NewTicker(timing.ProgressEvery)
		ticks, stopTicker = ticker.C, ticker.Stop
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-ticks:
				con.Logf("… %d of %d processes checked (%s)", done.Load(), total, time.Since(start).Round(time.Second))
			case <-quit:
				return
			}
		}
	}()
	return func() {
		stopTicker()
		close(quit)
		<-finished
		con.Logf("checked %s in %s", report.Count(total, "process", "processes"), time.Since(start).Round(time.Millisecond))
	}
}

// byStateServer groups target indexes by their state server's host, in
// target order.
func byStateServer(targets []processlist.Target) [][]int {
	index := map[string]int{}
	var groups [][]int
	for i, t := range targets {
		h := escape.Host(t.StateURL)
		g, ok := index[h]
		if !ok {
			g = len(groups)
			index[h] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

func indexByProcess(results []check.Result) map[string]*check.Result {
	m := make(map[string]*check.Result, len(results))
	for i := range results {
		m[results[i].ProcessID] = &results[i]
	}
	return m
}

// routerLine says how many checks asked the scheduler router, and of
// those how many had no scheduler remembered: the others re-checked a
// remembered one (its hour came round, it failed, or it answered out of
// step with the state server). The rest went straight to a scheduler
// remembered from earlier passes.
func routerLine(asked, unknown, checked int) string {
	switch {
	case asked == 0:
		return "every scheduler was remembered from earlier passes: no request to the scheduler router"
	case asked == checked && unknown == checked:
		return fmt.Sprintf("asked the scheduler router for every process checked (%d; no scheduler remembered for them yet)", checked)
	case unknown == asked:
		return fmt.Sprintf("asked the scheduler router for %d of %s (the others' schedulers were remembered from earlier passes)", asked, report.Count(checked, "process", "processes"))
	}
	return fmt.Sprintf("asked the scheduler router for %d of %s: %d with no scheduler remembered, %d to re-check the one remembered (hourly, or when it failed or answered out of step with the state server)",
		asked, report.Count(checked, "process", "processes"), unknown, asked-unknown)
}

// checked is what the checks found: every process's result in target
// order, why the checks stopped early (nil: they did not), and whether a
// host failed every process alike, pointing at configuration (said here).
type checked struct {
	results       []check.Result
	cutShort      error
	misconfigured bool
}

// check checks every target until ctx ends (scheduler(i): what is
// remembered of targets[i]'s SU), gives the hosts that stopped answering a
// second look, reads the results against what earlier passes saw
// (readNotes), and says any host that looks misconfigured. A state slot
// ahead of every scheduler nonce a check could read, by as much as would
// page, is a failure of the check (check.Behind), not a distance: a lead
// smaller than that pages nothing either way, and may be a scheduler's
// replica a moment behind.
func checkProcesses(ctx context.Context, con *console.Console, cfg config.Config, hc *retryhttp.Client, targets []processlist.Target, scheduler func(i int) ao.Where, timing Timing, readNotes func([]check.Result)) checked {
	client := &ao.Client{HTTP: hc, RouterURL: cfg.SURouterURL, AheadIsError: max(1, int64(cfg.SeverityThreshold))}
	con.Group(fmt.Sprintf("Checking %s (%d at once per server)", report.Count(len(targets), "process", "processes"), cfg.Concurrency))
	results := checkAll(ctx, con, client, targets, scheduler, int(cfg.Concurrency), timing)
	lookAgain(ctx, con, client, targets, results, scheduler, timing)
	cutShort := context.Cause(ctx)
	misconfigured := findMisconfigured(results, targets, cfg.StateURL, cfg.SURouterURL)
	markMisconfigured(results, misconfigured)
	readNotes(results)
	logChecks(con, results, int64(cfg.SeverityThreshold), func(i int) bool { return scheduler(i).SU != "" })
	con.EndGroup()
	sayMisconfigured(con, misconfigured)
	return checked{results: results, cutShort: cutShort, misconfigured: len(misconfigured) > 0}
}
