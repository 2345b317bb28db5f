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
		asked, unknown, checked int
		want                    string
	}{
		{0, 0, 3, "every scheduler was remembered from earlier passes: no request to the scheduler router"},
		{3, 3, 3, "asked the scheduler router for every process checked (3; no scheduler remembered for them yet)"},
		{1, 1, 3, "asked the scheduler router for 1 of 3 processes (the others' schedulers were remembered from earlier passes)"},
		{3, 0, 3, "asked the scheduler router for 3 of 3 processes: 0 with no scheduler remembered, 3 to re-check the one remembered (hourly, or when it failed or answered out of step with the state server)"},
		{5, 2, 100, "asked the scheduler router for 5 of 100 processes: 2 with no scheduler remembered, 3 to re-check the one remembered (hourly, or when it failed or answered out of step with the state server)"},
	} {
		if got := routerLine(tc.asked, tc.unknown, tc.checked); got != tc.want {
			t.Errorf("routerLine(%d, %d, %d) = %q, want %q", tc.asked, tc.unknown, tc.checked, got, tc.want)
		}
	}
}
