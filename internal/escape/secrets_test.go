package escape

import (
	"strings"
	"testing"
)

func TestSecretsRedactEveryFormOfAURL(t *testing.T) {
	s := NewSecrets()
	s.Add("HTTPS://hc.example/ping/0b1e5c6d?token=t0k3nValue")
	s.Add("https://hooks.slack.com/services/T0/B0/s3cr3t")
	s.Add("") // ignored
	for _, c := range append(Credentials("https://operator:hunter22@state.example"), Credentials("https://ghp_tokenOnly@state2.example")...) {
		s.Add(c)
	}
	for _, msg := range []string{
		`Get "https://hc.example/ping/0b1e5c6d?token=t0k3nValue": dial tcp: connection refused`,
		`GET /ping/0b1e5c6d failed; token=t0k3nValue`,
		`Post "https://hooks.slack.com/services/T0/B0/s3cr3t": EOF`,
		`retrying /services/T0/B0/s3cr3t in 1s`,
		`Get "https://operator:hunter22@state.example/x"`,
		`Get "https://ghp_tokenOnly@state2.example/x"`,
	} {
		got := s.Redact(msg)
		for _, secret := range []string{"0b1e5c6d", "t0k3nValue", "s3cr3t", "hunter22", "ghp_tokenOnly"} {
			if strings.Contains(got, secret) {
				t.Errorf("Redact(%q) = %q leaks %q", msg, got, secret)
			}
		}
	}
	if got := s.Redact("state server 127.0.0.1: HTTP 500 for operator"); got != "state server 127.0.0.1: HTTP 500 for operator" {
		t.Errorf("Redact changed a message without secrets: %q", got)
	}
}

// The job summary is Markdown: a secret in it is escaped before the
// console redacts the summary ("y_Nb…" is written "y\_Nb…"), so the
// escaped form must be redacted too. PagerDuty's REST API keys hold "_",
// "-" and "+" (its own example key is y_NbAkKc66ryYTWUXYEu).
func TestSecretsRedactTheirMarkdownForm(t *testing.T) {
	s := NewSecrets()
	s.Add("y_NbAkKc66ryYTWUXYEu")
	for _, c := range Credentials("https://ghp_tokenOnly@state2.example") {
		s.Add(c)
	}
	for _, text := range []string{
		`process-ids: "y_NbAkKc66ryYTWUXYEu" is not a process ID`,
		`Get "https://ghp_tokenOnly@state2.example/x"`,
	} {
		got := s.Redact("- " + Markdown(text))
		for _, secret := range []string{"NbAkKc66ryYTWUXYEu", "tokenOnly"} {
			if strings.Contains(got, secret) {
				t.Errorf("Redact(Markdown(%q)) = %q leaks %q", text, got, secret)
			}
		}
	}
}
