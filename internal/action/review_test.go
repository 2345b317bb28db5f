package action

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Two manual runs in a row (someone checks one process by hand, then checks
// it again) are both partial views: the second must not resolve the
// processes neither lists as removed.
func TestSecondManualRunHoldsWhatItDoesNotList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
	scheduled := map[string]string{"process-ids": "", "process-ids-file": "ids.txt"}
	manual := map[string]string{"process-ids": pidA}
	for _, pid := range []string{pidA, pidB, pidC} {
		h.fleet.Set(pid, 700, 1000)
	}
	h.run(scheduled)
	for i := 1; i <= 2; i++ {
		h.now = day1.Add(time.Duration(i) * time.Minute)
		h.event = "workflow_dispatch"
		if r := h.run(manual); r.exit != 0 || len(h.pd.Open()) != 3 {
			t.Fatalf("manual run %d closed what it did not list: exit %d, open %v\n%s", i, r.exit, h.pd.Open(), r.stdout)
		}
	}
	h.now = day1.Add(5 * time.Minute)
	h.event = "schedule"
	if r := h.run(scheduled); r.exit != 0 || len(h.pd.Open()) != 3 || strings.Contains(r.stdout, "not listed are held") {
		t.Errorf("the scheduled pass after manual runs: exit %d, open %v, and it should be a full view:\n%s", r.exit, h.pd.Open(), r.stdout)
	}
	for key, n := range h.pd.Opened() {
		if n != 1 {
			t.Errorf("%s opened %d times", key, n)
		}
	}
}
