package main

// The action end to end against a real HyperBEAM node: the binary as the
// runner starts it, the node's at-slot for every state read, the scheduler
// and PagerDuty from the stand-ins. Each situation is one the node was
// seen to misread in: a page opens only on evidence of trouble, and no
// failure hides. Skipped without the node (NONCE_MONITOR_REALNODE); CI
// sets it up (docs/development.md).
//
// The node is one, shared: these tests run one after another (none is
// parallel), and the three that stop it come last (realnode_stop_test.go).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/testkit/ghatest"
	"github.com/org/nonce-monitor-action/internal/testkit/realnodetest"
)

// onNode is one situation's world: the real node, the scheduler's and
// PagerDuty's stand-ins, and a workspace the passes share.
type onNode struct {
	t     *testing.T
	node  *realnodetest.Node
	sched *aotest.Fleet // its router and SU only: the state server is the node
	pd    *pagerdutytest.Server
	ws    string
}

func newOnNode(t *testing.T, node *realnodetest.Node) *onNode {
	w := &onNode{t: t, node: node, sched: aotest.Start(), pd: pagerdutytest.Start(), ws: t.TempDir()}
	t.Cleanup(func() { w.sched.Close(); w.pd.Close() })
	return w
}

// nodePass is what one pass reported.
type nodePass struct {
	exit     int
	outputs  map[string]string
	log      string
	statuses map[string]string // the report file's status of each process
	errs     map[string]string // and its error, if any
}

// pass runs one monitoring pass of pids through the binary.
func (w *onNode) pass(pids []string, with map[string]string) nodePass {
	w.t.Helper()
	in := map[string]string{
		"process-ids":           strings.Join(pids, "\n"),
		"state-url":             w.node.URL,
		"su-router-url":         w.sched.Router.URL,
		"pagerduty-events-url":  w.pd.URL,
		"pagerduty-routing-key": "R0123456789abcdefghijklmnopqrstu",
		// A real node on two busy cores answers in about a second; a
		// read it has not answered in 20 s is the node computing.
		"request-timeout": "20s",
	}
	for k, v := range with {
		in[k] = v
	}
	files := w.t.TempDir()
	out, err := actionCommand(w.t, w.ws, files, in).CombinedOutput()
	p := nodePass{log: string(out)}
	if exit, ok := err.(interface{ ExitCode() int }); ok {
		p.exit = exit.ExitCode()
	} else if err != nil {
		w.t.Fatalf("the action did not run: %v", err)
	}
	raw, _ := os.ReadFile(filepath.Join(files, "set_output_1"))
	if p.outputs, err = ghatest.ParseOutputs(string(raw)); err != nil {
		w.t.Fatal(err)
	}
	p.statuses, p.errs = reportStatuses(w.t, filepath.Join(w.ws, ".nonce-monitor-report.json"))
	return p
}

func reportStatuses(t *testing.T, path string) (statuses, errs map[string]string) {
	t.Helper()
	var f struct {
		Processes []struct {
			ProcessID string  `json:"process_id"`
			Status    string  `json:"status"`
			Error     *string `json:"error"`
		} `json:"processes"`
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report file: %v", err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	statuses, errs = map[string]string{}, map[string]string{}
	for _, p := range f.Processes {
		statuses[p.ProcessID] = p.Status
		if p.Error != nil {
			errs[p.ProcessID] = *p.Error
		}
	}
	return statuses, errs
}

// triggered is every trigger PagerDuty received, as type-subject: its
// dedup key without the prefix, the job's owner and the day.
func (w *onNode) triggered() []string {
	var out []string
	for _, ev := range w.pd.Accepted() {
		if ev.EventAction == "trigger" {
			out = append(out, ownerAndDay.ReplaceAllString(strings.TrimPrefix(ev.DedupKey, "nonce-monitor-"), ""))
		}
	}
	slices.Sort(out)
	return out
}

var ownerAndDay = regexp.MustCompile(`(-j[0-9a-f]{8})?-[0-9]{8}$`)

// inStep makes the scheduler's nonce of pids n.
func (w *onNode) scheduled(n int64, pids ...string) {
	for _, pid := range pids {
		w.sched.Set(pid, 0, n)
	}
}

func TestOnTheRealNode(t *testing.T) {
	node := realnodetest.Get(t)
	// Four processes of 3 messages, shared by the situations that do not
	// need a process of their own (each has its own scheduler and
	// PagerDuty): a new process takes the node seconds to make.
	var pool []string
	for range 4 {
		pool = append(pool, node.New(t, "test", 3))
	}

	t.Run("in step", func(t *testing.T) {
		w := newOnNode(t, node)
		pid := pool[0]
		w.scheduled(3, pid)
		p := w.pass([]string{pid}, nil)
		if p.exit != 0 || p.statuses[pid] != "ok" || len(w.pd.Accepted()) != 0 {
			t.Fatalf("exit %d, status %q, events %v\n%s", p.exit, p.statuses[pid], w.triggered(), p.log)
		}
	})

	t.Run("behind by 100, 50 and 49 at threshold 50", func(t *testing.T) {
		w := newOnNode(t, node)
		b100, b50, b49 := pool[1], pool[2], pool[3]
		w.scheduled(103, b100)
		w.scheduled(53, b50)
		w.scheduled(52, b49)
		p := w.pass([]string{b100, b50, b49}, nil)
		want := []string{"mismatch-" + b100, "mismatch-" + b50}
		slices.Sort(want)
		if got := w.triggered(); !slices.Equal(got, want) || p.statuses[b49] != "ok" {
			t.Fatalf("triggers %v, want %v; status of 49 behind %q\n%s", got, want, p.statuses[b49], p.log)
		}
		severity := map[string]string{}
		for _, ev := range w.pd.Accepted() {
			severity[ev.DedupKey[len("nonce-monitor-mismatch-"):][:43]] = ev.Payload.Severity
		}
		if severity[b100] != "critical" || severity[b50] != "error" {
			t.Errorf("severities %v, want critical for 100, error for 50", severity)
		}
	})

	t.Run("an unknown process among known ones", func(t *testing.T) {
		w := newOnNode(t, node)
		known := pool[0]
		w.scheduled(3, known, unknownPID)
		p := w.pass([]string{known, unknownPID}, nil)
		if got := w.triggered(); !slices.Equal(got, []string{"error-" + unknownPID}) || p.statuses[known] != "ok" ||
			!strings.Contains(p.log, "this node does not have this process") {
			t.Fatalf("triggers %v, statuses %v\n%s", got, p.statuses, p.log)
		}
	})

	t.Run("every process unknown to the node: theirs, not the configuration's", func(t *testing.T) {
		w := newOnNode(t, node)
		pids := []string{unknownPID, "Unknown1Process0Nobody0Has00000000000000000", "Unknown2Process0Nobody0Has00000000000000000"}
		w.scheduled(3, pids...)
		p := w.pass(pids, nil)
		if p.exit != 0 || strings.Contains(p.log, "Configuration") || len(w.triggered()) != 3 || p.outputs["error-count"] != "3" {
			t.Fatalf("exit %d, triggers %v\n%s", p.exit, w.triggered(), p.log)
		}
	})

	t.Run("nothing scheduled: -1", func(t *testing.T) {
		w := newOnNode(t, node)
		pid := node.New(t, "unscheduled", 0)
		w.sched.Set(pid, 0, 0)
		w.sched.Break(pid, aotest.OK, aotest.NoMessages)
		p := w.pass([]string{pid}, nil)
		if p.exit != 0 || p.statuses[pid] != "ok" || len(w.pd.Accepted()) != 0 {
			t.Fatalf("exit %d, status %q, triggers %v\n%s", p.exit, p.statuses[pid], w.triggered(), p.log)
		}
	})

	t.Run("a cold node: nothing computed yet", func(t *testing.T) {
		w := newOnNode(t, node)
		pids := []string{node.New(t, "test", 3), node.New(t, "test", 3)} // never read: the pass's read computes them
		w.scheduled(3, pids...)
		p := w.pass(pids, nil)
		if p.outputs["triggered-count"] != "0" || p.outputs["behind-count"] != "0" || p.outputs["error-count"] != "0" {
			t.Fatalf("outputs %v\n%s", p.outputs, p.log)
		}
	})

	t.Run("a slow process: loading, and the slot the monitor's read left is no evidence", func(t *testing.T) {
		w := newOnNode(t, node)
		node.SlowMs(t, 3000) // a minute for its 20 slots
		slow, fine := node.New(t, "slow", 20), pool[0]
		w.scheduled(20, slow)
		w.scheduled(3, fine)
		in := map[string]string{"request-timeout": "4s"}
		for pass := 1; pass <= 2; pass++ {
			p := w.pass([]string{slow, fine}, in)
			if p.statuses[slow] != "loading" || p.statuses[fine] != "ok" || len(w.pd.Accepted()) != 0 {
				t.Fatalf("pass %d: statuses %v, triggers %v\n%s", pass, p.statuses, w.triggered(), p.log)
			}
			if pass == 2 && !strings.Contains(p.log, "so far; nothing has computed past it") {
				t.Errorf("pass 2 does not say what the slot it read is:\n%s", p.log)
			}
		}
	})

	t.Run("a crash at slot 2: seen once, never hidden after", func(t *testing.T) {
		w := newOnNode(t, node)
		pid := node.New(t, "crash-at-slot-2", 3)
		w.scheduled(3, pid)
		for pass := 1; pass <= 3; pass++ {
			p := w.pass([]string{pid}, nil)
			if p.statuses[pid] != "error" || p.outputs["resolved-count"] != "0" {
				t.Fatalf("pass %d: status %q, resolved %s\n%s", pass, p.statuses[pid], p.outputs["resolved-count"], p.log)
			}
			if !strings.Contains(p.log, "{rt_crash_on_purpose,2}") {
				t.Errorf("pass %d does not give the node's reason:\n%s", pass, p.log)
			}
		}
		if got := w.triggered(); !slices.Equal(got, []string{"error-" + pid}) {
			t.Errorf("triggers %v, want one error incident", got)
		}
	})

	stopTheNode(t, node, pool) // last: they stop the node
}
