package config

import (
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
