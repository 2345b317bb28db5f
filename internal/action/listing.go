package action

// PagerDuty as a second memory: with a REST API key, what PagerDuty holds
// open is read while the checks run, and the state file is reconciled with
// it before anything is decided.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// listingShare is the part of pass-timeout the listing may take: it runs
// beside the checks, and a pass never waits longer than this for it (the
// checks' own share is all of it).
const listingShare = 0.25

// listed is what the listing of PagerDuty's open alerts found.
type listed struct {
	listing pagerduty.Listing
	err     error
	elapsed time.Duration
}

// A listing waits for the listing of PagerDuty's open alerts; nil: there
// is none.
type listing func() listed

// listsPagerDuty reports whether a pass reads PagerDuty's memory: with a
// REST API key, when events are sent at all.
func listsPagerDuty(cfg config.Config) bool { return cfg.APIToken != "" && cfg.PagerDutyEnabled }

// listOpenAlerts lists the service's open alerts in the background, beside
// the checks, when a REST API key is set and events are sent; the keys the
// state file holds that the scan does not show are then looked up one by
// one (keysToCheck).
func (p *pass) listOpenAlerts() listing {
	cfg, st := p.cfg, p.in.loaded.State
	if !listsPagerDuty(cfg) {
		return nil
	}
	within := time.Duration(listingShare * float64(cfg.PassTimeout.D()))
	ctx, cancel := context.WithTimeout(p.checking, within)
	l := &pagerduty.Lister{
		// Its own client: no breaker or retry budget shared with events, so
		// a failing REST API can never hold up a page.
		HTTP: &retryhttp.Client{HTTP: p.hc.HTTP, MaxRetries: int(cfg.MaxRetries), Timeout: cfg.RequestTimeout.D(),
			InitialBackoff: p.timing.FirstBackoff, Clock: p.timing.RetryClock},
		APIURL: cfg.APIURL, Token: cfg.APIToken, ServiceID: cfg.ServiceID,
		Keys: keysToCheck(st, p.now()), SeverityOf: severityWanted(st),
	}
	done := make(chan listed, 1)
	go func() {
		defer cancel()
		start := time.Now()
		got, err := l.ListOpen(ctx)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w: no listing within a quarter of pass-timeout (%s)", pagerduty.ErrRESTUnavailable, within)
		}
		done <- listed{listing: got, err: err, elapsed: time.Since(start)}
	}()
	return func() listed { return <-done }
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

// known is what the pass knows of its incidents before deciding: the state
// file reconciled with what PagerDuty showed (rec), the summary's lines
// about it, and, when PagerDuty's REST API refused the key or service, why
// (the step fails, after paging as usual).
type known struct {
	rec          incident.Reconciled
	listingNotes []string
	refused      error
}

// reconcile brings the loaded state in line with what PagerDuty showed,
// and logs what changed. Without a listing (no key, or the REST API
// failed) the state file alone is the memory, as without a key.
func (p *pass) reconcile(wait listing) known {
	con, cfg, st := p.con, p.cfg, p.in.loaded.State
	rec := incident.Reconciled{State: st, Links: map[string]incident.Link{}}
	if wait == nil {
		return known{rec: rec}
	}
	got := wait()
	var auth *pagerduty.AuthError
	switch {
	case errors.As(got.err, &auth):
		return known{rec: rec, refused: got.err}
	case got.err != nil:
		con.Warnf("PagerDuty REST API", "%v; this pass went by the state file alone (incidents it does not know of stay open until a pass can read PagerDuty)", got.err)
		return known{rec: rec}
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
	rec = incident.Reconcile(st, incident.Remote{Open: remoteAlerts, Complete: l.Complete, Gone: l.Gone,
		Dropping: l.ServiceStatus == "maintenance" || l.ServiceStatus == "disabled"}, p.scope())
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
	return known{rec: rec, listingNotes: listingNotes(rec, l.ServiceStatus, cfg.ServiceID)}
}
