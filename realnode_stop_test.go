package main

// The situations of TestOnTheRealNode that stop the node: a restart within
// the pass, one that cuts a read in flight, and the node down for a whole
// pass. They run last, after the ones that need it up.

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/testkit/realnodetest"
)

// stopTheNode runs the situations that stop the node, on pool (processes
// of 3 messages the node has).
func stopTheNode(t *testing.T, node *realnodetest.Node, pool []string) {
	t.Run("a restart within the pass pages nobody", func(t *testing.T) {
		w := newOnNode(t, node)
		pids := pool
		// The node goes down before the pass's reads, and its start begins
		// as the pass asks the scheduler: it is back seconds later, within
		// the pass. No retries: the second look alone must find it back.
		var armed atomic.Bool
		var start sync.Once
		started := make(chan error, 1)
		// Set before the fleet's lock is last taken here (scheduled): the
		// stand-in's handlers, which take it, then see the hook. The pass
		// is another process: its requests make no happens-before edge.
		w.sched.BeforeEach = func(*http.Request) {
			if armed.Load() {
				start.Do(func() { go func() { started <- node.Command("start").Run() }() })
			}
		}
		w.scheduled(3, pids...)
		w.pass(pids, nil) // computed and cached: the restart kills no computation
		node.Stop(t)
		armed.Store(true)
		p := w.pass(pids, map[string]string{"max-retries": "0"})
		if err := <-started; err != nil {
			t.Fatalf("node.sh start: %v", err)
		}
		if p.outputs["triggered-count"] != "0" || p.outputs["error-count"] != "0" || p.outputs["checked-count"] != "4" ||
			!strings.Contains(p.log, "answered again after") {
			t.Fatalf("outputs %v\n%s", p.outputs, p.log)
		}
	})

	t.Run("a restart that cuts a read in flight pages only what it broke", func(t *testing.T) {
		w := newOnNode(t, node)
		node.SlowMs(t, 3000) // a minute for its 20 slots: its read is in flight when the node restarts
		slow := node.New(t, "slow", 20)
		pids := append([]string{slow}, pool...)
		// The restart (node.sh restart: a kill, then a start with the same
		// store) begins as the pass first asks the scheduler of the slow
		// process, whose state read the pass sends at the same time: the
		// kill cuts that read (or, if it lands first, refuses it), and
		// the node is back seconds later, within the pass.
		var restart sync.Once
		restarted := make(chan error, 1)
		w.sched.BeforeEach = func(r *http.Request) {
			if strings.Contains(r.URL.String(), slow) {
				restart.Do(func() { go func() { restarted <- node.Command("restart").Run() }() })
			}
		}
		w.scheduled(3, pool...) // after the hook: the fleet's lock orders it before the handlers
		w.scheduled(20, slow)
		p := w.pass(pids, map[string]string{"max-retries": "0"})
		if err := <-restarted; err != nil {
			t.Fatalf("node.sh restart: %v", err)
		}
		if !strings.Contains(p.log, "answered again after") {
			t.Fatalf("the second look is not in the log\n%s", p.log)
		}
		for _, pid := range pool {
			if p.statuses[pid] != "ok" {
				t.Errorf("%s: status %q after the restart, want ok", pid, p.statuses[pid])
			}
		}
		// The kill sometimes leaves the slow process's store unusable:
		// the node then answers 500 for it on every request, a lasting
		// failure that is that process's page (the node's README says a
		// kill can corrupt the store). Otherwise the process is loading
		// and nobody is paged. Which one happened is asked of the node
		// itself, not of the action.
		if p.statuses[slow] == "error" {
			// The page must be for the node's 500 that the action read
			// itself (after the second look), not for the cut read: a
			// node that happens to be broken must not hide a second look
			// that paged a read the restart cut.
			if e := p.errs[slow]; !strings.Contains(e, "could not compute this process (HTTP 500") {
				t.Fatalf("the action paged %s for %q, not for the node's 500\n%s", slow, e, p.log)
			}
			u := node.URL + "/" + slow + "~process@1.0/compute/at-slot"
			if got := readShape(t, u, slow, 10*time.Second); got.Status != http.StatusInternalServerError {
				t.Fatalf("the action paged %s as failing, but the node answers %+v\n%s", slow, describe(got), p.log)
			}
			if got := w.triggered(); len(got) != 1 || !strings.Contains(got[0], "error-"+slow) {
				t.Fatalf("triggers %v, want the broken process's error incident alone\n%s", got, p.log)
			}
			t.Logf("the kill broke %s in the node's store; its page is the only one", slow)
			return
		}
		if p.outputs["triggered-count"] != "0" || p.outputs["error-count"] != "0" || p.statuses[slow] != "loading" {
			t.Fatalf("outputs %v, statuses %v\n%s", p.outputs, p.statuses, p.log)
		}
	})

	t.Run("the node down for the whole pass is paged", func(t *testing.T) {
		w := newOnNode(t, node)
		w.scheduled(3, pool...)
		node.Stop(t)
		defer node.Start(t)
		// More than 2 processes in trouble on one server: one server
		// incident, not one each.
		p := w.pass(pool, map[string]string{"group-threshold": "2"})
		if got := w.triggered(); len(got) != 1 || !strings.HasPrefix(got[0], "server-") || !strings.Contains(p.log, "it is down") {
			t.Fatalf("triggers %v, want one server incident\n%s", got, p.log)
		}
	})
}
