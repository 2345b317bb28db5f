package config

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/incident"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(nil, env(map[string]string{
		"INPUT_PROCESS-IDS":           "abc",
		"INPUT_PAGERDUTY-ROUTING-KEY": strings.Repeat("k", 32),
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{
		ProcessIDs:        "abc",
		StateURL:          "https://state.forward.computer",
		SURouterURL:       "https://su-router.ao-testnet.xyz",
		PagerDutyEnabled:  true,
		RoutingKey:        strings.Repeat("k", 32),
		SeverityThreshold: 50,
		SeverityLevels:    SeverityLevels{{Severity: "critical", MinSlots: 100}, {Severity: "error", MinSlots: 50}, {Severity: "warning", MinSlots: 0}},
		AutoResolve:       true,
		EventsURL:         "https://events.pagerduty.com",
		APIURL:            "https://api.pagerduty.com",
		ErrorThreshold:    1,
		GroupThreshold:    10,
		SlackThreshold:    50,
		StateFile:         ".pagerduty-state.json",
		ReportFile:        ".nonce-monitor-report.json",
		HistoryFile:       ".nonce-monitor-history.json",
		HistoryWindow:     Duration(time.Hour),
		Concurrency:       16,
		RequestTimeout:    Duration(10 * time.Second),
		PassTimeout:       Duration(4 * time.Minute),
		MaxRetries:        3,
		FailOn:            FailNever,
	}
	if diff := cmp.Diff(want, cfg.Inputs); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("unexpected warnings %q", cfg.Warnings)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	cfg, err := Load(
		[]string{"--process-ids-file", "ids.txt", "--dry-run", "--concurrency=4", "--pagerduty-enabled=false"},
		env(map[string]string{"INPUT_CONCURRENCY": "32", "INPUT_DRY-RUN": "false", "INPUT_STATE_URL": "http://127.0.0.1:9"}),
		io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ProcessIDsFile != "ids.txt" || !cfg.DryRun || cfg.Concurrency != 4 || cfg.PagerDutyEnabled {
		t.Errorf("flags not applied: %+v", cfg.Inputs)
	}
	if cfg.StateURL != "http://127.0.0.1:9" {
		t.Errorf("underscore spelling of INPUT_ not read: state-url = %q", cfg.StateURL)
	}
}

func TestBlankInputTakesDefault(t *testing.T) {
	cfg, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_CONCURRENCY": "  ", "INPUT_DRY-RUN": "true"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Concurrency != 16 {
		t.Errorf("blank concurrency = %d, want the default 16", cfg.Concurrency)
	}
}

func TestInvalidInputsNameTheInput(t *testing.T) {
	base := map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true"}
	tests := []struct {
		name, input, value, wantInMsg string
	}{
		{"non-number", "INPUT_CONCURRENCY", "lots", `input concurrency: "lots" is not a whole number`},
		{"zero concurrency", "INPUT_CONCURRENCY", "0", "input concurrency: 0 is out of range"},
		{"negative threshold", "INPUT_PAGERDUTY-SEVERITY-THRESHOLD", "-5", "input pagerduty-severity-threshold: -5 is negative"},
		{"bad duration", "INPUT_REQUEST-TIMEOUT", "10 seconds", `input request-timeout: "10 seconds" is not a duration`},
		{"bad bool", "INPUT_PAGERDUTY-AUTO-RESOLVE", "maybe", `input pagerduty-auto-resolve: "maybe" is not true or false`},
		{"bad levels", "INPUT_PAGERDUTY-SEVERITY-LEVELS", "urgent:5", `input pagerduty-severity-levels: "urgent" is not a PagerDuty severity`},
		{"bad fail-on", "INPUT_FAIL-ON", "sometimes", `input fail-on: "sometimes" is not one of never, error, behind`},
		{"bad url", "INPUT_STATE-URL", "ftp://x", `input state-url: "ftp://x" is not an http(s) URL`},
		{"retries", "INPUT_MAX-RETRIES", "-1", "input max-retries: -1 is out of range"},
		{"error threshold", "INPUT_PAGERDUTY-ERROR-THRESHOLD", "0", "input pagerduty-error-threshold: 0 is out of range"},
		{"resolve threshold above severity threshold", "INPUT_PAGERDUTY-RESOLVE-THRESHOLD", "60", "input pagerduty-resolve-threshold: 60 must be between 0 and pagerduty-severity-threshold (50)"},
		{"resolve threshold not a number", "INPUT_PAGERDUTY-RESOLVE-THRESHOLD", "half", `input pagerduty-resolve-threshold: "half" is not a whole number`},
		{"group threshold", "INPUT_GROUP-THRESHOLD", "-2", "input group-threshold: -2 is negative"},
		{"shard out of range", "INPUT_SHARD", "5/4", `input shard: "5/4" is not i/n`},
		{"shard not i/n", "INPUT_SHARD", "two", `input shard: "two" is not i/n`},
		{"slack threshold", "INPUT_SLACK-THRESHOLD", "-1", "input slack-threshold: -1 is negative"},
		{"api token without a service", "INPUT_PAGERDUTY-API-TOKEN", "u+token", "input pagerduty-service-id: is required with pagerduty-api-token"},
		{"service id not an ID", "INPUT_PAGERDUTY-SERVICE-ID", "my service", `input pagerduty-service-id: "my service" is not a PagerDuty ID`},
		{"api url with a query", "INPUT_PAGERDUTY-API-URL", "https://api.pagerduty.com/?x=1", "input pagerduty-api-url:"},
		{"slack webhook", "INPUT_SLACK-WEBHOOK-URL", "hooks.slack.com/services/T0/B0/secret", "input slack-webhook-url: is not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{tt.input: tt.value}
			for k, v := range base {
				e[k] = v
			}
			_, err := Load(nil, env(e), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantInMsg)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Errorf("error %v is not an *InputError", err)
			}
		})
	}
}

func TestResolveThresholdDefaultsToSeverityThreshold(t *testing.T) {
	base := map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true", "INPUT_PAGERDUTY-SEVERITY-THRESHOLD": "80"}
	cfg, err := Load(nil, env(base), io.Discard)
	if err != nil || cfg.ResolveThreshold != nil || cfg.EffectiveResolveThreshold() != 80 {
		t.Fatalf("unset: %v %v %d", err, cfg.ResolveThreshold, cfg.EffectiveResolveThreshold())
	}
	base["INPUT_PAGERDUTY-RESOLVE-THRESHOLD"] = "0"
	cfg, err = Load(nil, env(base), io.Discard)
	if err != nil || cfg.EffectiveResolveThreshold() != 0 {
		t.Fatalf("set to 0: %v %d", err, cfg.EffectiveResolveThreshold())
	}
}

func TestSecretValuesNeverEchoed(t *testing.T) {
	secret := "https://hc.example/ping/0b1e5c6d-secret"
	_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true", "INPUT_HEARTBEAT-URL": "ftp" + secret[5:]}), io.Discard)
	if err == nil || strings.Contains(err.Error(), "0b1e5c6d") || !strings.Contains(err.Error(), "input heartbeat-url") {
		t.Fatalf("error %v must name heartbeat-url without echoing it", err)
	}
}

func TestMissingRoutingKey(t *testing.T) {
	_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "input pagerduty-routing-key: is required") {
		t.Fatalf("error = %v", err)
	}
	for _, ok := range []map[string]string{
		{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true"},
		{"INPUT_PROCESS-IDS": "x", "INPUT_PAGERDUTY-ENABLED": "false"},
	} {
		if _, err := Load(nil, env(ok), io.Discard); err != nil {
			t.Errorf("Load(%v) = %v, want no error", ok, err)
		}
	}
}

func TestNoProcessSource(t *testing.T) {
	_, err := Load(nil, env(map[string]string{"INPUT_DRY-RUN": "true"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "input process-ids: no processes to monitor") {
		t.Fatalf("error = %v", err)
	}
}

func TestSeveralProblemsReportedTogether(t *testing.T) {
	_, err := Load(nil, env(map[string]string{"INPUT_CONCURRENCY": "0", "INPUT_MAX-RETRIES": "99"}), io.Discard)
	for _, input := range []string{"concurrency", "max-retries", "process-ids", "pagerduty-routing-key"} {
		if err == nil || !strings.Contains(err.Error(), "input "+input+":") {
			t.Errorf("error %v does not name input %s", err, input)
		}
	}
}

func TestPlainHTTPSecretWarns(t *testing.T) {
	key := strings.Repeat("k", 32)
	for host, wantWarn := range map[string]bool{"http://127.0.0.1:8080": false, "http://localhost": false, "http://pd.internal": true, "https://pd.internal": false} {
		cfg, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_PAGERDUTY-ROUTING-KEY": key, "INPUT_PAGERDUTY-EVENTS-URL": host}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		gotWarn := len(cfg.Warnings) > 0
		if gotWarn != wantWarn {
			t.Errorf("%s: warnings %q, want warning=%v", host, cfg.Warnings, wantWarn)
		}
		for _, w := range cfg.Warnings {
			if strings.Contains(w, key) {
				t.Errorf("warning leaks the routing key: %q", w)
			}
		}
	}
}

func TestUnknownFlagAndStrayArgument(t *testing.T) {
	if _, err := Load([]string{"--no-such-input", "1"}, env(nil), io.Discard); err == nil {
		t.Error("unknown flag accepted")
	}
	if _, err := Load([]string{"ids.txt"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "--process-ids-file ids.txt") {
		t.Errorf("stray argument: %v", err)
	}
	if _, err := Load([]string{"--help"}, env(nil), io.Discard); !errors.Is(err, ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestSpecsCoverEveryField(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Specs() {
		if s.envKey == "" || s.Help == "" {
			t.Errorf("field %s lacks an env key or help text", s.Field)
		}
		if seen[s.Name] {
			t.Errorf("input %s declared twice", s.Name)
		}
		seen[s.Name] = true
	}
	var levels SeverityLevels
	if err := levels.EnvDecode("critical:1"); err != nil || levels[0] != (incident.Level{Severity: "critical", MinSlots: 1}) {
		t.Errorf("SeverityLevels.EnvDecode: %v %v", levels, err)
	}
}
