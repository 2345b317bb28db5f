// Package action runs one monitoring pass the way the GitHub runner invokes
// the container: inputs from flags and INPUT_* variables, results to the
// step's output and summary files, the state file in the workspace.
package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"github.com/org/nonce-monitor-action/internal/slack"
	"github.com/org/nonce-monitor-action/internal/state"
)

// Env is the world a pass runs in. main passes the real one; tests pass
// their own.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	// Stderr takes the log when --json keeps stdout for the outputs; nil:
	// the log stays on Stdout.
	Stderr io.Writer
	Now    func() time.Time
	Timing Timing // zero: production timing
}

// TuneRuntime sets the Go runtime for one pass: collect garbage at a
// quarter of the live heap instead of all of it, and harder still as the
// heap nears 28 MiB (a soft limit: past it the pass only collects more
// often, it never fails). A pass is short and mostly waits on the network,
// so the extra collections cost no wall time at real latencies, while a
// 10,000-process pass peaks about 6 to 15 MiB lower (BENCHMARKS.md). main
// and the benchmark's pass call it.
func TuneRuntime() {
	debug.SetGCPercent(25)
	debug.SetMemoryLimit(28 << 20)
}

// Main runs one pass and returns the process exit status.
func Main(ctx context.Context, env Env) int {
	con := console.New(env.Stdout, env.Getenv)
	defer con.Flush()
	return exitStatus(run(ctx, env, con))
}

// run runs one pass and returns why it fails the step, if it does: the
// failures joined, each already reported.
func run(ctx context.Context, env Env, con *console.Console) error {
	timing := env.Timing.withDefaults()
	cfg, err := loadConfig(env, con)
	if err != nil {
		return err
	}
	if cfg.PagerDutyTest {
		return pagerdutyTest(ctx, con, cfg, runOrigin(env.Getenv), env.Now().UTC(), timing)
	}
	s, err := prepare(env, con, cfg)
	if err != nil {
		return err
	}
	defer s.ws.Close()
	httpClient := &retryhttp.Client{
		HTTP:           retryhttp.NewHTTPClient(int(cfg.Concurrency)),
		MaxRetries:     int(cfg.MaxRetries),
		Timeout:        cfg.RequestTimeout.D(),
		InitialBackoff: timing.FirstBackoff,
		Clock:          timing.RetryClock,
		// Per host: at most concurrency requests at once, and a breaker
		// that stops asking a host that stopped answering.
		Hosts:  retryhttp.NewHosts(int(cfg.Concurrency)),
		Budget: retryhttp.NewRetryBudget(timeoutRetryReserve, timeoutRetryShare),
		OnRetry: func(url string, err error, wait time.Duration) {
			con.Debugf("retrying %s in %s: %v", escape.URL(url), wait.Round(time.Millisecond), err)
		},
	}
	// A pass is one process run in production, but not in tests or a
	// long-lived caller: do not leave its connections open.
	defer httpClient.HTTP.CloseIdleConnections()

	// Checks end at the pass deadline or on cancellation (SIGTERM); what
	// was decided is then still sent, within a short grace.
	checkCtx, stopChecks := context.WithTimeoutCause(ctx, cfg.PassTimeout.D(), errPassTimeout)
	defer stopChecks()
	sendCtx, stopSends := graceContext(ctx, time.Now().Add(cfg.PassTimeout.D()), timing.DeliveryGrace)
	defer stopSends()

	recall := startRecall(checkCtx, cfg, httpClient.HTTP, timing, s.loaded.State)
	results := checkAll(checkCtx, con, &ao.Client{HTTP: httpClient, RouterURL: cfg.SURouterURL}, s.targets, s.remembered(env.Now()), int(cfg.Concurrency), int64(cfg.SeverityThreshold), timing)
	cutShort := context.Cause(checkCtx)
	misconfigured := findMisconfigured(results, s.targets, cfg.StateURL, cfg.SURouterURL)
	sayMisconfigured(con, results, misconfigured)

	now := env.Now().UTC()
	s.rememberSchedulers(results, now)
	trends := s.recordHistory(con, results, now, cfg.HistoryWindow.D())
	s.schedulers = nil // written with the history: the rest of the pass holds no copy
	obs := observe(results, s.silenced, trends)
	pol := policy(cfg)
	pol.Job, pol.Narrowed = jobID(cfg), s.narrowed
	rec, recallErr := reconcileWithPagerDuty(con, cfg, s.targets, s.loaded.State, s.loaded.Header.Lists != "", recall)
	prev, plan := rec.Unraised(incident.Decide(rec.State, obs, now, pol))
	header := s.header
	if cutShort != nil {
		// A partial view changes nothing it did not decide: not which
		// lists the state file was written for.
		header.Lists = s.loaded.Header.Lists
	}
	store := state.NewStore(s.ws, s.statePath, s.loaded.Raw, header)
	d := deliverer{
		con: con, cfg: cfg, now: now, results: indexByProcess(results), affected: plan.Affected,
		sender: &pagerduty.Sender{HTTP: httpClient, EventsURL: cfg.EventsURL, Limiter: pagerduty.NewLimiter()},
		origin: runOrigin(env.Getenv),
		record: func(st incident.State) error { return store.Save(st, s.loaded.Slack) },
		trends: trends, links: rec.Links,
	}
	out := d.deliver(sendCtx, prev, plan)
	annotateNewTrouble(con, out.triggered, int64(cfg.SeverityThreshold), cfg.DryRun)
	told, err := slack.DecodeAnnounced(s.loaded.Slack)
	if err != nil {
		con.Warnf("State file", "%v; Slack is told everything again", err)
	}
	announced, slackStatus := notifySlack(sendCtx, con, cfg, httpClient, slackNotice{
		prev: told, results: results, status: classify(obs, int64(cfg.SlackThreshold)), runURL: d.origin.ClientURL,
		motion: describe(trends, now), narrowed: s.narrowed,
	})

	var fails []error
	pass := report.Pass{
		Results: results, Threshold: int64(cfg.SeverityThreshold), Status: classify(obs, int64(cfg.SeverityThreshold)), Now: now,
		Trends: trends, History: s.history, Deferred: plan.Deferred,
		Triggered: out.triggered, Updated: out.updated, Resolved: out.resolved, Forgotten: out.forgotten,
		Failures: out.failures, Skipped: s.skipped,
		DryRun: cfg.DryRun, PagerDutyEnabled: cfg.PagerDutyEnabled, StateFile: s.statePath,
	}
	pass.Notes = append(pass.Notes, s.notes...)
	if note := recallNote(rec); note != "" {
		pass.Notes = append(pass.Notes, note)
	}
	if recallErr != nil {
		fails = append(fails, failed(errRESTRefused, recallErr))
	}
	pass.SlackStatus = slackStatus
	finalState := out.next
	if cfg.DryRun {
		finalState = plan.Next
	} else {
		if out.unrecorded != nil {
			con.Errorf("State file", "%v: nothing was sent to PagerDuty, because what is sent must be recorded first", out.unrecorded)
			fails = append(fails, failed(errStateNotSaved, out.unrecorded))
		} else if cutShort != nil && s.loaded.Raw == nil && len(out.next.Open) == 0 && len(out.next.Failing) == 0 && len(announced.Encode()) == 0 {
			// Nothing decided and no file yet: a cut-short pass writes no
			// empty state file.
		} else if err := store.Save(out.next, announced.Encode()); err != nil {
			con.Errorf("State file", "%v: the outcome of this pass's events is not recorded; the next run sends them again", err)
			fails = append(fails, failed(errStateNotSaved, err))
		}
		pass.StateChanged = store.Changed()
	}
	if len(misconfigured) > 0 {
		fails = append(fails, errMisconfigured) // said by sayMisconfigured
	}
	if cutShort != nil {
		con.Errorf("Pass cut short", "%v: %d of %d processes were not checked; they opened, resolved and changed nothing",
			cutShort, pass.NotChecked()-pass.Misconfigured(), len(results))
		fails = append(fails, failed(errCutShort, cutShort))
	}
	pass.Open = d.openIncidents(finalState)
	pass.ReportFile = writeReport(con, s.ws, s.reportPath, pass)

	if out.undelivered > 0 {
		con.Errorf("PagerDuty", "%d of %d PagerDuty events were not delivered; they will be decided again on the next run. First: %s",
			out.undelivered, len(plan.Events), out.failures[0].Error)
		fails = append(fails, errUndelivered)
	}
	if len(fails) == 0 && !cfg.DryRun && cfg.HeartbeatURL != "" {
		heartbeat(ctx, con, httpClient, cfg.HeartbeatURL)
	}
	if reason := findingsFail(cfg.FailOn, pass); reason != "" {
		con.Errorf("fail-on: "+string(cfg.FailOn), "%s", reason)
		fails = append(fails, failed(errFindings, errors.New(reason)))
	}
	if err := publish(con, pass); err != nil {
		con.Errorf("Outputs", "%v", err)
		fails = append(fails, failed(errPublish, err))
	}
	return errors.Join(fails...)
}

// The retry budget for timed-out requests: a reserve, plus a fifth of the
// requests made (Finagle's and Envoy's default share).
const (
	timeoutRetryReserve = 10
	timeoutRetryShare   = 0.2
)

// errPassTimeout is why checks stop at the pass-timeout deadline.
var errPassTimeout = errors.New("pass-timeout reached")

// graceContext is the context events are sent in: it ends at the pass
// deadline plus grace, or grace after parent is cancelled (the runner's
// SIGTERM), so that what a cut-short pass decided still has a moment to be
// delivered, and the runner's kill never finds a send half-way.
func graceContext(parent context.Context, deadline time.Time, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithDeadline(context.WithoutCancel(parent), deadline.Add(grace))
	stop := context.AfterFunc(parent, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() { stop(); cancel() }
}

// heartbeat tells a dead-man's switch that a pass completed. Failing to is
// a warning: the pass itself went fine.
func heartbeat(ctx context.Context, con *console.Console, c *retryhttp.Client, rawURL string) {
	resp, err := c.Do(ctx, retryhttp.Request{URL: rawURL, MaxBody: 64 << 10})
	switch {
	case err != nil:
		con.Warnf("Heartbeat", "heartbeat to %s failed: %v", escape.Host(rawURL), err)
	case resp.Verdict.Failed():
		con.Warnf("Heartbeat", "heartbeat to %s answered HTTP %d", escape.Host(rawURL), resp.Status)
	default:
		con.Logf("heartbeat sent to %s", escape.Host(rawURL))
	}
}

// findingsFail says why what the pass found fails the step, if fail-on
// asks for it. Silenced processes are in maintenance: they never fail it.
func findingsFail(on config.FailOn, p report.Pass) string {
	behind, failing := p.Behind(), p.Errors()
	switch {
	case on == config.FailError && failing > 0:
		return report.Count(failing, "process", "processes") + " could not be checked"
	case on == config.FailBehind && behind > 0:
		verb := "are"
		if behind == 1 {
			verb = "is"
		}
		return fmt.Sprintf("%s %s %d or more slots behind their scheduler", report.Count(behind, "process", "processes"), verb, p.Threshold)
	}
	return ""
}

// runOrigin links events back to the workflow run that sent them.
func runOrigin(getenv func(string) string) pagerduty.Origin {
	o := pagerduty.Origin{Client: "nonce-monitor"}
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if repo != "" {
		o.Client = "nonce-monitor (" + repo + ")"
	}
	if server != "" && repo != "" && run != "" {
		o.ClientURL = server + "/" + repo + "/actions/runs/" + run
	}
	return o
}
