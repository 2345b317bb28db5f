package report

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/org/nonce-monitor-action/internal/trend"
)

// fileVersion is the report file's format version.
const fileVersion = 1

// processReport is one process in the report file.
type processReport struct {
	ProcessID   string `json:"process_id"`
	StateURL    string `json:"state_url"`
	StateNonce  *int64 `json:"state_nonce"`
	SUNonce     *int64 `json:"su_nonce"`
	SlotsBehind *int64 `json:"slots_behind"`
	Status      string `json:"status"` // ok, behind, error, silenced, not-checked
	// The motion over the history window: trend is steady, stuck,
	// catching-up, falling-behind or unknown; rates in slots a minute.
	Trend      string   `json:"trend"`
	StateRate  *float64 `json:"state_rate"`
	SURate     *float64 `json:"su_rate"`
	ETAMinutes *int64   `json:"eta_minutes"`
	StuckSince *string  `json:"stuck_since"`
	Error      *string  `json:"error"`
	DurationMS int64    `json:"duration_ms"`
}

type file struct {
	Version   int             `json:"version"`
	Generated string          `json:"generated_at"`
	Threshold int64           `json:"threshold"`
	Checked   int             `json:"checked"`
	Behind    int             `json:"behind"`
	Errors    int             `json:"errors"`
	Processes []processReport `json:"processes"`
}

// File renders the report file: every process's result, for later steps and
// dashboards. Unlike the state file it changes every pass.
func File(p Pass) []byte {
	f := file{Version: fileVersion, Generated: p.Now.UTC().Format(time.RFC3339), Threshold: p.Threshold,
		Checked: len(p.Results), Behind: p.Behind(), Errors: p.Errors(), Processes: make([]processReport, len(p.Results))}
	for i, r := range p.Results {
		pr := processReport{ProcessID: r.ProcessID, StateURL: r.StateURL, StateNonce: r.StateNonce, SUNonce: r.SUNonce,
			Status: string(p.Status[r.ProcessID]), DurationMS: r.Duration.Milliseconds()}
		if r.BothRead() {
			n := r.SlotsBehind()
			pr.SlotsBehind = &n
		}
		trendFields(&pr, p.Trends[r.ProcessID])
		if msg := r.ErrorText(); msg != "" {
			pr.Error = &msg
		}
		f.Processes[i] = pr
	}
	return appendIndented(make([]byte, 0, 256+512*len(f.Processes)), f)
}

// appendIndented is json.MarshalIndent(f, "", "  ") and a newline, built a
// process at a time: for 10,000 processes the whole report marshalled and
// then indented held three copies of it at once, at the end of the pass
// where its peak RSS is.
func appendIndented(b []byte, f file) []byte {
	processes := f.Processes
	f.Processes = []processReport{}
	head, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err) // strings and integers only
	}
	if len(processes) == 0 {
		return append(append(b, head...), '\n')
	}
	b = append(b, bytes.TrimSuffix(head, []byte("[]\n}"))...)
	b = append(b, "[\n"...)
	for i, pr := range processes {
		one, err := json.MarshalIndent(pr, "    ", "  ")
		if err != nil {
			panic(err)
		}
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, "    "...)
		b = append(b, one...)
	}
	return append(b, "\n  ]\n}\n"...)
}

func trendFields(pr *processReport, t trend.Trend) {
	pr.Trend = string(t.Class)
	if pr.Trend == "" {
		pr.Trend = string(trend.Unknown)
	}
	if t.Class == trend.Unknown || t.Class == "" {
		return
	}
	state, su := trend.Round1(t.StateRate), trend.Round1(t.SURate)
	pr.StateRate, pr.SURate = &state, &su
	if t.Class == trend.CatchingUp {
		eta := int64(t.ETA.Minutes())
		pr.ETAMinutes = &eta
	}
	if t.Class == trend.Stuck {
		since := t.StuckSince.UTC().Format(time.RFC3339)
		pr.StuckSince = &since
	}
}
