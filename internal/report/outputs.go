package report

import (
	"encoding/json"
	"strconv"
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
	"checked-count", "behind-count", "error-count",
	"state-changed", "state-file",
}

// Outputs renders the step outputs of a pass.
func Outputs(p Pass) []Output {
	values := map[string]string{
		"triggered":       jsonArray(p.Triggered),
		"resolved":        jsonArray(p.Resolved),
		"open":            jsonArray(p.Open),
		"triggered-count": strconv.Itoa(len(p.Triggered)),
		"resolved-count":  strconv.Itoa(len(p.Resolved)),
		"open-count":      strconv.Itoa(len(p.Open)),
		"checked-count":   strconv.Itoa(len(p.Results)),
		"behind-count":    strconv.Itoa(p.Behind()),
		"error-count":     strconv.Itoa(p.Errors()),
		"state-changed":   strconv.FormatBool(p.StateChanged),
		"state-file":      p.StateFile,
	}
	out := make([]Output, 0, len(OutputNames))
	for _, name := range OutputNames {
		out = append(out, Output{Name: name, Value: values[name]})
	}
	return out
}

func jsonArray(incs []Incident) string {
	if incs == nil {
		incs = []Incident{}
	}
	b, err := json.Marshal(incs)
	if err != nil {
		panic(err) // strings and integers only
	}
	return string(b)
}
