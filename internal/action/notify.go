package action

import (
	"context"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"github.com/org/nonce-monitor-action/internal/slack"
)

// slackNotice is what the Slack channel is told about: this pass's results,
// each with its status at Slack's own threshold, and what the channel was
// told before.
type slackNotice struct {
	prev    slack.Announced
	results []ao.Result
	status  map[string]incident.Status
	runURL  string
	motion  map[string]string // each process's trend in words
}

// notifySlack posts one message when what the channel knows changed, and
// returns what it knows afterwards. A failure is a warning: the channel is
// told again next pass, and PagerDuty never waits on Slack.
func notifySlack(ctx context.Context, con *console.Console, cfg config.Config, c *retryhttp.Client, n slackNotice) (slack.Announced, string) {
	if cfg.SlackWebhookURL == "" {
		return slack.Announced{}, ""
	}
	changes, next := slack.Diff(n.prev, n.results, n.status)
	if changes.Empty() {
		return next, "Slack: nothing new to say."
	}
	msg := slack.Build(changes, int64(cfg.SlackThreshold), n.runURL, n.motion)
	if cfg.DryRun {
		return n.prev, "Slack (dry run, not sent): " + msg.Blocks[0].Text.Text
	}
	if err := (&slack.Sender{HTTP: c, WebhookURL: cfg.SlackWebhookURL}).Send(ctx, msg); err != nil {
		con.Warnf("Slack", "%v; the channel will be told on the next run", err)
		return n.prev, "Slack: not sent: " + err.Error()
	}
	return next, "Slack: sent “" + msg.Blocks[0].Text.Text + "”."
}
