package action

import (
	"errors"

	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// publish writes the job summary and the outputs to the runner's files, or,
// outside GitHub Actions, prints the same.
func publish(con *console.Console, p report.Pass) error {
	outputs, notes := report.Outputs(p)
	for _, n := range notes {
		con.Warnf("Outputs", "%s", n)
	}
	list := make([]console.Output, len(outputs))
	for i, o := range outputs {
		list[i] = console.Output{Name: o.Name, Value: o.Value}
	}
	return errors.Join(con.AddSummary(report.Summary(p)), con.SetOutputs(list))
}

// writeReport writes every process's result for later steps. Failing to is
// a warning: the pass itself is done. It returns the path for the output, or
// "" if nothing was written.
func writeReport(con *console.Console, ws *workspace.Dir, name string, p report.Pass) string {
	if err := ws.Write(name, con.RedactBytes(report.File(p))); err != nil {
		con.Warnf("Report file", "report file %s: %v", name, err)
		return ""
	}
	return name
}
