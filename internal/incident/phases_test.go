package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/trend"
)

var viewOpts = cmp.Options{cmp.AllowUnexported(processView{}, wanted{}, coverage{}, subjectKey{}), cmpopts.EquateEmpty()}

// Phase 1: each process's own want.
func TestWantsOf(t *testing.T) {
	stuckPolicy := with(policyOn, func(p *Policy) { p.StuckAfter = 20 * time.Minute })
	for _, tc := range []struct {
		name   string
		prev   State
		obs    []Observation
		policy Policy
		want   processView
	}{
		{"behind wants a mismatch at its level", open(), []Observation{behind(pidA, 120)}, policyOn,
			processView{wants: map[string]wanted{pidA: {Mismatch, "critical"}}}},
		{"not checked holds, and marks the pass partial", failingFor(open(), map[string]int{pidA: 1}), []Observation{{ProcessID: pidA, Check: CheckInterrupted}}, policyOn,
			processView{held: map[string]bool{pidA: true}, failing: map[string]int{pidA: 1}, partial: true}},
		{"an open stuck incident with an unknown trend is held", open(inc(pidA, Stuck, "error", day1)),
			[]Observation{moving(pidA, 0, trend.Trend{Class: trend.Unknown})}, stuckPolicy,
			processView{held: map[string]bool{pidA: true}}},
		{"an open stuck incident still stuck, for any time, stays wanted", open(inc(pidA, Stuck, "error", day1)),
			[]Observation{moving(pidA, 0, trend.Trend{Class: trend.Stuck, StuckSince: day1})}, stuckPolicy,
			processView{wants: map[string]wanted{pidA: {Stuck, "error"}}}},
		{"failing under the error threshold: counted, nothing wanted", open(), []Observation{failing(pidA)}, with(policyOn, func(p *Policy) { p.ErrorThreshold = 2 }),
			processView{failing: map[string]int{pidA: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.prev.Clone()
			got := wantsOf(tc.prev, tc.obs, day1, tc.policy)
			if diff := cmp.Diff(tc.want, got, viewOpts); diff != "" {
				t.Errorf("wantsOf (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tc.prev, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wantsOf changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

// Phase 2: what groups cover, with memory.
func TestCover(t *testing.T) {
	grouping := with(policyOn, func(p *Policy) { p.GroupThreshold = 2 })
	errWant := func(pids ...string) processView {
		v := processView{wants: map[string]wanted{}}
		for _, pid := range pids {
			v.wants[pid] = wanted{Unreadable, "error"}
		}
		return v
	}
	serverKey := subjectKey{Server, host}
	for _, tc := range []struct {
		name string
		prev State
		obs  []Observation
		view processView
		want coverage
	}{
		{"more than the threshold: a group covering them", open(), []Observation{stateFailing(pidA), stateFailing(pidB), stateFailing(pidC)}, errWant(pidA, pidB, pidC),
			coverage{groups: map[subjectKey][]string{serverKey: {pidA, pidB, pidC}}, covered: map[string]bool{pidA: true, pidB: true, pidC: true}}},
		{"exactly the threshold and nothing open: no group", open(), []Observation{stateFailing(pidA), stateFailing(pidB)}, errWant(pidA, pidB),
			coverage{}},
		{"open, two processes still failing: the group stays and covers them", open(serverInc(Server, host, day1)), []Observation{stateFailing(pidA), stateFailing(pidB), behindOn(pidC, 0)}, errWant(pidA, pidB),
			coverage{groups: map[subjectKey][]string{serverKey: {pidA, pidB}}, covered: map[string]bool{pidA: true, pidB: true}}},
		{"open, one failing and one behind but deferred: both in trouble, both covered", open(serverInc(Server, host, day1)), []Observation{stateFailing(pidA), behindOn(pidB, 80), behindOn(pidC, 0)}, errWant(pidA),
			coverage{groups: map[subjectKey][]string{serverKey: {pidA, pidB}}, covered: map[string]bool{pidA: true, pidB: true}}},
		{"open, one process left failing: no longer the server's trouble, the group ends and it is its own", open(serverInc(Server, host, day1)), []Observation{stateFailing(pidA), behindOn(pidB, 0)}, errWant(pidA),
			coverage{}},
		{"open, nobody in trouble: not wanted", open(serverInc(Server, host, day1)), []Observation{behindOn(pidA, 0)}, processView{},
			coverage{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.prev.Clone()
			got := cover(tc.prev, tc.obs, tc.view, grouping)
			if diff := cmp.Diff(tc.want, got, viewOpts); diff != "" {
				t.Errorf("cover (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tc.prev, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("cover changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

// Phase 3: open incidents against wants.
func TestReconcileAll(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prev   State
		obs    []Observation
		view   processView
		cov    coverage
		policy Policy
		want   []Event
	}{
		{"covered: its own incident is held", open(inc(pidA, Unreadable, "error", day1)), []Observation{stateFailing(pidA)},
			processView{wants: map[string]wanted{pidA: {Unreadable, "error"}}}, coverage{covered: map[string]bool{pidA: true}}, policyOn, nil},
		{"unlisted in a narrowed pass: held", open(inc(pidB, Unreadable, "error", day1)), []Observation{behind(pidA, 0)},
			processView{}, coverage{}, with(policyOn, func(p *Policy) { p.Narrowed = true }), nil},
		{"a server incident whose server is no longer listed: removed", open(serverInc(Server, "gone.test", day1)), []Observation{behindOn(pidA, 0)},
			processView{}, coverage{}, policyOn, []Event{ev(Resolve, Removed, serverInc(Server, "gone.test", day1))}},
		{"a partial pass holds a group it does not want", open(serverInc(Server, host, day1)), []Observation{behindOn(pidA, 0)},
			processView{partial: true}, coverage{}, policyOn, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.prev.Clone()
			got, _ := reconcileAll(tc.prev, tc.obs, tc.view, tc.cov, day1, tc.policy)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("reconcileAll (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tc.prev, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("reconcileAll changed its input (-before +after):\n%s", diff)
			}
		})
	}
}
