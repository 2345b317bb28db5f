package action

import (
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
)

// PagerDuty's listing is text from the network: keys shaped like the
// monitor's but naming no process (markup, control characters, workflow
// commands) are not adopted, links off PagerDuty's domain are dropped,
// nothing steers a channel, and the REST API key is never shown.
func TestHostileKeysFromTheRESTAPICannotSteerAnyChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sl := slacktest.Start()
	t.Cleanup(sl.Close)
	in := h.withREST(map[string]string{"slack-webhook-url": sl.URL + "/services/T0/B0/s3cr3t", "slack-threshold": "10"})
	h.fleet.Set(pidA, 0, 60)
	h.run(in) // a state file that records the lists: unlisted keys are adopted
	h.pd.OpenAlerts("error",
		"nonce-monitor-mismatch-x\n::error::forged\r::set-output name=open::x-20261122",
		"nonce-monitor-mismatch-"+aotest.HostileText+"-20261122",
		"nonce-monitor-error-a|b\x1b[31m<!channel>|c-20261122",
		"nonce-monitor-server-www.evil.example-20261122")
	h.pd.Disguise("https://evil.example/", "")
	r := h.run(in)
	if !strings.Contains(r.stdout, ": 0 adopted") || !strings.Contains(r.summary, "| triggered") {
		t.Errorf("keys naming no process were adopted, or the open incidents lost their status:\n%s\n%s", r.stdout, r.summary)
	}
	assertChannelsClean(t, h, r, sl, "s3cr3t", routingKey, pagerdutytest.APIToken)
}

// A link on PagerDuty's own domain whose query holds a table's cell
// separator: the still-open table keeps its columns (the link is dropped,
// the incident's number and status stay).
func TestALinkFromTheRESTAPICannotSplitATableCell(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.fleet.Set(pidA, 0, 300)
	h.run(in)
	h.pd.Disguise("https://standin.pagerduty.com/incidents?x=|forged|cells|&id=", "")
	r := h.run(in)
	if !strings.Contains(r.summary, "| triggered") {
		t.Errorf("the open incident lost its status:\n%s", r.summary)
	}
	assertChannelsClean(t, h, r, nil, routingKey, pagerdutytest.APIToken)
}
