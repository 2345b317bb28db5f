package pagerduty

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// scan reads the service's open incidents, page by page, and the monitor's
// keys among their alerts. An incident whose incident_key is the
// monitor's and that holds one alert is that alert's. One that holds
// several (alert grouping, a merge) or has no incident_key (content-based
// grouping) has its alerts listed, up to MaxAlertLists incidents. An
// incident with another key and one alert is not read further: if it is a
// person's incident that one of the job's alerts was merged into, the
// lookups by key find it.
func (l *Lister) scan(ctx context.Context, c *pd.Client, out *Listing) error {
	maxPages, maxAlertLists := orInt(l.MaxPages, defaultMaxPages), orInt(l.MaxAlertLists, defaultMaxAlertOf)
	maxPages = min(maxPages, maxOffset/pageSize)
	maxSeverityLists := orInt(l.MaxSeverityLists, defaultMaxSevOf)
	alertLists, skipped, severityLists, unread := 0, 0, 0, 0
	for page := range maxPages {
		resp, err := c.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{
			Limit: pageSize, Offset: uint(page * pageSize), DateRange: "all",
			Statuses: []string{"triggered", "acknowledged"}, ServiceIDs: []string{l.ServiceID},
		})
		if err != nil {
			return err
		}
		for _, inc := range resp.Incidents {
			link := linkOf(inc)
			ours := strings.HasPrefix(inc.IncidentKey, KeyPrefix)
			single := inc.AlertCounts.All <= 1
			wantSeverity := ours && l.SeverityOf != nil && l.SeverityOf(inc.IncidentKey)
			if wantSeverity && single && severityLists >= maxSeverityLists {
				unread++
				wantSeverity = false
			}
			switch {
			case inc.IncidentKey != "" && single && !wantSeverity:
				if ours {
					link.DedupKey = inc.IncidentKey
					out.Alerts = append(out.Alerts, link)
				}
				continue
			case wantSeverity && single:
				severityLists++
			case alertLists >= maxAlertLists:
				skipped++
				continue
			default:
				alertLists++
			}
			alerts, err := listAlerts(ctx, c, inc.ID)
			if err != nil {
				return err
			}
			for _, a := range alerts {
				if strings.HasPrefix(a.AlertKey, KeyPrefix) {
					al := link
					al.DedupKey, al.Severity = a.AlertKey, a.Severity
					out.Alerts = append(out.Alerts, al)
				}
			}
		}
		if !resp.More {
			out.Complete = skipped == 0
			break
		}
		if page == maxPages-1 {
			out.Notes = append(out.Notes, fmt.Sprintf("more than %d incidents are open on the service; only the first %d were read", maxPages*pageSize, maxPages*pageSize))
		}
	}
	if unread > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("the severity of %d alerts was not read (beyond %d alert listings): if adopted, they are not raised this pass", unread, maxSeverityLists))
	}
	if skipped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d incidents hold several alerts or no key of their own, beyond the %d whose alerts are listed each pass; their alerts were not read", skipped, maxAlertLists))
	}
	return nil
}

// maxOffset is PagerDuty's bound on offset + limit in offset pagination:
// a request past it is refused (400).
const maxOffset = 10_000

// restDoer lets go-pagerduty build and decode the requests while ours sends
// them: per-attempt timeout, retries with backoff honouring Retry-After,
// and a bounded body. It counts requests, from any goroutine.
type restDoer struct {
	c        *retryhttp.Client
	requests atomic.Int64
}

func (d *restDoer) Do(req *http.Request) (*http.Response, error) {
	d.requests.Add(1)
	resp, err := d.c.Do(req.Context(), retryhttp.Request{Method: req.Method, URL: req.URL.String(), Header: req.Header, MaxBody: maxRESTBody})
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: resp.Status, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(resp.Body)), Request: req}, nil
}
