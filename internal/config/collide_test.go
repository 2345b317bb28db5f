package config

import (
	"io"
	"strings"
	"testing"
)

func loadWith(in map[string]string) (Config, error) {
	m := map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true"}
	for k, v := range in {
		m["INPUT_"+strings.ToUpper(k)] = v
	}
	return Load(nil, env(m), io.Discard)
}

// stuck-after is bounded by what the history can show: 2m (the least a
// trend reads) to history-window.
func TestStuckAfterBounds(t *testing.T) {
	for _, tc := range []struct {
		window, after string
		ok            bool
	}{
		{"1h", "1m", false}, {"1h", "119s", false}, {"1h", "2m", true}, {"1h", "1h", true}, {"1h", "61m", false},
		{"24h", "6h", true}, {"24h", "24h", true}, {"10m", "10m", true}, {"10m", "11m", false},
	} {
		_, err := loadWith(map[string]string{"history-window": tc.window, "stuck-after": tc.after})
		if tc.ok != (err == nil) {
			t.Errorf("history-window %s, stuck-after %s: err = %v, want ok=%v", tc.window, tc.after, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "input stuck-after: ") {
			t.Errorf("the error does not name stuck-after: %v", err)
		}
	}
}

// File inputs must name different files: a report or history written over
// the state file destroys it.
func TestFileInputsMustDiffer(t *testing.T) {
	for _, tc := range []struct {
		in    map[string]string
		input string
	}{
		{map[string]string{"history-file": ".pagerduty-state.json"}, "history-file"},
		{map[string]string{"report-file": "./.pagerduty-state.json"}, "report-file"},
		{map[string]string{"state-file": "ids.txt", "process-ids-file": "ids.txt"}, "process-ids-file"},
		{map[string]string{"report-file": "out/r.json", "history-file": "out//r.json"}, "history-file"},
	} {
		_, err := loadWith(tc.in)
		if err == nil || !strings.Contains(err.Error(), "input "+tc.input+": names the same file") {
			t.Errorf("%v: err = %v, want one naming %s", tc.in, err, tc.input)
		}
	}
	if _, err := loadWith(map[string]string{"shard": "1/2", "history-file": ".pagerduty-state.json"}); err == nil {
		t.Error("a shard's history file may still not be the one job's state file it adopts from")
	}
}

// pagerduty-test sends: with pagerduty-enabled false it is refused, by name.
func TestPagerDutyTestRespectsEnabled(t *testing.T) {
	_, err := Load(nil, env(map[string]string{
		"INPUT_PAGERDUTY-TEST": "true", "INPUT_PAGERDUTY-ENABLED": "false", "INPUT_PAGERDUTY-ROUTING-KEY": strings.Repeat("k", 32),
	}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "input pagerduty-test: ") {
		t.Errorf("err = %v, want pagerduty-test refused", err)
	}
}

// The Events API's full endpoint, pasted where its base is asked for, is
// accepted as its base.
func TestEventsURLWithEnqueueIsAccepted(t *testing.T) {
	for raw, want := range map[string]string{
		"https://events.eu.pagerduty.com/v2/enqueue":  "https://events.eu.pagerduty.com",
		"https://events.eu.pagerduty.com/v2/enqueue/": "https://events.eu.pagerduty.com",
		"https://events.eu.pagerduty.com":             "https://events.eu.pagerduty.com",
		"https://proxy.example/pd/":                   "https://proxy.example/pd/",
	} {
		cfg, err := loadWith(map[string]string{"pagerduty-events-url": raw})
		if err != nil || cfg.EventsURL != want {
			t.Errorf("%s: %q, %v; want %q", raw, cfg.EventsURL, err, want)
		}
	}
}
