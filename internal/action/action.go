// Package action runs one monitoring pass the way the GitHub runner invokes
// the container: inputs from flags and INPUT_* variables, results to the
// step's output and summary files, the state file in the workspace.
package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/processlist"
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
	Now    func() time.Time
	// FirstBackoff is the first retry wait; zero means one second. Tests
	// shorten it.
	FirstBackoff time.Duration
}

// Main runs one pass and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	con := newConsole(env.Stdout, env.Getenv)
	defer con.flush()

	cfg, err := config.Load(env.Args, env.Getenv, env.Stdout)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		reportConfigErrors(con, err)
		return 1
	}
	// Mask before anything else is printed, so no later line can leak it.
	if cfg.RoutingKey != "" && env.Getenv("GITHUB_ACTIONS") == "true" {
		con.gha.AddMask(cfg.RoutingKey)
	}
	for _, w := range cfg.Warnings {
		con.warnf("Input", "%s", w)
	}

	workspace := env.Getenv("GITHUB_WORKSPACE")
	if workspace == "" {
		workspace = "."
	}
	targets, problems, err := processlist.Load(processlist.Sources{
		Inline: cfg.ProcessIDs, IDsFile: cfg.ProcessIDsFile, MapFile: cfg.ProcessMapFile,
		Workspace: workspace, DefaultStateURL: cfg.StateURL,
	})
	if err != nil {
		reportConfigErrors(con, err)
		return 1
	}
	var skipped []string
	for _, p := range problems {
		con.warnAt(p.File, p.Line, p.String())
		skipped = append(skipped, p.String())
	}
	if len(targets) == 0 {
		reportConfigErrors(con, &config.InputError{Input: "process-ids", Err: fmt.Errorf("no valid process ID in process-ids, process-ids-file or process-map-file (%d entries skipped)", len(problems))})
		return 1
	}

	statePath := cfg.StateFile
	if !filepath.IsAbs(statePath) {
		statePath = filepath.Join(workspace, statePath)
	}
	loaded, err := state.Load(statePath)
	if err != nil {
		con.errorf("State file", "%v", err)
		return 1
	}
	var notes []string
	if loaded.Warning != "" {
		con.warnf("State file", "%s", loaded.Warning)
		notes = append(notes, loaded.Warning)
	}

	httpClient := &retryhttp.Client{
		HTTP:           retryhttp.NewHTTPClient(cfg.Concurrency),
		MaxRetries:     cfg.MaxRetries,
		Timeout:        cfg.RequestTimeout,
		InitialBackoff: env.FirstBackoff,
		OnRetry: func(url string, err error, wait time.Duration) {
			con.gha.Debugf("retrying %s in %s: %v", url, wait.Round(time.Millisecond), err)
		},
	}
	results := checkAll(ctx, con, &ao.Client{HTTP: httpClient, RouterURL: cfg.SURouterURL}, targets, cfg.Concurrency)

	now := env.Now().UTC()
	observations := make([]incident.Observation, len(results))
	for i, r := range results {
		observations[i] = incident.Observation{ProcessID: r.ProcessID, Checked: r.Checked(), SlotsBehind: r.SlotsBehind()}
	}
	plan := incident.Decide(loaded.Open, observations, now, incident.Policy{
		Threshold:     cfg.SeverityThreshold,
		Levels:        cfg.SeverityLevels,
		AutoResolve:   cfg.AutoResolve,
		ErrorSeverity: "error",
	})

	d := deliverer{
		con: con, cfg: cfg, now: now, results: indexByProcess(results),
		sender: &pagerduty.Sender{HTTP: httpClient, EventsURL: cfg.EventsURL, Limiter: pagerduty.NewLimiter()},
		origin: runOrigin(env.Getenv),
	}
	out := d.deliver(ctx, loaded.Open, plan)

	pass := report.Pass{
		Results: results, Threshold: cfg.SeverityThreshold,
		Triggered: out.triggered, Updated: out.updated, Resolved: out.resolved, Forgotten: out.forgotten,
		Failures: out.failures, Skipped: skipped, Notes: notes,
		DryRun: cfg.DryRun, PagerDutyEnabled: cfg.PagerDutyEnabled, StateFile: cfg.StateFile,
	}
	exit := 0
	finalState := out.next
	if cfg.DryRun {
		finalState = plan.Next
	} else {
		changed, err := state.Save(statePath, loaded.Raw, out.next)
		if err != nil {
			con.errorf("State file", "%v: the incidents of this pass are not recorded, and the next run may page again", err)
			exit = 1
		}
		pass.StateChanged = changed
	}
	pass.Open = openIncidents(finalState, d.results)

	if len(out.failures) > 0 {
		con.errorf("PagerDuty", "%d of %d PagerDuty events were not delivered; they will be decided again on the next run. First: %s",
			len(out.failures), len(plan.Events), out.failures[0].Error)
		exit = 1
	}
	if reason := findingsFail(cfg.FailOn, pass); reason != "" {
		con.errorf("fail-on: "+string(cfg.FailOn), "%s", reason)
		exit = 1
	}
	if err := publish(con, env.Getenv, pass); err != nil {
		con.errorf("Outputs", "%v", err)
		exit = 1
	}
	return exit
}

func reportConfigErrors(con *console, err error) {
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		title := "Invalid configuration"
		var ie *config.InputError
		if errors.As(e, &ie) {
			title = "Invalid input: " + ie.Input
		}
		con.errorf(title, "%v", e)
	}
}

func findingsFail(on config.FailOn, p report.Pass) string {
	switch {
	case on == config.FailError && p.Errors() > 0:
		return fmt.Sprintf("%d processes could not be checked", p.Errors())
	case on == config.FailBehind && p.Behind() > 0:
		return fmt.Sprintf("%d processes are %d or more slots behind their scheduler", p.Behind(), p.Threshold)
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
