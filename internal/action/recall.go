package action

// PagerDuty as a second memory: with a REST API key, what PagerDuty holds
// open is read while the checks run, and the state file is reconciled with
// it before anything is decided.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// recallShare is the part of pass-timeout the listing may take: it runs
// beside the checks, and a pass never waits longer than this for it.
const recallShare = 4

// recalled is the outcome of reading PagerDuty's memory.
type recalled struct {
	listing pagerduty.Listing
	err     error
	elapsed time.Duration
}

// recalls reports whether a pass reads PagerDuty's memory: with a REST API
// key, when events are sent at all.
func recalls(cfg config.Config) bool { return cfg.APIToken != "" && cfg.PagerDutyEnabled }

// startRecall lists the service's open alerts in the background, when a
// REST API key is set and events are sent; the returned function waits for
// the listing (nil: nothing to wait for).
func startRecall(ctx context.Context, cfg config.Config, hc *http.Client, timing Timing, st incident.State, now time.Time) func() recalled {
	if !recalls(cfg) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.PassTimeout.D()/recallShare)
	l := &pagerduty.Lister{
		// Its own client: no breaker or retry budget shared with events, so
		// a failing REST API can never hold up a page.
		HTTP: &retryhttp.Client{HTTP: hc, MaxRetries: int(cfg.MaxRetries), Timeout: cfg.RequestTimeout.D(),
			InitialBackoff: timing.FirstBackoff, Clock: timing.RetryClock},
		APIURL: cfg.APIURL, Token: cfg.APIToken, ServiceID: cfg.ServiceID,
		Keys: keysToCheck(st, now), SeverityOf: severityWanted(st),
	}
	done := make(chan recalled, 1)
	go func() {
		defer cancel()
		start := time.Now()
		listing, err := l.ListOpen(ctx)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w: no listing within a quarter of pass-timeout (%s)", pagerduty.ErrRESTUnavailable, cfg.PassTimeout.D()/recallShare)
		}
		done <- recalled{listing: listing, err: err, elapsed: time.Since(start)}
	}()
	return func() recalled { return <-done }
}

// severityWanted says which keys' severity the listing must read, which
// only an alert's own listing shows: an unconfirmed event's (an open alert
// settles it only at the severity it was sent with), and a mismatch
// incident's the state does not know (adopted, it is raised if its process
// fell further behind while the state was lost; other types have one
// severity).
func severityWanted(st incident.State) func(string) bool {
	return func(key string) bool {
		if inc, ok := st.Open[key]; ok {
			return inc.Unconfirmed
		}
		inc, _, ok := incident.ParseDedupKey(key)
		return ok && inc.Type == incident.Mismatch
	}
}

// reconcileWithPagerDuty brings the loaded state in line with what
// PagerDuty showed, and reports what changed. Without a listing (no key, or
// the REST API failed) the state file alone is the memory, as without a
// key. notes are the summary's lines about it. authErr is set when the key
// or service was refused: the step fails at the end, after paging as usual.
func reconcileWithPagerDuty(con *console.Console, cfg config.Config, scope incident.Scope, st incident.State, wait func() recalled) (rec incident.Reconciled, notes []string, authErr error) {
	rec = incident.Reconciled{State: st, Links: map[string]incident.Link{}}
	if wait == nil {
		return rec, nil, nil
	}
	got := wait()
	var auth *pagerduty.AuthError
	switch {
	case errors.As(got.err, &auth):
		con.Errorf("PagerDuty REST API", "%v; this pass went by the state file alone", got.err)
		return rec, nil, got.err
	case got.err != nil:
		con.Warnf("PagerDuty REST API", "%v; this pass went by the state file alone (incidents it does not know of stay open until a pass can read PagerDuty)", got.err)
		return rec, nil, nil
	}
	l := got.listing
	for _, n := range l.Notes {
		if !l.Complete {
			n += ": incidents not read are neither adopted nor taken as resolved this pass"
		}
		con.Warnf("PagerDuty REST API", "%s", n)
	}
	remoteAlerts := make([]incident.RemoteAlert, len(l.Alerts))
	for i, a := range l.Alerts {
		remoteAlerts[i] = incident.RemoteAlert{DedupKey: a.DedupKey, Severity: incident.Severity(a.Severity), Since: a.Since,
			Link: incident.Link{Number: a.Number, Status: a.Status, URL: a.URL}}
	}
	rec = incident.Reconcile(st, incident.Remote{Open: remoteAlerts, Complete: l.Complete, Gone: l.Gone}, scope)
	con.Logf("PagerDuty holds %s open on service %s (%s, %s looked up by key, %s): %d adopted, %d resolved there, %d confirmed",
		report.Count(len(l.Alerts), "alert", "alerts"), cfg.ServiceID, report.Count(l.Requests, "request", "requests"),
		report.Count(l.Lookups, "key", "keys"), got.elapsed.Round(time.Millisecond), len(rec.Adopted), len(rec.Closed), len(rec.Settled))
	for _, inc := range rec.Adopted {
		con.Logf("adopted from PagerDuty (unknown to the state file): %s", inc.DedupKey)
	}
	for _, inc := range rec.Closed {
		con.Logf("not open in PagerDuty any more (resolved there, or never taken): %s", inc.DedupKey)
	}
	for _, inc := range rec.Taken {
		con.Logf("resolve confirmed: PagerDuty holds %s open no more", inc.DedupKey)
	}
	if len(l.OtherServices) > 0 {
		con.Warnf("PagerDuty REST API", "the alerts this job sent are held by %s, not by service %s: check input pagerduty-service-id (it must be the service the routing key feeds)",
			joinFew(l.OtherServices), cfg.ServiceID)
	}
	if len(rec.NotOpened) > 0 {
		con.Warnf("PagerDuty", "%s", notOpenedLine(rec.NotOpened, l.ServiceStatus, cfg.ServiceID))
	}
	if len(rec.NotTaken) > 0 {
		con.Warnf("PagerDuty", "%s", notTakenLine(rec.NotTaken, l.ServiceStatus, cfg.ServiceID))
	}
	return rec, recallNotes(rec, l.ServiceStatus, cfg.ServiceID), nil
}
