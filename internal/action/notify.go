package action

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/slack"
)

// slackNotice is what the Slack channel is told about: this pass's results,
// each with its status at Slack's own threshold, and (prev, read by
// postToSlack) what the channel was told before.
type slackNotice struct {
	prev    slack.Announced
	results []check.Result
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
			results = append(results, check.Result{ProcessID: pid, Interrupted: true})
			status[pid] = incident.StatusNotChecked
		}
	}
	n.results, n.status = results, status
	return n
}

// told is sent, with what Slack's channel knows after this pass, as the
// state file keeps it, and the summary's line about Slack.
type told struct {
	sent
	slackMemory json.RawMessage
	slackStatus string
}

// notifySlack posts one message when what the channel knows changed (Slack
// is told after PagerDuty, which never waits on it). A failure is a
// warning: the channel is told again next pass.
func (p *pass) notifySlack(s sent) told {
	memory, status := p.postToSlack(slackNotice{
		results: s.results, status: classify(s.observations, int64(p.cfg.SlackThreshold)), runURL: p.origin.ClientURL,
		motion: describe(s.trends, s.at), narrowed: p.in.narrowed,
	})
	return told{sent: s, slackMemory: memory, slackStatus: status}
}

// postToSlack tells the channel n, against what it was told before (the
// state file's memory of it), and returns what it knows afterwards, in
// the same form, and the summary's line.
func (p *pass) postToSlack(n slackNotice) (json.RawMessage, string) {
	con, ch := p.con, p.out.slack
	told, err := slack.DecodeAnnounced(p.in.loaded.Slack)
	if err != nil {
		con.Warnf("State file", "%v; Slack is told everything again", err)
	}
	if !ch.on {
		return nil, ""
	}
	n.prev = told
	n = n.unlistedKept()
	changes, next := slack.Diff(n.prev, n.results, n.status)
	if changes.Empty() {
		return next.Encode(), "Slack: nothing new to say."
	}
	msg := slack.Build(changes, int64(p.cfg.SlackThreshold), n.runURL, n.motion)
	if ch.sender == nil {
		return n.prev.Encode(), "Slack (dry run, not sent): " + msg.Blocks[0].Text.Text
	}
	if err := ch.sender.Send(p.sending, msg); err != nil {
		con.Warnf("Slack", "%v; the channel will be told on the next run", err)
		return n.prev.Encode(), "Slack: not sent: " + err.Error()
	}
	return next.Encode(), "Slack: sent “" + msg.Blocks[0].Text.Text + "”."
}
