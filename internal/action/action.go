// Package action runs one monitoring pass the way the GitHub runner invokes
// the container: inputs from flags and INPUT_* variables, results to the
// step's output and summary files, the state file in the workspace.
package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
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
	return exitStatus(runOnConsole(ctx, env))
}

// runOnConsole is run on a console of the pass's own, flushed (its
// annotations written) when the pass ends.
func runOnConsole(ctx context.Context, env Env) error {
	con := console.New(env.Stdout, env.Getenv)
	defer con.Flush()
	return run(ctx, env, con)
}

// run runs one pass, stage by stage (ARCHITECTURE.md), and returns why it
// fails the step, if it does: the failures joined, each already reported.
func run(ctx context.Context, env Env, con *console.Console) error {
	timing := env.Timing.withDefaults()
	cfg, err := loadConfig(env, con)
	if err != nil {
		return err
	}
	origin := runOrigin(env.Getenv)
	if cfg.PagerDutyTest {
		return pagerdutyTest(ctx, con, cfg, origin, env.Now().UTC(), timing)
	}
	s, err := prepare(env, con, cfg)
	if err != nil {
		return err
	}
	defer s.ws.Close()
	hc := newHTTPClient(con, cfg, timing)
	// A pass is one process run in production, but not in tests or a
	// long-lived caller: do not leave its connections open.
	defer hc.HTTP.CloseIdleConnections()
	// Checks end at the pass deadline or on cancellation (SIGTERM); what
	// was decided is then still sent, within a short grace.
	checkCtx, stopChecks := context.WithTimeoutCause(ctx, cfg.PassTimeout.D(), errPassTimeout)
	defer stopChecks()
	sendCtx, stopSends := graceContext(ctx, time.Now().Add(cfg.PassTimeout.D()), timing.DeliveryGrace)
	defer stopSends()

	recall := startRecall(checkCtx, cfg, hc.HTTP, timing, s.loaded.State, env.Now())
	checked := checkProcesses(checkCtx, con, cfg, hc, s.targets, s.remembered(env.Now()), timing, func(results []check.Result) {
		s.nodeNotes = readAgainstNotes(results, s.nodeNotes, s.history, env.Now().UTC(), s.narrowed)
	})
	now := env.Now().UTC()
	s.rememberSchedulers(checked.results, now)
	trends := s.recordHistory(con, checked.results, now, cfg.HistoryWindow.D())
	s.schedulers = nil // written with the history: the rest of the pass holds no copy
	obs := observe(checked.results, s.silenced, trends)
	rec, recallNotes, recallErr := reconcileWithPagerDuty(con, cfg, s.scopeOf(cfg), s.loaded.State, recall)
	policy := s.policy(cfg)
	if policy.ConfirmResolves {
		rec.State = rec.State.WithoutStaleResolves(now)
	} else {
		rec.State.Resolving = incident.Open{} // nothing can confirm them: PagerDuty's 2xx is all there is
	}
	prev, plan := rec.Adjust(incident.Decide(rec.State, obs, now, policy))
	store := state.NewStore(s.ws, s.statePath, s.loaded.Raw, s.headerAfter(checked.cutShort))
	d := &deliverer{
		con: con, sender: &pagerduty.Sender{HTTP: hc, EventsURL: cfg.EventsURL, Limiter: pagerduty.NewLimiter()},
		routingKey: cfg.RoutingKey, origin: origin, threshold: int64(cfg.SeverityThreshold), now: now,
		dryRun: cfg.DryRun, enabled: cfg.PagerDutyEnabled, results: indexByProcess(checked.results), trends: trends,
	}
	unrecorded := recordIntent(store, prev, plan, d.sends, s.loaded.Slack, cfg.DryRun)
	sent := d.send(sendCtx, plan.Events, unrecorded)
	next := incident.Settle(prev, plan, outcomes(sent))
	if cfg.DryRun {
		next = plan.Next // as if every event were delivered; nothing is saved
	}
	events := deliveredOf(plan.Events, sent, d.results)
	notes := slices.Concat(s.notes, recallNotes, ackedRaises(con, plan.Events, sent, rec.Links), unseenTriggers(cfg, plan.Events, sent))
	annotateNewTrouble(con, events.triggered, int64(cfg.SeverityThreshold), cfg.DryRun)
	slackMemory, slackStatus := notifySlack(sendCtx, con, cfg, hc, s.loaded.Slack, slackNotice{
		results: checked.results, status: classify(obs, int64(cfg.SlackThreshold)), runURL: origin.ClientURL,
		motion: describe(trends, now), narrowed: s.narrowed,
	})
	saveErr := saveState(con, cfg, store, unrecorded, checked.cutShort != nil && s.loaded.Raw == nil, next, slackMemory)

	pass := report.Pass{
		Results: checked.results, Threshold: int64(cfg.SeverityThreshold), Status: classify(obs, int64(cfg.SeverityThreshold)), Now: now,
		Trends: trends, History: s.history, Deferred: plan.Deferred,
		Triggered: events.triggered, Updated: events.updated, Resolved: events.resolved, Forgotten: events.forgotten,
		Failures: events.failures, Skipped: s.skipped, Mistyped: s.mistyped, Notes: notes,
		DryRun: cfg.DryRun, PagerDutyEnabled: cfg.PagerDutyEnabled, StateFile: s.statePath,
		StateChanged: store.Changed(), SlackStatus: slackStatus,
		Open: openIncidents(stillOpen(next, rec), plan.Affected, rec.Links, d.results),
	}
	fails := []error{failed(errRESTRefused, recallErr), saveErr}
	if len(s.mistyped) > 0 {
		fails = append(fails, errMistyped) // said by prepare, entry by entry
	}
	if checked.misconfigured {
		fails = append(fails, errMisconfigured) // said by check
	}
	if checked.cutShort != nil {
		con.Errorf("Pass cut short", "%v: %d of %d processes were not checked; they opened, resolved and changed nothing",
			checked.cutShort, pass.NotChecked()-pass.Misconfigured(), len(checked.results))
		fails = append(fails, failed(errCutShort, checked.cutShort))
	}
	// The report file is the pass's own record: its path is an output only
	// once it is written.
	pass.ReportFile = writeReport(con, s.ws, s.reportPath, pass)
	if events.undelivered > 0 {
		con.Errorf("PagerDuty", "%d of %d PagerDuty events were not delivered; they will be decided again on the next run. First: %s",
			events.undelivered, len(plan.Events), events.failures[0].Error)
		fails = append(fails, errUndelivered)
	}
	return conclude(ctx, con, cfg, hc, pass, fails)
}

// conclude ends a pass that went this far: the heartbeat when nothing
// failed, fail-on, then the summary and outputs. It returns every failure.
func conclude(ctx context.Context, con *console.Console, cfg config.Config, hc *retryhttp.Client, pass report.Pass, fails []error) error {
	failedSoFar := errors.Join(fails...) != nil
	if !failedSoFar && !cfg.DryRun && cfg.HeartbeatURL != "" {
		heartbeat(ctx, con, hc, cfg.HeartbeatURL)
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

// newHTTPClient is the pass's client for every request but PagerDuty's
// REST listing: per host, at most concurrency requests at once, and a
// breaker that stops asking a host that stopped answering.
func newHTTPClient(con *console.Console, cfg config.Config, timing Timing) *retryhttp.Client {
	return &retryhttp.Client{
		HTTP:           retryhttp.NewHTTPClient(int(cfg.Concurrency)),
		MaxRetries:     int(cfg.MaxRetries),
		Timeout:        cfg.RequestTimeout.D(),
		InitialBackoff: timing.FirstBackoff,
		Clock:          timing.RetryClock,
		Hosts:          retryhttp.NewHosts(int(cfg.Concurrency)),
		Budget:         retryhttp.NewRetryBudget(timeoutRetryReserve, timeoutRetryShare),
		OnRetry: func(url string, err error, wait time.Duration) {
			con.Debugf("retrying %s in %s: %v", escape.URL(url), wait.Round(time.Millisecond), err)
		},
	}
}

// recordIntent writes the state every sent event leaves if its outcome is
// unknown, before any is sent (write-ahead), keeping Slack's memory as it
// was. It returns why it could not (then nothing is sent).
func recordIntent(store *state.Store, prev incident.State, plan incident.Plan, sends func(incident.Event) bool, slackMemory json.RawMessage, dryRun bool) error {
	intent, any := incident.Intent(prev, plan, sends)
	if dryRun || !any {
		return nil
	}
	return store.Save(intent, slackMemory)
}

// saveState records the settled state and Slack's memory, and reports a
// failure to. A cut-short pass that found no file (fresh) writes no empty
// one; a dry run writes nothing.
func saveState(con *console.Console, cfg config.Config, store *state.Store, unrecorded error, fresh bool, next incident.State, slackMemory json.RawMessage) error {
	switch {
	case cfg.DryRun:
		return nil
	case unrecorded != nil:
		con.Errorf("State file", "%v: nothing was sent to PagerDuty, because what is sent must be recorded first", unrecorded)
		return failed(errStateNotSaved, unrecorded)
	case fresh && len(next.Open) == 0 && len(next.Failing) == 0 && len(slackMemory) == 0:
		return nil
	}
	if err := store.Save(next, slackMemory); err != nil {
		con.Errorf("State file", "%v: the outcome of this pass's events is not recorded; the next run sends them again", err)
		return failed(errStateNotSaved, err)
	}
	return nil
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
