package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Output is one step output.
type Output struct {
	Name, Value string
}

// OutputNames lists every output in the order Outputs sets them; action.yml
// declares the same names (a test holds them together).
var OutputNames = []string{
	"triggered", "resolved", "open",
	"triggered-count", "resolved-count", "open-count",
	"checked-count", "behind-count", "error-count", "stuck-count",
	"state-changed", "state-file", "report-file",
}

// GitHub keeps at most 1 MB of outputs per job. Each incident array gets a
// share of that; the counts always tell the whole number.
const maxArrayBytes = 256 << 10

// Outputs renders the step outputs of a pass, and notes for any incident
// array that had to be cut to fit GitHub's limit.
func Outputs(p Pass) ([]Output, []string) {
	var notes []string
	array := func(name string, incs []Incident) string {
		s, kept := jsonArray(incs, maxArrayBytes)
		if kept < len(incs) {
			notes = append(notes, fmt.Sprintf("output %s lists %d of %d incidents to stay under GitHub's 1 MB of outputs; %s-count and the report file have them all", name, kept, len(incs), name))
		}
		return s
	}
	values := map[string]string{
		"triggered":       array("triggered", p.Triggered),
		"resolved":        array("resolved", p.Resolved),
		"open":            array("open", p.Open),
		"triggered-count": strconv.Itoa(len(p.Triggered)),
		"resolved-count":  strconv.Itoa(len(p.Resolved)),
		"open-count":      strconv.Itoa(len(p.Open)),
		"checked-count":   strconv.Itoa(len(p.Results) - p.NotChecked()),
		"behind-count":    strconv.Itoa(p.Behind()),
		"error-count":     strconv.Itoa(p.Errors()),
		"stuck-count":     strconv.Itoa(p.Stuck()),
		"state-changed":   strconv.FormatBool(p.StateChanged),
		"state-file":      p.StateFile,
		"report-file":     p.ReportFile,
	}
	out := make([]Output, 0, len(OutputNames))
	for _, name := range OutputNames {
		out = append(out, Output{Name: name, Value: values[name]})
	}
	return out, notes
}

// jsonArray encodes as many incidents as fit in limit bytes.
func jsonArray(incs []Incident, limit int) (string, int) {
	var b strings.Builder
	b.WriteString("[")
	kept := 0
	for _, inc := range incs {
		item, err := json.Marshal(inc)
		if err != nil {
			panic(err) // strings and integers only
		}
		if b.Len()+len(item)+2 > limit {
			break
		}
		if kept > 0 {
			b.WriteString(",")
		}
		b.Write(item)
		kept++
	}
	b.WriteString("]")
	return b.String(), kept
}
