package action

// PagerDuty as a second memory: with a REST API key, what PagerDuty holds
// open is read while the checks run, and the state file is reconciled with
// it before anything is decided.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/processlist"
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

// startRecall lists the service's open alerts in the background, when a
// REST API key is set and events are sent; the returned function waits for
// the listing (nil: nothing to wait for).
func startRecall(ctx context.Context, cfg config.Config, hc *http.Client, timing Timing, st incident.State) func() recalled {
	if cfg.APIToken == "" || !cfg.PagerDutyEnabled {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.PassTimeout.D()/recallShare)
	l := &pagerduty.Lister{
		// Its own client: no breaker or retry budget shared with events, so
		// a failing REST API can never hold up a page.
		HTTP: &retryhttp.Client{HTTP: hc, MaxRetries: int(cfg.MaxRetries), Timeout: cfg.RequestTimeout.D(),
			InitialBackoff: timing.FirstBackoff, Clock: timing.RetryClock},
		APIURL: cfg.APIURL, Token: cfg.APIToken, ServiceID: cfg.ServiceID,
		SeverityOf: severityWanted(st),
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
		inc, ok := incident.ParseDedupKey(key)
		return ok && inc.Type == incident.Mismatch
	}
}

// reconcileWithPagerDuty brings the loaded state in line with what
// PagerDuty showed, and reports what changed. Without a listing (no key, or
// the REST API failed) the state file alone is the memory, as without a
// key. authErr is set when the key or service was refused: the step fails
// at the end, after paging as usual.
func reconcileWithPagerDuty(con *console.Console, cfg config.Config, targets []processlist.Target, st incident.State, listsKnown bool, wait func() recalled) (rec incident.Reconciled, authErr error) {
	rec = incident.Reconciled{State: st, Links: map[string]incident.Link{}}
	if wait == nil {
		return rec, nil
	}
	got := wait()
	var auth *pagerduty.AuthError
	switch {
	case errors.As(got.err, &auth):
		con.Errorf("PagerDuty REST API", "%v; this pass went by the state file alone", got.err)
		return rec, got.err
	case got.err != nil:
		con.Warnf("PagerDuty REST API", "%v; this pass went by the state file alone (incidents it does not know of stay open until a pass can read PagerDuty)", got.err)
		return rec, nil
	}
	for _, n := range got.listing.Notes {
		if !got.listing.Complete {
			n += ": incidents not read are neither adopted nor taken as resolved this pass"
		}
		con.Warnf("PagerDuty REST API", "%s", n)
	}
	remoteAlerts := make([]incident.RemoteAlert, len(got.listing.Alerts))
	for i, a := range got.listing.Alerts {
		remoteAlerts[i] = incident.RemoteAlert{DedupKey: a.DedupKey, Severity: incident.Severity(a.Severity), Since: a.Since,
			Link: incident.Link{Number: a.Number, Status: a.Status, URL: a.URL}}
	}
	rec = incident.Reconcile(st, incident.Remote{Open: remoteAlerts, Complete: got.listing.Complete}, scopeOf(cfg, targets, listsKnown))
	con.Logf("PagerDuty holds %s open on service %s (%s, %s): %d adopted, %d resolved there, %d confirmed",
		report.Count(len(got.listing.Alerts), "alert", "alerts"), cfg.ServiceID, report.Count(got.listing.Requests, "request", "requests"),
		got.elapsed.Round(time.Millisecond), len(rec.Adopted), len(rec.Closed), len(rec.Settled))
	for _, inc := range rec.Adopted {
		con.Logf("adopted from PagerDuty (unknown to the state file): %s", inc.DedupKey)
	}
	for _, inc := range rec.Closed {
		con.Logf("not open in PagerDuty any more (resolved there, or never taken): %s", inc.DedupKey)
	}
	if n := confirmedOpen(st); n > 0 && len(got.listing.Alerts) == 0 {
		// Every incident PagerDuty took (a 2xx) gone at once, and none of
		// the monitor's open: a person may have resolved them all, but a
		// service ID that is not the routing key's looks just the same, and
		// then no recovery would ever be resolved.
		con.Warnf("PagerDuty REST API", "service %s shows none of the %s the state file holds open: if no one resolved them, check input pagerduty-service-id (it must be the service the routing key feeds)",
			cfg.ServiceID, report.Count(n, "incident PagerDuty accepted", "incidents PagerDuty accepted"))
	}
	return rec, nil
}

// confirmedOpen counts the incidents PagerDuty accepted (2xx) that the
// state holds open.
func confirmedOpen(st incident.State) int {
	n := 0
	for _, inc := range st.Open {
		if !inc.Unconfirmed {
			n++
		}
	}
	return n
}

// scopeOf is what this job adopts from PagerDuty: grouped incidents under
// its own job and hosts (the keys carry both), and processes' incidents
// that are its own. One job on the default state file owns every process
// of the service, so an incident of a process no longer configured is
// adopted and resolved as removed. A shard owns the processes its shard
// holds, configured or not. A job with its own state file (one job per
// state server) may share the service with others: it adopts only the
// processes it lists, so it never resolves another job's page. Without a
// state file that records its lists (listsKnown false: lost, or new), a
// pass cannot tell a manual run's hand-picked list from the job's own, so
// it too adopts only the processes it lists, and holds the grouped
// incidents it adopts: an unlisted process's incident is adopted, and a
// group it cannot see whole resolved, by the next pass.
func scopeOf(cfg config.Config, targets []processlist.Target, listsKnown bool) incident.Scope {
	listed := map[string]bool{}
	hosts := []string{escape.Host(cfg.SURouterURL)}
	for _, t := range targets {
		listed[t.ProcessID] = true
		hosts = append(hosts, escape.Host(t.StateURL))
	}
	slices.Sort(hosts)
	scope := incident.Scope{Job: jobID(cfg), Hosts: slices.Compact(hosts), HoldGroups: !listsKnown}
	switch {
	case cfg.Shard.Enabled() && listsKnown:
		scope.Holds = cfg.Shard.Holds
	case !listsKnown || !cfg.DefaultStateFile():
		scope.Holds = func(pid string) bool { return listed[pid] }
	}
	return scope
}

// recallNotes is the summary's line about PagerDuty's memory, if any.
func recallNotes(rec incident.Reconciled) []string {
	if len(rec.Adopted)+len(rec.Closed) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("PagerDuty's open incidents reconciled with the state file: %d adopted (unknown to it), %d resolved in PagerDuty.", len(rec.Adopted), len(rec.Closed))}
}
