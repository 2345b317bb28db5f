package action

import (
	"context"
	"maps"
	"slices"

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
	// narrowed: the pass lists part of the fleet (a manual run); what the
	// channel was told of the processes it does not list stands.
	narrowed bool
}

// unlistedKept adds, for a narrowed pass, each process the channel was told
// about that the pass does not list, as not checked: Slack is not told it
// was removed (nor, next pass, that it is newly behind).
func (n slackNotice) unlistedKept() slackNotice {
	if !n.narrowed {
		return n
	}
	listed := make(map[string]bool, len(n.results))
	for _, r := range n.results {
		listed[r.ProcessID] = true
	}
	results := slices.Clone(n.results)
	status := maps.Clone(n.status)
	for _, pid := range append(slices.Clone(n.prev.Behind), n.prev.Failing...) {
		if !listed[pid] {
			listed[pid] = true
			results = append(results, ao.Result{ProcessID: pid, Interrupted: true})
			status[pid] = incident.StatusNotChecked
		}
	}
	n.results, n.status = results, status
	return n
}

// notifySlack posts one message when what the channel knows changed, and
// returns what it knows afterwards. A failure is a warning: the channel is
// told again next pass, and PagerDuty never waits on Slack.
func notifySlack(ctx context.Context, con *console.Console, cfg config.Config, c *retryhttp.Client, n slackNotice) (slack.Announced, string) {
	if cfg.SlackWebhookURL == "" {
		return slack.Announced{}, ""
	}
	n = n.unlistedKept()
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
