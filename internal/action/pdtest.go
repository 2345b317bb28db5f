package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// testDedupKey is the test event's own key. It is the same every time, so
// a test whose resolve was lost (the step died, PagerDuty failed) is
// resolved by the next test, and never stays open unknown to anyone.
const testDedupKey = "nonce-monitor-test"

// pagerdutyTest proves the routing key works, as the old monitor's guide
// had operators do by hand: one clearly labelled test trigger under its own
// dedup key, PagerDuty's answer reported, then the resolve. It checks no
// process and touches no file.
func pagerdutyTest(ctx context.Context, env Env, con *console.Console, cfg config.Config) error {
	timing, now := env.Timing.withDefaults(), env.Now().UTC()
	c := &retryhttp.Client{
		HTTP: retryhttp.NewHTTPClient(1), MaxRetries: int(cfg.MaxRetries), Timeout: cfg.RequestTimeout.D(),
		InitialBackoff: timing.FirstBackoff, Clock: timing.RetryClock,
	}
	defer c.HTTP.CloseIdleConnections()
	// The outlet a pass would send through: on a dry run, nothing.
	to := outletsFor(cfg, c, runOrigin(env.Getenv)).pagerDuty
	key := testDedupKey
	if to.sender == nil {
		con.Logf("dry run, not sent: the PagerDuty test trigger and resolve (%s)", key)
		if err := con.AddSummary("## PagerDuty test event\n\n**Dry run**: the test trigger and its resolve (" + escape.Code(key) + ") were not sent.\n"); err != nil {
			con.Errorf("Summary", "%v", err)
			return failed(errPublish, err)
		}
		return nil
	}
	var report strings.Builder
	report.WriteString("## PagerDuty test event\n\n| event | dedup key | PagerDuty's answer |\n|---|---|---|\n")
	var fails []error
	for _, step := range []struct {
		name string
		send func() error
	}{
		{"trigger", func() error {
			_, err := to.send(ctx, pagerduty.TestTrigger(to.routingKey, to.origin, key, now))
			return err
		}},
		{"resolve", func() error {
			_, err := to.send(ctx, pagerduty.Resolve(to.routingKey, key))
			return err
		}},
	} {
		answer := "accepted"
		if err := step.send(); err != nil {
			answer = err.Error()
			con.Errorf("PagerDuty test", "%s %s: %v", step.name, key, err)
			fails = append(fails, failed(errTestEvent, err))
		} else {
			con.Logf("✓ PagerDuty accepted the test %s (%s)", step.name, key)
		}
		fmt.Fprintf(&report, "| %s | %s | %s |\n", step.name, escape.Code(key), escape.Markdown(answer))
	}
	if len(fails) == 0 {
		report.WriteString("\nThe routing key works: the test incident was opened and resolved. Nothing was checked and no file was changed.\n")
	} else {
		report.WriteString("\nIf the trigger was taken and the resolve was not, the test incident stays open: run the test again (it uses the same key) or resolve `" + testDedupKey + "` in PagerDuty.\n")
	}
	if err := con.AddSummary(report.String()); err != nil {
		con.Errorf("Summary", "%v", err)
		fails = append(fails, failed(errPublish, err))
	}
	return errors.Join(fails...)
}
