package action

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/org/nonce-monitor-action/internal/console"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"golang.org/x/sync/errgroup"
)

// checkAll checks every target, at most concurrency at once, and returns the
// results in target order.
func checkAll(ctx context.Context, con *console.Console, client *ao.Client, targets []processlist.Target, concurrency int) []ao.Result {
	con.Group(fmt.Sprintf("Checking %s (%d at once)", report.Count(len(targets), "process", "processes"), concurrency))
	defer con.EndGroup()
	results := make([]ao.Result, len(targets))
	var done atomic.Int64
	stop := progress(con, &done, len(targets))
	var g errgroup.Group
	g.SetLimit(concurrency)
	for i, t := range targets {
		g.Go(func() error {
			results[i] = client.Check(ctx, t.ProcessID, t.StateURL)
			done.Add(1)
			return nil
		})
	}
	_ = g.Wait() // checks report failures in their results, never as errors
	stop()
	for _, r := range results {
		switch {
		case r.Interrupted:
			con.Logf("⏹ %s: not checked (the pass was cut short)", r.ProcessID)
		case !r.Checked():
			con.Logf("✗ %s: %s", r.ProcessID, r.ErrorText())
		default:
			con.Logf("✓ %s: state %d, scheduler %d, %d apart", r.ProcessID, *r.StateNonce, *r.SUNonce, r.SlotsBehind())
		}
	}
	return results
}

// progressEvery is how often a long pass says how far it got: Actions logs
// show no progress bars.
var progressEvery = 5 * time.Second

func progress(con *console.Console, done *atomic.Int64, total int) (stop func()) {
	start := time.Now()
	ticker := time.NewTicker(progressEvery)
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-ticker.C:
				con.Logf("… %d of %d processes checked (%s)", done.Load(), total, time.Since(start).Round(time.Second))
			case <-quit:
				return
			}
		}
	}()
	return func() {
		ticker.Stop()
		close(quit)
		<-finished
		con.Logf("checked %d processes in %s", total, time.Since(start).Round(time.Millisecond))
	}
}

func indexByProcess(results []ao.Result) map[string]*ao.Result {
	m := make(map[string]*ao.Result, len(results))
	for i := range results {
		m[results[i].ProcessID] = &results[i]
	}
	return m
}
