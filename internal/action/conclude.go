package action

// The end of a pass: its report, and every way it fails its step, said in
// one place.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// conclude ends a pass that went this far: the report file, the failures
// (failures), the new trouble on the run page, the heartbeat when nothing
// failed, fail-on, then the summary and outputs. It returns every failure,
// joined, each said once.
func (p *pass) conclude(s saved) error {
	r := p.reportOf(s)
	fails := p.failures(s, r)
	annotateNewTrouble(p.con, r)
	if len(fails) == 0 && p.out.heartbeat != "" {
		heartbeat(p.ctx, p.con, p.hc, p.out.heartbeat)
	}
	if reason := findingsFail(p.cfg.FailOn, r); reason != "" {
		p.con.Errorf("fail-on: "+string(p.cfg.FailOn), "%s", reason)
		fails = append(fails, failed(errFindings, errors.New(reason)))
	}
	if err := publish(p.con, r); err != nil {
		p.con.Errorf("Outputs", "%v", err)
		fails = append(fails, failed(errPublish, err))
	}
	return errors.Join(fails...)
}

// reportOf is the pass as its report shows it, with the report file
// written: the file is the pass's own record, and its path is an output
// only once it is written.
func (p *pass) reportOf(s saved) report.Pass {
	cfg, in := p.cfg, p.in
	r := report.Pass{
		Results: s.results, Threshold: int64(cfg.SeverityThreshold), Status: s.status, Now: s.at,
		Trends: s.trends, History: s.history, Deferred: s.plan.Deferred,
		Triggered: s.events.triggered, Updated: s.events.updated, Resolved: s.events.resolved, Forgotten: s.events.forgotten,
		Failures: s.events.failures, Skipped: in.skipped, Mistyped: in.mistyped,
		Notes:  slices.Concat(in.notes, s.listingNotes, s.eventNotes),
		DryRun: cfg.DryRun, PagerDutyEnabled: cfg.PagerDutyEnabled, StateFile: in.statePath,
		StateChanged: s.store.Changed(), SlackStatus: s.slackStatus,
		Open: openIncidents(stillOpen(s.next, s.rec), s.plan.Affected, s.rec.Links, s.byProcess),
	}
	r.ReportFile = writeReport(p.con, in.ws, in.reportPath, r)
	return r
}

// failures says why the pass fails its step, once each, in the order its
// stages ran, from the values they returned (r counts what was not
// checked). A mistyped entry was said by prepare, entry by entry, with
// its file and line: a pass that stops before its checks says it too.
func (p *pass) failures(s saved, r report.Pass) []error {
	con := p.con
	var fails []error
	if len(p.in.mistyped) > 0 {
		fails = append(fails, errMistyped)
	}
	if len(s.misconfigured) > 0 {
		sayMisconfigured(con, s.misconfigured, s.noneResolved)
		fails = append(fails, errMisconfigured)
	}
	if s.refused != nil {
		con.Errorf("PagerDuty REST API", "%v; this pass went by the state file alone", s.refused)
		fails = append(fails, failed(errRESTRefused, s.refused))
	}
	switch {
	case s.unrecorded != nil:
		con.Errorf("State file", "%v: nothing was sent to PagerDuty, because what is sent must be recorded first", s.unrecorded)
		fails = append(fails, failed(errStateNotSaved, s.unrecorded))
	case s.saveErr != nil:
		con.Errorf("State file", "%v: the outcome of this pass's events is not recorded; the next run sends them again", s.saveErr)
		fails = append(fails, failed(errStateNotSaved, s.saveErr))
	}
	if s.cutShort != nil {
		con.Errorf("Pass cut short", "%v: %d of %d processes were not checked; they opened, resolved and changed nothing",
			s.cutShort, r.NotChecked()-r.Misconfigured(), len(s.results))
		fails = append(fails, failed(errCutShort, s.cutShort))
	}
	if s.events.undelivered > 0 {
		con.Errorf("PagerDuty", "%d of %d PagerDuty events were not delivered; they will be decided again on the next run. First: %s",
			s.events.undelivered, len(s.plan.Events), s.events.failures[0].Error)
		fails = append(fails, errUndelivered)
	}
	return fails
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
