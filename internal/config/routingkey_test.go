package config

import (
	"io"
	"strings"
	"testing"
)

// A routing key that cannot be an integration key fails the configuration,
// before any request: it names the input, says what a key looks like, and
// never echoes the key.
func TestRoutingKeyThatCannotBeAnIntegrationKey(t *testing.T) {
	t.Parallel()
	good := "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	for _, tc := range []struct {
		name, key, want string
	}{
		{"the service ID instead", "PXYZ123", "is 7 characters;"},
		{"two keys", good + " " + good, "is 65 characters and holds a space or line break;"},
		{"quoted", `"` + good + `"`, "is 34 characters and holds a quote;"},
		{"a REST API key instead", "y_NbAkKc66ryYTWUXYEu", "is 20 characters and holds another character"},
		{"a URL", "https://events.pagerduty.com/x", "is 30 characters and holds another character"},
		{"right length, wrong characters", strings.Repeat("k", 31) + "-", "is 32 characters and holds another character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_PAGERDUTY-ROUTING-KEY": tc.key}), io.Discard)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			for _, want := range []string{"input pagerduty-routing-key: " + tc.want, "32 letters and digits", "Integration Key"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, strings.Trim(tc.key, "\"\n")) {
				t.Errorf("error echoes the key:\n%s", msg)
			}
		})
	}
	for _, key := range []string{good, "R0123456789abcdefghijklmnopqrstu", strings.ToUpper(good)} {
		if _, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_PAGERDUTY-ROUTING-KEY": key}), io.Discard); err != nil {
			t.Errorf("a well-formed key refused: %v", err)
		}
	}
	// PagerDuty off: the key is not used, so not judged.
	if _, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_PAGERDUTY-ROUTING-KEY": "short",
		"INPUT_PAGERDUTY-ENABLED": "false"}), io.Discard); err != nil {
		t.Errorf("a key judged while PagerDuty is off: %v", err)
	}
}
