package action

import (
	"fmt"

	"github.com/org/nonce-monitor-action/internal/report"
)

// publish writes the outputs and the job summary to the runner's files, or,
// outside GitHub Actions (no GITHUB_OUTPUT), prints the same to stdout.
func publish(con *console, getenv func(string) string, p report.Pass) (err error) {
	// go-githubactions panics when a file command cannot be written.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing step outputs or summary: %v", r)
		}
	}()
	summary := report.Summary(p)
	outputs, notes := report.Outputs(p)
	for _, n := range notes {
		con.warnf("Outputs", "%s", n)
	}
	if getenv("GITHUB_STEP_SUMMARY") != "" {
		con.gha.AddStepSummary(summary)
	} else {
		con.logf("\n%s", summary)
	}
	if getenv("GITHUB_OUTPUT") != "" {
		for _, o := range outputs {
			con.gha.SetOutput(o.Name, o.Value)
		}
		return nil
	}
	con.logf("Outputs:")
	for _, o := range outputs {
		con.logf("  %s=%s", o.Name, o.Value)
	}
	return nil
}
