package config

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Which inputs are secret is declared once, on the fields; the help text
// says so for exactly those, and Secrets returns exactly their values.
func TestSecretsAreDeclaredOnTheFields(t *testing.T) {
	t.Parallel()
	var secret []string
	for _, s := range Specs() {
		if s.Secret {
			secret = append(secret, s.Name)
			if f, _ := reflect.TypeOf(Inputs{}).FieldByName(s.Field); f.Type.Kind() != reflect.String {
				t.Errorf("secret input %s is a %s, want a string", s.Name, f.Type)
			}
		}
		if says := strings.Contains(strings.ToLower(s.Help), "secret"); says != s.Secret {
			t.Errorf("input %s: help %q mentions a secret: %v, declared secret: %v", s.Name, s.Help, says, s.Secret)
		}
	}
	want := []string{"pagerduty-routing-key", "pagerduty-api-token", "heartbeat-url", "slack-webhook-url"}
	if diff := cmp.Diff(want, secret); diff != "" {
		t.Errorf("secret inputs (-want +got):\n%s", diff)
	}
	in := Inputs{RoutingKey: "rk", SlackWebhookURL: "https://hooks.example/x", StateURL: "https://state.example", ServiceID: "PSVC"}
	if diff := cmp.Diff([]string{"rk", "https://hooks.example/x"}, in.Secrets()); diff != "" {
		t.Errorf("Secrets (-want +got):\n%s", diff)
	}
}

// The bounds declared on the fields are the ones enforced, with the
// messages users saw before they were declared there.
func TestRangesAreDeclaredOnTheFields(t *testing.T) {
	t.Parallel()
	var ranged []string
	for _, s := range Specs() {
		if _, _, _, ok := s.Bounds(); ok {
			ranged = append(ranged, s.Name)
		}
	}
	want := []string{"pagerduty-error-threshold", "history-window", "concurrency", "request-timeout", "max-retries", "pass-timeout"}
	if diff := cmp.Diff(want, ranged); diff != "" {
		t.Errorf("ranged inputs (-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ input, value, want string }{
		{"pagerduty-error-threshold", "1001", "input pagerduty-error-threshold: 1001 is out of range 1..1000 (passes)"},
		{"concurrency", "0", "input concurrency: 0 is out of range 1..1024"},
		{"max-retries", "11", "input max-retries: 11 is out of range 0..10"},
		{"request-timeout", "50ms", "input request-timeout: 50ms is out of range 100ms..5m0s"},
		{"history-window", "25h", "input history-window: 25h0m0s is out of range 10m0s..24h0m0s"},
		{"pass-timeout", "5s", "input pass-timeout: 5s is out of range 10s..6h0m0s"},
	} {
		_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true", "INPUT_" + strings.ToUpper(tc.input): tc.value}), io.Discard)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s=%s: error %v, want %q", tc.input, tc.value, err, tc.want)
		}
	}
	// Inside the bounds is fine, at both ends.
	_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true", "INPUT_CONCURRENCY": "1024",
		"INPUT_MAX-RETRIES": "0", "INPUT_REQUEST-TIMEOUT": "100ms", "INPUT_HISTORY-WINDOW": "24h", "INPUT_PASS-TIMEOUT": "6h"}), io.Discard)
	if err != nil {
		t.Errorf("bounds themselves: %v", err)
	}
}
