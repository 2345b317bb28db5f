package action

import (
	"maps"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// A dry run reports the incidents a real pass in its place would leave
// open: here a new shard layout's first pass, which holds the old layout's
// grouped incidents open after their server recovered (it cannot tell
// whether it sees each group whole) instead of resolving them.
func TestDryRunReportsWhatARealPassWouldLeaveOpen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pids := shardPIDs(3)
	for _, pid := range pids {
		h.fleet.Set(pid, 1, 1)
		h.fleet.Break(pid, aotest.Gateway, aotest.OK)
	}
	in := func(shard string) map[string]string {
		return h.withREST(map[string]string{"process-ids": strings.Join(pids, "\n"), "shard": shard, "group-threshold": "2"})
	}
	for _, sh := range []string{"1/2", "2/2"} {
		h.run(in(sh))
	}
	if n := len(h.pd.Open()); n != 2 {
		t.Fatalf("the old layout opened %d incidents, want one server incident a shard", n)
	}
	for _, pid := range pids {
		h.fleet.Break(pid, aotest.OK, aotest.OK)
	}
	dry := maps.Clone(in("1/3"))
	dry["dry-run"] = "true"
	d := h.run(dry)
	r := h.run(in("1/3"))
	for _, out := range []string{"open-count", "triggered-count", "resolved-count", "open-incidents"} {
		if d.outputs[out] != r.outputs[out] {
			t.Errorf("%s: the dry run says %q, the pass in its place %q", out, d.outputs[out], r.outputs[out])
		}
	}
	if r.outputs["open-count"] == "0" {
		t.Errorf("the new layout's first pass left nothing open: the test no longer holds its groups\n%s", r.stdout)
	}
}
