package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/history"
)

// A state server that answers its address but no read of any process (its
// computation is stuck) is loading them for one pass only: a node that was
// loading them would answer, the pass after, the slot each abandoned
// computation reached. The pass after, it is in trouble, paged; a cold
// node, which answers those slots at once, is not.
func TestANodeThatAnswersNoReadIsNotLoadingThemForAnHour(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		set   func(node *aotest.Fleet, pid string)
		paged bool
	}{
		{"stuck: every read hangs, pass after pass", func(node *aotest.Fleet, pid string) { node.Break(pid, aotest.Hang, aotest.OK) }, true},
		{"cold: each read abandons a computation that keeps a slot", func(node *aotest.Fleet, pid string) { node.LoadsSlowly(pid, 40) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			node := aotest.Start()
			t.Cleanup(node.Close)
			h.fleet.Set(pidA, 5, 5)
			node.Set(pidA, 5, 5) // the scheduler's stand-in is h.fleet's
			var entries []string
			for i := range 3 {
				pid := fmt.Sprintf("H%042d", i)
				h.fleet.Set(pid, 0, 60)
				node.Set(pid, 60, 60)
				tc.set(node, pid)
				entries = append(entries, fmt.Sprintf("%q: %q", pid, node.State.URL))
			}
			os.WriteFile(filepath.Join(h.ws, "map.json"), []byte("{"+strings.Join(entries, ",")+"}"), 0o644)
			in := map[string]string{"process-ids": pidA, "process-map-file": "map.json", "request-timeout": "500ms", "max-retries": "0", "group-threshold": "2"}
			if r := h.run(in); len(h.pd.Accepted()) != 0 || !strings.Contains(r.stdout, "loading") {
				t.Fatalf("pass 1: events %v\n%s", triggeredTypes(h), r.stdout)
			}
			h.now = h.now.Add(5 * time.Minute)
			r := h.run(in)
			paged := len(h.pd.Open()) == 1 && strings.Contains(h.pd.Open()[0], "nonce-monitor-server-")
			if paged != tc.paged || (!tc.paged && len(h.pd.Accepted()) != 0) {
				t.Fatalf("pass 2: open %v, want paged %v\n%s", h.pd.Open(), tc.paged, r.stdout)
			}
			if tc.paged && !strings.Contains(r.stdout, "the node computes nothing") {
				t.Errorf("pass 2 does not say what is wrong:\n%s", r.stdout)
			}
		})
	}
}

// Which state servers compute nothing: every read of the pass timed out,
// and at least minHung of them timed out the pass before too, leaving no
// slot.
func TestHungHosts(t *testing.T) {
	t.Parallel()
	loading := func(pid, url string) check.Result {
		return check.Result{ProcessID: pid, StateURL: url, StateErr: &check.Error{Endpoint: check.StateServer, Kind: check.Loading}}
	}
	five := int64(5)
	read := func(pid, url string) check.Result {
		return check.Result{ProcessID: pid, StateURL: url, StateNonce: &five, SUNonce: &five}
	}
	again := history.Note{Kind: history.Abandoned, Since: day1}
	left := history.Note{Kind: history.Abandoned, Since: day1, Slot: 3, SlotKnown: true}
	const x, y = "https://x.test", "https://y.test"
	for _, tc := range []struct {
		name    string
		results []check.Result
		notes   history.Notes
		want    []string
	}{
		{"two timed out again, nothing answered: stuck", []check.Result{loading("a", x), loading("b", x)}, history.Notes{"a": again, "b": again}, []string{"x.test"}},
		{"one answered: loading", []check.Result{loading("a", x), loading("b", x), read("c", x)}, history.Notes{"a": again, "b": again}, nil},
		{"the first time: loading", []check.Result{loading("a", x), loading("b", x)}, nil, nil},
		{"one timed out again: loading", []check.Result{loading("a", x), loading("b", x)}, history.Notes{"a": again}, nil},
		{"the last pass left a slot: loading", []check.Result{loading("a", x), loading("b", x)}, history.Notes{"a": left, "b": left}, nil},
		{"per host", []check.Result{loading("a", x), loading("b", x), read("c", y)}, history.Notes{"a": again, "b": again}, []string{"x.test"}},
		{"a process not checked says nothing", []check.Result{loading("a", x), loading("b", x), {ProcessID: "c", StateURL: x, Interrupted: true}},
			history.Notes{"a": again, "b": again}, []string{"x.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for host := range hungHosts(tc.results, tc.notes) {
				got = append(got, host)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
