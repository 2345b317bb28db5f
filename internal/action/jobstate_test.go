package action

import (
	"testing"

	"github.com/org/nonce-monitor-action/internal/config"
)

// Two spellings of one state file are one job: its grouped keys must not
// change because a workflow wrote "./" in front of the name.
func TestJobIDReadsTheStateFileAsAPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b string }{
		{"s.json", "./s.json"},
		{"state/s.json", "state//s.json"},
		{".pagerduty-state.json", "./.pagerduty-state.json"},
	} {
		a, b := jobID(config.Config{Inputs: config.Inputs{StateFile: tc.a}}), jobID(config.Config{Inputs: config.Inputs{StateFile: tc.b}})
		if a != b {
			t.Errorf("jobID(%q) = %q, jobID(%q) = %q; want one job", tc.a, a, tc.b, b)
		}
	}
	if jobID(config.Config{Inputs: config.Inputs{StateFile: "./.pagerduty-state.json"}}) != "" {
		t.Error("the default state file, spelled with ./, is not the one default job")
	}
}

func TestRouterLineSaysWhatHappened(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		asked, checked int
		want           string
	}{
		{0, 3, "every scheduler was remembered from earlier passes: no request to the scheduler router"},
		{3, 3, "asked the scheduler router for every process checked (3; no scheduler remembered for them yet)"},
		{1, 3, "asked the scheduler router for 1 of 3 processes (the others' schedulers were remembered from earlier passes)"},
	} {
		if got := routerLine(tc.asked, tc.checked); got != tc.want {
			t.Errorf("routerLine(%d, %d) = %q, want %q", tc.asked, tc.checked, got, tc.want)
		}
	}
}
