package action

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A manual run with the REST API key and process-ids naming one of three
// paged processes: it adopts nothing it could resolve, and holds the other
// two, whether or not the state file is there.
func TestManualRunWithTheKeyHoldsWhatItDoesNotList(t *testing.T) {
	for _, lose := range []bool{false, true} {
		t.Run(map[bool]string{false: "state file kept", true: "state file lost"}[lose], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidA+"\n"+pidB+"\n"+pidC+"\n"), 0o644)
			scheduled := h.withREST(map[string]string{"process-ids": "", "process-ids-file": "ids.txt"})
			manual := h.withREST(map[string]string{"process-ids": pidA})
			for _, pid := range []string{pidA, pidB, pidC} {
				h.fleet.Set(pid, 700, 1000)
			}
			h.run(scheduled)
			if len(h.pd.Open()) != 3 {
				t.Fatalf("open after the scheduled pass: %v", h.pd.Open())
			}
			if lose {
				h.deleteState()
			}
			h.now = day1.Add(2 * time.Minute)
			r := h.run(manual)
			if len(h.pd.Open()) != 3 {
				t.Errorf("the manual run closed what it did not list: exit %d, open %v\n%s", r.exit, h.pd.Open(), r.stdout)
			}
		})
	}
}
