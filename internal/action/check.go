package action

import (
	"context"
	"fmt"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"golang.org/x/sync/errgroup"
)

// checkAll checks every target, at most concurrency at once, and returns the
// results in target order.
func checkAll(ctx context.Context, con *console, client *ao.Client, targets []processlist.Target, concurrency int) []ao.Result {
	con.group(fmt.Sprintf("Checking %s (%d at once)", report.Count(len(targets), "process", "processes"), concurrency))
	defer con.endGroup()
	results := make([]ao.Result, len(targets))
	var g errgroup.Group
	g.SetLimit(concurrency)
	for i, t := range targets {
		g.Go(func() error {
			results[i] = client.Check(ctx, t.ProcessID, t.StateURL)
			return nil
		})
	}
	_ = g.Wait() // checks report failures in their results, never as errors
	for _, r := range results {
		switch {
		case !r.Checked():
			con.logf("✗ %s: %s", r.ProcessID, r.ErrorText())
		default:
			con.logf("✓ %s: state %d, scheduler %d, %d apart", r.ProcessID, *r.StateNonce, *r.SUNonce, r.SlotsBehind())
		}
	}
	return results
}

func indexByProcess(results []ao.Result) map[string]*ao.Result {
	m := make(map[string]*ao.Result, len(results))
	for i := range results {
		m[results[i].ProcessID] = &results[i]
	}
	return m
}
