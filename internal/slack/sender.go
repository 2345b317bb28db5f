package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// Sender posts messages to one incoming webhook.
type Sender struct {
	HTTP       *retryhttp.Client
	WebhookURL string
}

// Send posts m. Slack answers plain text: "ok" with 200, or an error code
// such as invalid_payload or channel_not_found with a 4xx; 429 and 5xx are
// retried. Errors never contain the webhook URL (it is a secret).
func (s *Sender) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	resp, err := s.HTTP.Do(ctx, retryhttp.Request{
		Method: http.MethodPost, URL: s.WebhookURL, Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}, MaxBody: 64 << 10,
	})
	secret := escape.NewSecrets()
	secret.Add(s.WebhookURL)
	if err != nil {
		//lint:ignore ST1005 "Slack" is a name, and these messages are the action's output
		return fmt.Errorf("Slack unreachable: %s", secret.Redact(err.Error()))
	}
	// Slack's answer is untrusted and may echo the webhook.
	said := secret.Redact(escape.OneLine(string(resp.Body)))
	switch {
	case !resp.Verdict.Failed(): // Slack's own success is 200 "ok"
		return nil
	case resp.Verdict.Retry != answer.Never:
		//lint:ignore ST1005 "Slack" is a name, and these messages are the action's output
		return fmt.Errorf("Slack unavailable: HTTP %d %s after %d attempts", resp.Status, said, resp.Attempts)
	}
	//lint:ignore ST1005 "Slack" is a name, and these messages are the action's output
	return fmt.Errorf("Slack rejected the message: HTTP %d %s", resp.Status, said)
}
