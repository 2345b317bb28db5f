package action

// A second look, before the pass ends, at the hosts that stopped answering
// during it. A node restarted in the middle of a pass (a routine deploy:
// seconds) is asked again once it is back, and pages nobody; one still
// down when the look ends is paged as before. A state server that was
// found answering had only been slow to answer a process it was computing:
// that process was loading, never asked again (asking would restart the
// node's work, or read the slot the monitor's own abandoned request left).

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"golang.org/x/sync/errgroup"
)

// lookAgainFor bounds the second look: a host that does not answer within
// it is down. A restart of a HyperBEAM node takes seconds (docs/ao-endpoints.md).
// The waits between the looks are lookWaits, on the pass's retry clock.
const lookAgainFor = 30 * time.Second

var lookWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second}

// lookReserve is how long before the pass deadline the look ends, however
// much of lookAgainFor is left: a host still down then is down (paged, as
// one down for the whole look), not left unchecked by the deadline cutting
// the look. Otherwise a pass whose deadline always fell within the look
// (a short pass-timeout, a fleet that takes most of it) would never page a
// dead host. What is left of the reserve asks again a host found back.
const lookReserve = 2 * time.Second

// Probe paths: cheap requests any live host answers somehow (any HTTP
// answer from the host itself proves it up). The node's own address; a
// scheduler's server-wide timestamp (docs/ao-endpoints.md).
const (
	stateProbe     = "/~meta@1.0/info/address"
	schedulerProbe = "/timestamp"
)

// unanswered is one host's processes that got no answer from it.
type unanswered struct {
	endpoint check.Endpoint
	probe    string // URL asked to learn whether the host is back
	state    []int  // results whose state read got no answer
	sched    []int  // results whose scheduler read got no answer
}

// lookAgain gives every host that did not answer some request of the pass
// a second look, and asks again the processes of those that answer it.
// results are in target order and updated in place.
func (c checker) lookAgain(ctx context.Context, results []check.Result) {
	hosts, order := unansweredHosts(c.client.RouterURL, c.targets, results)
	if len(hosts) == 0 {
		return
	}
	clock := c.timing.RetryClock
	if clock == nil {
		clock = realClock{}
	}
	start := clock.Now()
	look, lookCtx := prober{hc: c.client.HTTP, clock: clock, within: lookAgainFor}, ctx
	if deadline, ok := ctx.Deadline(); ok {
		var stop context.CancelFunc
		lookCtx, stop = context.WithDeadline(ctx, deadline.Add(-lookReserve))
		defer stop()
		look.within = min(look.within, time.Until(deadline)-lookReserve)
	}
	back := make([]time.Duration, len(order))
	up := make([]bool, len(order))
	var wg sync.WaitGroup
	for n, name := range order {
		wg.Go(func() {
			up[n] = look.untilUp(lookCtx, hosts[name].probe)
			back[n] = clock.Now().Sub(start)
		})
	}
	wg.Wait()
	var again []int
	for n, name := range order {
		u := hosts[name]
		if !up[n] && ctx.Err() != nil {
			// The pass was cancelled (SIGTERM) before the look ended:
			// whether the host is back is unknown, so its processes are
			// not checked.
			for _, i := range append(u.state, u.sched...) {
				results[i].Interrupted = true
			}
			continue
		}
		if !up[n] {
			c.con.Logf("%s %s did not answer for %s after it stopped answering: it is down", u.endpoint, name, back[n].Round(time.Second))
			continue
		}
		c.client.HTTP.Hosts.Revive(name)
		loading := 0
		for _, i := range u.state {
			if check.TimedOut(results[i].StateErr) {
				results[i].StateErr = check.NowLoading(results[i].StateErr)
				loading++
			}
		}
		asked := unique(append(indexesWhere(u.state, results, func(r check.Result) bool { return check.NoAnswer(r.StateErr) }), u.sched...))
		again = append(again, asked...)
		c.con.Logf("%s %s answered again after %s: %s asked again%s", u.endpoint, name, back[n].Round(time.Millisecond),
			report.Count(len(asked), "process", "processes"), loadingNote(loading))
	}
	c.recheck(ctx, results, unique(again))
}

// unansweredHosts groups the no-answer failures by host, in the order
// first seen.
func unansweredHosts(routerURL string, targets []processlist.Target, results []check.Result) (map[string]*unanswered, []string) {
	hosts := map[string]*unanswered{}
	var order []string
	at := func(name string, ep check.Endpoint, probe string) *unanswered {
		u, ok := hosts[name]
		if !ok {
			u = &unanswered{endpoint: ep, probe: probe}
			hosts[name] = u
			order = append(order, name)
		}
		return u
	}
	for i, r := range results {
		if r.Interrupted {
			continue
		}
		if check.NoAnswer(r.StateErr) {
			u := at(escape.Host(targets[i].StateURL), check.StateServer, strings.TrimRight(targets[i].StateURL, "/")+stateProbe)
			u.state = append(u.state, i)
		}
		if check.NoAnswer(r.SUErr) {
			base := r.Scheduler
			if h := check.HostOf(r.SUErr); h == escape.Host(routerURL) || base == "" {
				base = routerURL
			}
			u := at(escape.Host(base), check.Scheduler, strings.TrimRight(base, "/")+schedulerProbe)
			u.sched = append(u.sched, i)
		}
	}
	return hosts, order
}

// prober asks a host whether it is back: through hc, waiting on clock,
// for at most within (lookAgainFor, or less before the pass deadline).
type prober struct {
	hc     *retryhttp.Client
	clock  retryhttp.Clock
	within time.Duration
}

// untilUp asks probe now and at each of lookWaits' instants after it (1,
// 3, 7, 15 and 30 s), until the host answers (any answer of its own), the
// look's time has passed, or ctx ends. The instants are kept whatever the
// probes take (a refused one, milliseconds; a hung one, the request
// timeout), and the last is the look's end, so a host back just before it
// is found.
func (pr prober) untilUp(ctx context.Context, probe string) bool {
	once := *pr.hc
	once.Hosts, once.MaxRetries, once.Budget, once.OnRetry = nil, 0, nil, nil // one attempt, past the open breaker
	clock := pr.clock
	start := clock.Now()
	end, at := start.Add(pr.within), start
	for n := 0; ; n++ {
		// Any answer but a gateway's is the host's own (package answer).
		resp, err := once.Do(ctx, retryhttp.Request{URL: probe, MaxBody: 64 << 10, Endpoint: answer.StateSlot, NoRedirects: true})
		if err == nil && resp.Verdict.Answered {
			return true
		}
		now := clock.Now()
		if n == len(lookWaits) || ctx.Err() != nil || !now.Before(end) {
			return false
		}
		at = at.Add(lookWaits[n])
		if at.After(end) {
			at = end
		}
		select {
		case <-clock.After(max(at.Sub(now), 0)):
		case <-ctx.Done():
			return false
		}
	}
}

// recheck asks the processes at indexes again, the sides that got no
// answer, as many at once as the per-host limits let through; each
// scheduler where the first check asked it.
func (c checker) recheck(ctx context.Context, results []check.Result, indexes []int) {
	var g errgroup.Group
	for _, i := range indexes {
		g.Go(func() error {
			r := c.client.Recheck(ctx, results[i], c.targets[i].StateURL, c.where(i))
			// The host answered a moment ago: a read it now leaves
			// unanswered is a process it is computing.
			r.StateErr = check.NowLoading(r.StateErr)
			results[i] = r
			return nil
		})
	}
	_ = g.Wait() // checks report failures in their results
}

// indexesWhere keeps the indexes whose result keep accepts, in order.
func indexesWhere(indexes []int, results []check.Result, keep func(check.Result) bool) []int {
	var out []int
	for _, i := range indexes {
		if keep(results[i]) {
			out = append(out, i)
		}
	}
	return out
}

// unique drops repeated indexes, keeping the first of each.
func unique(indexes []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, i := range indexes {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// loadingNote says how many of a host's timed-out reads were loading.
func loadingNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %s it did not answer in time %s loading (not asked again)", report.Count(n, "process", "processes"), map[bool]string{true: "was", false: "were"}[n == 1])
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
