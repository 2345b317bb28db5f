package action

// What the checks say in the run's log as they go: progress, one line per
// process, and how often the scheduler router was asked.

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/report"
)

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
				con.Logf("… %d of %d processes asked about (%s)", done.Load(), total, time.Since(start).Round(time.Second))
			case <-quit:
				return
			}
		}
	}()
	return func() {
		stopTicker()
		close(quit)
		<-finished
		con.Logf("asked both servers about %s in %s", report.Count(total, "process", "processes"), time.Since(start).Round(time.Millisecond))
	}
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
