package action

// The check stage: both nonces of every process, read against what
// earlier passes saw.

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"golang.org/x/sync/errgroup"
)

// checked is what the checks found: every process's result, in target
// order, read against the history's notes; why the checks stopped early
// (nil: they did not); the hosts whose every process failed alike, which
// is the configuration's failure; the notes the next pass reads against;
// and when the checks ended, the time every later stage records and
// decides at.
type checked struct {
	results       []check.Result
	cutShort      error
	misconfigured []misconfiguration
	noneResolved  bool // every host's name failed to resolve: the machine's DNS, maybe
	nodeNotes     history.Notes
	at            time.Time
}

// check checks every target until the pass deadline, gives the hosts that
// stopped answering a second look, and reads the results against what
// earlier passes saw (readAgainstNotes). A state slot ahead of every
// scheduler nonce a check could read, by as much as would page, is a
// failure of the check (check.Behind), not a distance: a lead smaller
// than that pages nothing either way, and may be a scheduler's replica a
// moment behind.
func (p *pass) check(mem earlier) checked {
	cfg, targets := p.cfg, p.in.targets
	c := checker{
		con:     p.con,
		client:  &ao.Client{HTTP: p.hc, RouterURL: cfg.SURouterURL, AheadIsError: max(1, int64(cfg.SeverityThreshold))},
		targets: targets, where: mem.where(targets, p.now()), concurrency: int(cfg.Concurrency), timing: p.timing,
	}
	p.con.Group(fmt.Sprintf("Checking %s (%d at once per server)", report.Count(len(targets), "process", "processes"), cfg.Concurrency))
	results := c.checkAll(p.checking)
	c.lookAgain(p.checking, results)
	out := checked{results: results, cutShort: context.Cause(p.checking), at: p.now()}
	out.misconfigured, out.noneResolved = findMisconfigured(results, targets, cfg.StateURL, cfg.SURouterURL)
	markMisconfigured(results, out.misconfigured)
	oneCopyEach(results)
	out.nodeNotes = readAgainstNotes(results, mem, out.at, p.in.narrowed)
	logChecks(p.con, results, int64(cfg.SeverityThreshold), func(i int) bool { return c.where(i).SU != "" })
	p.con.EndGroup()
	return out
}

// checker checks targets: each through client, its scheduler asked where
// where(i) says it is, if anywhere (a location remembered from an earlier
// pass, and whether its hourly re-check with the router is due), else
// through the router; at most concurrency at once per state server.
type checker struct {
	con         *console.Console
	client      *ao.Client
	targets     []processlist.Target
	where       func(i int) ao.Where
	concurrency int
	timing      Timing
}

// checkAll checks every target and returns the results in target order.
// Each state server gets its own workers, concurrency of them, so a dead or
// slow one holds up only its own processes, never those of a healthy
// server (the HTTP client keeps each host, the scheduler router included,
// to concurrency requests at once).
func (c checker) checkAll(ctx context.Context) []check.Result {
	targets := c.targets
	results := make([]check.Result, len(targets))
	var done atomic.Int64
	stop := progress(c.con, &done, len(targets), c.timing)
	var g errgroup.Group
	for _, indexes := range byStateServer(targets) {
		work := make(chan int, len(indexes))
		for _, i := range indexes {
			work <- i
		}
		close(work)
		for range min(c.concurrency, len(indexes)) {
			g.Go(func() error {
				for i := range work {
					results[i] = c.client.CheckAt(ctx, targets[i].ProcessID, targets[i].StateURL, c.where(i))
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

// indexByProcess finds each result by its process ID (results are in
// target order; payloads and rows look them up by process).
func indexByProcess(results []check.Result) map[string]*check.Result {
	m := make(map[string]*check.Result, len(results))
	for i := range results {
		m[results[i].ProcessID] = &results[i]
	}
	return m
}
