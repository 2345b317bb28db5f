package action

import (
	"errors"

	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// publish writes the job summary and the outputs to the runner's files.
// Outside GitHub Actions it prints the terminal report instead, after the
// warnings and errors so far (they are what a person reads first), and the
// summary and outputs only where --summary-file and --json ask for them.
func publish(con *console.Console, p report.Pass) error {
	outputs, notes := report.Outputs(p)
	for _, n := range notes {
		con.Warnf("Outputs", "%s", n)
	}
	list := make([]console.Output, len(outputs))
	for i, o := range outputs {
		list[i] = console.Output{Name: o.Name, Value: o.Value}
	}
	if con.InActions() {
		if p.SlackStatus != "" {
			con.Logf("%s", p.SlackStatus)
		}
	} else {
		con.Flush()
		for _, line := range report.Terminal(p, outputs) {
			spans := make([]console.Span, len(line))
			for i, s := range line {
				spans[i] = console.Span{Text: s.Text, Color: console.Color(s.Tone)}
			}
			con.PrintLine(spans...)
		}
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
