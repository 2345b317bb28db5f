package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/testkit/goldentest"
	"github.com/org/nonce-monitor-action/internal/trend"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func pid(c byte, i int) string { return fmt.Sprintf("%c%042d", c, i) }

func healthy(id string, lag int64) check.Result {
	s, su := int64(1000), 1000+lag
	return check.Result{ProcessID: id, StateURL: "https://state.forward.computer", StateNonce: &s, SUNonce: &su, Duration: 120 * time.Millisecond}
}

func broken(id, host string, kind check.Kind) check.Result {
	return check.Result{ProcessID: id, StateURL: "https://" + host,
		StateErr: &check.Error{Endpoint: check.StateServer, Host: host, Kind: kind, Detail: "unreachable: connection refused (after 4 attempts)"}}
}

func openIncident(r check.Result, t incident.Type, since time.Time) Incident {
	return NewIncident(incident.Incident{ProcessID: r.ProcessID, Type: t, DedupKey: incident.DedupKey(t, r.ProcessID, since),
		Severity: "error", Since: since}, "", &r)
}

// fleet builds a pass with n processes: every tenth behind, every
// twentieth failing on one of two servers.
func fleet(n int, behindEvery, failEvery int) Pass {
	p := Pass{Threshold: 50, Now: now, PagerDutyEnabled: true, StateFile: ".pagerduty-state.json", StateChanged: true}
	for i := range n {
		switch {
		case failEvery > 0 && i%failEvery == 0:
			host := "push-1.forward.computer"
			if i%(2*failEvery) == 0 {
				host = "state-2.forward.computer"
			}
			r := broken(pid('F', i), host, check.Unreachable)
			p.Results = append(p.Results, r)
			p.Open = append(p.Open, openIncident(r, incident.Unreadable, now.Add(-90*time.Minute)))
		case behindEvery > 0 && i%behindEvery == 0:
			r := healthy(pid('L', i), int64(50+i%300))
			p.Results = append(p.Results, r)
			inc := openIncident(r, incident.Mismatch, now.Add(-time.Duration(i)*time.Minute))
			p.Open = append(p.Open, inc)
			if i%(3*behindEvery) == 0 {
				p.Triggered = append(p.Triggered, inc)
			}
		default:
			p.Results = append(p.Results, healthy(pid('H', i), int64(i%7)))
		}
	}
	p.Status = map[string]incident.Status{}
	for _, r := range p.Results {
		o := incident.Observation{Check: checkOf(r), SlotsBehind: r.SlotsBehind()}
		p.Status[r.ProcessID] = incident.Classify(o, p.Threshold)
	}
	return p
}

func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]Pass{
		"small-fleet": fleet(12, 4, 6),
		"all-healthy": fleet(30, 0, 0),
		"all-failing": fleet(25, 0, 1),
		"fleet-of-60": fleet(60, 10, 20),
		"trends":      withTrends(fleet(12, 4, 6)),
	} {
		t.Run(name, func(t *testing.T) {
			got := Summary(p)
			if len(got) > maxSummaryBytes {
				t.Errorf("summary is %d bytes", len(got))
			}
			goldentest.Check(t, "summary-"+name+".md", got)
		})
	}
}

// At 10,000 processes, every one failing or behind, the summary and the
// outputs stay under GitHub's limits and say what they left out.
func TestLimitsAtTenThousandProcesses(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]Pass{"all failing": fleet(10_000, 0, 1), "all behind": fleet(10_000, 1, 0)} {
		t.Run(name, func(t *testing.T) {
			p.Triggered = p.Open
			s := Summary(p)
			if len(s) > 1<<20 {
				t.Errorf("summary is %d bytes, over GitHub's 1 MiB", len(s))
			}
			if !strings.Contains(s, "…and 9500 more") {
				t.Error("the summary does not say how many rows it left out")
			}
			outputs, notes := Outputs(p)
			total := 0
			for _, o := range outputs {
				total += len(o.Name) + len(o.Value)
			}
			if total > 1_000_000 {
				t.Errorf("outputs are %d bytes, over GitHub's 1 MB per job", total)
			}
			if len(notes) != 2 {
				t.Errorf("notes = %q, want triggered and open cut", notes)
			}
			var open []Incident
			if err := json.Unmarshal([]byte(outputs[2].Value), &open); err != nil || len(open) == 0 {
				t.Errorf("a cut output must still be a JSON array: %v", err)
			}
			if outputs[5].Name != "open-count" || outputs[5].Value != "10000" {
				t.Errorf("%s = %s, want the full count", outputs[5].Name, outputs[5].Value)
			}
		})
	}
}

func TestOutputsHaveExactlyTheDocumentedKeys(t *testing.T) {
	t.Parallel()
	p := fleet(12, 4, 6)
	outputs, _ := Outputs(p)
	var incs []map[string]any
	if err := json.Unmarshal([]byte(outputs[2].Value), &incs); err != nil || len(incs) == 0 {
		t.Fatalf("open output: %v", err)
	}
	var keys []string
	for k := range incs[0] {
		keys = append(keys, k)
	}
	want := []string{"dedup_key", "error", "process_id", "severity", "since", "slots_behind", "state_nonce", "state_url", "su_nonce", "type"}
	if diff := cmp.Diff(want, sorted(keys)); diff != "" {
		t.Errorf("incident keys (-want +got):\n%s", diff)
	}
}

func TestReportFile(t *testing.T) {
	t.Parallel()
	p := fleet(12, 4, 6)
	p.Status[pid('H', 1)] = incident.StatusSilenced
	var f struct {
		Version, Checked, Behind, Errors int
		Processes                        []processReport
	}
	if err := json.Unmarshal(File(p), &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 || f.Checked != 12 || len(f.Processes) != 12 || f.Errors != 2 || f.Behind != 2 {
		t.Fatalf("report header: %+v", f)
	}
	status := map[string]string{}
	for _, pr := range f.Processes {
		status[pr.ProcessID] = pr.Status
	}
	for id, want := range map[string]string{pid('F', 0): "error", pid('L', 4): "behind", pid('H', 1): "silenced", pid('H', 2): "ok"} {
		if status[id] != want {
			t.Errorf("%s: status %q, want %q", id, status[id], want)
		}
	}
	if f.Processes[1].DurationMS != 120 || f.Processes[0].Error == nil {
		t.Errorf("processes: %+v", f.Processes[:2])
	}
}

func TestOpenFor(t *testing.T) {
	t.Parallel()
	for since, want := range map[time.Duration]string{0: "just now", 42 * time.Minute: "42m", 26*time.Hour + 5*time.Minute: "26h 5m", 72 * time.Hour: "3d"} {
		if got := openFor(now.Add(-since), now); got != want {
			t.Errorf("openFor(%s) = %q, want %q", since, got, want)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// withTrends gives a fleet an hour of history: the lagging processes fall
// behind, one is stuck, one catches up and is deferred.
func withTrends(p Pass) Pass {
	p.Trends, p.History = map[string]trend.Trend{}, map[string][]trend.Sample{}
	for i, r := range p.Results {
		if !r.BothRead() {
			continue
		}
		var samples []trend.Sample
		for k := range 5 {
			at := now.Add(time.Duration(k-4) * 15 * time.Minute)
			gap := r.SlotsBehind() * int64(k+1) / 5
			if i == 4 {
				gap = r.SlotsBehind() * int64(9-k) / 5 // catching up
			}
			samples = append(samples, trend.Sample{At: at, State: 1000 + int64(20*k) - gap, SU: 1000 + int64(20*k)})
		}
		p.History[r.ProcessID] = samples
		p.Trends[r.ProcessID] = trend.Of(samples, now)
	}
	p.Trends[pid('H', 1)] = trend.Trend{Class: trend.Stuck, StuckSince: now.Add(-38 * time.Minute)}
	p.Deferred = []string{pid('L', 4)}
	return p
}

// With a REST API key, "Still open" and the outputs show each incident as
// PagerDuty does: its number, linked, and its status.
func TestStillOpenShowsPagerDutysView(t *testing.T) {
	t.Parallel()
	r := healthy(pid('A', 1), 80)
	linked := openIncident(r, incident.Mismatch, now.Add(-time.Hour))
	linked.PagerDuty = &incident.Link{Number: 4711, Status: "acknowledged", URL: "https://acme.pagerduty.com/incidents/Q1ABC"}
	fresh := openIncident(healthy(pid('B', 2), 90), incident.Mismatch, now)
	p := Pass{Threshold: 50, Now: now, PagerDutyEnabled: true, Results: []check.Result{r}, Open: []Incident{linked, fresh}}
	summary := Summary(p)
	for _, want := range []string{"| in PagerDuty |", "[#4711](https://acme.pagerduty.com/incidents/Q1ABC) acknowledged |", "| – |"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	outputs, _ := Outputs(p)
	var open []map[string]any
	for _, o := range outputs {
		if o.Name == "open" {
			if err := json.Unmarshal([]byte(o.Value), &open); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]any{"number": float64(4711), "status": "acknowledged", "url": "https://acme.pagerduty.com/incidents/Q1ABC"}
	if len(open) != 2 || !cmp.Equal(open[0]["pagerduty"], want) || open[1]["pagerduty"] != nil {
		t.Errorf("open output: %v", open)
	}
	if strings.Contains(summary, "in PagerDuty") && !strings.Contains(Summary(Pass{Threshold: 50, Now: now, Open: []Incident{fresh}}), "| state server |\n") {
		t.Error("without PagerDuty's view the table keeps its columns")
	}
}

// The report file is written a process at a time, exactly as marshalling
// it whole would write it.
func TestReportFileAsMarshalIndent(t *testing.T) {
	n, m := int64(7), int64(9)
	msg, since := "scheduler x: <down> & \"out\"", "2026-11-24T09:00:00Z"
	rate := 1.5
	for _, procs := range [][]processReport{
		nil,
		{},
		{{ProcessID: "a", StateNonce: &n, SUNonce: &m, SlotsBehind: &n, Status: "ok", Trend: "steady"}},
		{{ProcessID: "a", Status: "error", Error: &msg}, {ProcessID: "b", StateRate: &rate, SURate: &rate, StuckSince: &since, ETAMinutes: &n}},
	} {
		f := file{Version: 1, Generated: "2026-11-24T09:00:00Z", Threshold: 50, Checked: len(procs), Processes: procs}
		if f.Processes == nil {
			f.Processes = make([]processReport, 0)
		}
		want, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		if got := appendIndented(nil, f); string(got) != string(want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	}
}
