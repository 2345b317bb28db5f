package action

import (
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
)

// Slack-only team: PagerDuty off, one message per change, none when
// nothing changed, and a recovery notice.
func TestSlackTellsChangesOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sl := slacktest.Start()
	defer sl.Close()
	webhook := sl.URL + "/services/T0/B0/s3cr3t"
	in := map[string]string{"process-ids": pidA + "," + pidB, "pagerduty-enabled": "false", "pagerduty-routing-key": "",
		"slack-webhook-url": webhook, "slack-threshold": "20"}
	h.fleet.Set(pidA, 0, 30) // behind for Slack (20), not for PagerDuty (50)
	h.fleet.Set(pidB, 5, 5)

	r := h.run(in)
	if r.exit != 0 || len(sl.Received()) != 1 || !strings.Contains(sl.Received()[0].Text, "1 newly behind") {
		t.Fatalf("first pass: exit %d, Slack got %+v", r.exit, sl.Received())
	}
	if r.outputs["behind-count"] != "0" || r.outputs["open-count"] != "0" {
		t.Errorf("Slack's threshold must not change PagerDuty's: %v", r.outputs)
	}
	if !strings.Contains(r.stdout, "::add-mask::"+webhook) || strings.Contains(r.summary, "s3cr3t") || strings.Contains(h.stateFile(), "s3cr3t") {
		t.Error("the webhook URL must be masked and never written")
	}
	stateAfter := h.stateFile()

	if r := h.run(in); r.exit != 0 || len(sl.Received()) != 1 || h.stateFile() != stateAfter {
		t.Fatalf("unchanged fleet: exit %d, %d messages, state changed=%v", r.exit, len(sl.Received()), h.stateFile() != stateAfter)
	}

	h.fleet.Set(pidA, 30, 30)
	h.run(in)
	if got := sl.Received(); len(got) != 2 || !strings.Contains(got[1].Text, "1 recovered") {
		t.Fatalf("recovery: %+v", got)
	}
}

// A Slack failure is a warning, never blocks PagerDuty, and is retold; a
// throttled webhook is retried within the pass.
func TestSlackFailureIsAWarning(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		script  []int
		warning string // "" when the message gets through in the same pass
	}{
		{[]int{400}, "Slack rejected the message: HTTP 400 invalid_payload"},
		{[]int{404}, "Slack rejected the message: HTTP 404 channel_not_found"},
		{[]int{500, 500}, "Slack unavailable: HTTP 500 rollup_error"},
		{[]int{429}, ""},
	} {
		h := newHarness(t)
		sl := slacktest.Start()
		in := map[string]string{"process-ids": pidA, "slack-webhook-url": sl.URL + "/services/T0/B0/s3cr3t", "max-retries": "1"}
		h.fleet.Set(pidA, 0, 60)
		sl.FailNext(tt.script...)
		r := h.run(in)
		if r.exit != 0 || len(h.pd.Open()) != 1 {
			t.Fatalf("%v: exit %d, PagerDuty open %v", tt.script, r.exit, h.pd.Open())
		}
		if tt.warning == "" {
			if len(sl.Received()) != 1 || strings.Contains(r.stdout, "title=Slack") {
				t.Errorf("%v: not delivered after a retry:\n%s", tt.script, r.stdout)
			}
			sl.Close()
			continue
		}
		if !strings.Contains(r.stdout, "::warning title=Slack::"+tt.warning) {
			t.Errorf("%v: want warning %q:\n%s", tt.script, tt.warning, r.stdout)
		}
		// Retries are logged: but for its add-mask line, the webhook's
		// secret path must appear nowhere, masked or not.
		var rest []string
		for _, line := range strings.Split(r.stdout, "\n") {
			if !strings.HasPrefix(line, "::add-mask::") {
				rest = append(rest, line)
			}
		}
		if strings.Contains(strings.Join(rest, "\n"), "s3cr3t") || strings.Contains(r.summary, "s3cr3t") {
			t.Errorf("%v: the webhook URL leaked into the log or summary", tt.script)
		}
		h.run(in)
		if len(sl.Received()) != 1 {
			t.Errorf("%v: the change was not retold after the failure: %d messages", tt.script, len(sl.Received()))
		}
		sl.Close()
	}
}
