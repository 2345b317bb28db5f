package pagerduty

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// KeyPrefix starts every dedup key this monitor sends.
const KeyPrefix = "nonce-monitor-"

// Bounds of one listing: pages of PagerDuty's largest size, and the
// incidents whose alerts are listed (one request each) to find their keys.
const (
	pageSize          = 100
	defaultMaxPages   = 10 // 1,000 open incidents
	defaultMaxAlertOf = 50
	maxAlertPages     = 5
	maxRESTBody       = 8 << 20
)

// Lister reads, through PagerDuty's REST API, the alerts open on one
// service: PagerDuty's own memory of what this monitor paged.
type Lister struct {
	// HTTP sends each request (timeout, retries, bounded body). Give the
	// REST API a client of its own: its failures must never trip a breaker
	// that events share.
	HTTP      *retryhttp.Client
	APIURL    string // base, e.g. https://api.pagerduty.com
	Token     string // REST API key
	ServiceID string
	// MaxPages and MaxAlertLists bound the requests (0: the defaults, 10
	// pages of 100 incidents and 50 alert listings).
	MaxPages, MaxAlertLists int
	// SeverityOf says whether a key's severity is wanted: its incident's
	// alerts are listed even when it holds one alert (an incident does
	// not show its alerts' severity), up to MaxSeverityLists incidents;
	// beyond, the key is listed without its severity. nil wants none.
	SeverityOf       func(key string) bool
	MaxSeverityLists int // 0: 50
}

// OpenAlert is one open alert whose dedup key starts with KeyPrefix, with
// the incident that holds it. It carries no personal data.
type OpenAlert struct {
	DedupKey string
	Severity string    // "" unless the alert was listed
	Since    time.Time // when the incident was created (zero if unparsable)
	Number   uint      // the incident's number
	Status   string    // triggered | acknowledged
	URL      string    // the incident's html_url
}

// Listing is what one listing found.
type Listing struct {
	Alerts []OpenAlert
	// Complete: every open incident of the service was read, with its
	// keys. Only a complete listing proves an incident is not open.
	Complete bool
	Requests int
	// Notes say which bound cut the listing short.
	Notes []string
}

// AuthError is the REST API refusing the token or the service (401, 403,
// or another 4xx): a configuration problem that retrying cannot fix.
type AuthError struct {
	Status int
	Input  string // the input at fault
}

func (e *AuthError) Error() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("PagerDuty REST API refused the key (HTTP %d): check input %s", e.Status, e.Input)
	case http.StatusForbidden:
		return fmt.Sprintf("PagerDuty REST API key may not read incidents (HTTP %d): check input %s", e.Status, e.Input)
	}
	return fmt.Sprintf("PagerDuty REST API rejected the listing (HTTP %d): check input %s", e.Status, e.Input)
}

// ListOpen lists the service's triggered and acknowledged incidents (every
// date), page by page, and the open alerts among them whose key is the
// monitor's. An incident with several alerts (alert grouping) or no key of
// its own has its alerts listed. Bounds reached make the listing
// incomplete, with a note. Errors: *AuthError for 4xx; anything else wraps
// ErrRESTUnavailable.
func (l *Lister) ListOpen(ctx context.Context) (Listing, error) {
	var out Listing
	c := pd.NewClient(l.Token, pd.WithAPIEndpoint(strings.TrimRight(l.APIURL, "/")))
	c.HTTPClient = &restDoer{c: l.HTTP, requests: &out.Requests}
	maxPages, maxAlertLists := orInt(l.MaxPages, defaultMaxPages), orInt(l.MaxAlertLists, defaultMaxAlertOf)
	maxSeverityLists := orInt(l.MaxSeverityLists, defaultMaxAlertOf)
	alertLists, skipped, severityLists, unread := 0, 0, 0, 0
	for page := range maxPages {
		resp, err := c.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{
			Limit: pageSize, Offset: uint(page * pageSize), DateRange: "all",
			Statuses: []string{"triggered", "acknowledged"}, ServiceIDs: []string{l.ServiceID},
		})
		if err != nil {
			return out, l.classify(err)
		}
		for _, inc := range resp.Incidents {
			link := OpenAlert{Number: inc.IncidentNumber, Status: knownStatus(inc.Status), URL: safeURL(inc.HTMLURL)}
			link.Since, _ = time.Parse(time.RFC3339, inc.CreatedAt)
			wantSeverity := l.SeverityOf != nil && l.SeverityOf(inc.IncidentKey)
			if wantSeverity && inc.AlertCounts.All <= 1 && severityLists >= maxSeverityLists {
				unread++
				wantSeverity = false
			}
			if inc.IncidentKey != "" && inc.AlertCounts.All <= 1 && !wantSeverity {
				if strings.HasPrefix(inc.IncidentKey, KeyPrefix) {
					link.DedupKey = inc.IncidentKey
					out.Alerts = append(out.Alerts, link)
				}
				continue
			}
			switch {
			case wantSeverity && inc.AlertCounts.All <= 1:
				severityLists++
			case alertLists >= maxAlertLists:
				skipped++
				continue
			default:
				alertLists++
			}
			alerts, err := listAlerts(ctx, c, inc.ID)
			if err != nil {
				return out, l.classify(err)
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
		out.Notes = append(out.Notes, fmt.Sprintf("%d incidents hold several alerts beyond the %d whose alerts are listed each pass; their alerts were not read", skipped, maxAlertLists))
	}
	return out, nil
}

// knownStatus keeps an incident status only if it is one PagerDuty
// documents for open incidents: it reaches the summary and outputs.
func knownStatus(s string) string {
	if s == "triggered" || s == "acknowledged" {
		return s
	}
	return ""
}

// safeURL keeps a link from the network only if it is a plain https URL
// on PagerDuty's own domain (an incident's html_url is
// https://<subdomain>.pagerduty.com/incidents/<id>, EU accounts' too) that
// can sit in a Markdown link as it is: no credentials, no characters that
// would end the link or start markup. A link elsewhere would send whoever
// clicks it wherever the answer says.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, ".pagerduty.com") || u.User != nil || u.String() != raw ||
		strings.ContainsAny(raw, "()<>[]\"'`\\ \t\r\n") || len(raw) > 512 {
		return ""
	}
	return raw
}

// listAlerts lists an incident's open (triggered) alerts.
func listAlerts(ctx context.Context, c *pd.Client, id string) ([]pd.IncidentAlert, error) {
	var all []pd.IncidentAlert
	for page := range maxAlertPages {
		resp, err := c.ListIncidentAlertsWithContext(ctx, id, pd.ListIncidentAlertsOptions{
			Limit: pageSize, Offset: uint(page * pageSize), Statuses: []string{"triggered"},
		})
		if err != nil {
			return nil, err
		}
		all = append(all, resp.Alerts...)
		if !resp.More {
			break
		}
	}
	return all, nil
}

// classify names the input at fault for a refusal; anything else is
// PagerDuty unavailable. PagerDuty's own message is left out: it is text
// from the network, and the status says enough.
func (l *Lister) classify(err error) error {
	var api pd.APIError
	if errors.As(err, &api) {
		switch {
		case api.StatusCode == http.StatusUnauthorized || api.StatusCode == http.StatusForbidden:
			return &AuthError{Status: api.StatusCode, Input: "pagerduty-api-token"}
		case api.StatusCode >= 400 && api.StatusCode < 500 && api.StatusCode != http.StatusTooManyRequests:
			return &AuthError{Status: api.StatusCode, Input: "pagerduty-service-id"}
		}
		return fmt.Errorf("%w: HTTP %d", ErrRESTUnavailable, api.StatusCode)
	}
	return fmt.Errorf("%w: %v", ErrRESTUnavailable, err)
}

// ErrRESTUnavailable is the REST API not answering usefully (429 or 5xx
// after retries, no answer, not JSON): this pass goes by the state file.
var ErrRESTUnavailable = errors.New("PagerDuty REST API unavailable")

// restDoer lets go-pagerduty build and decode the requests while ours sends
// them: per-attempt timeout, retries with backoff honouring Retry-After,
// and a bounded body.
type restDoer struct {
	c        *retryhttp.Client
	requests *int
}

func (d *restDoer) Do(req *http.Request) (*http.Response, error) {
	*d.requests++
	resp, err := d.c.Do(req.Context(), retryhttp.Request{Method: req.Method, URL: req.URL.String(), Header: req.Header, MaxBody: maxRESTBody})
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: resp.Status, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(resp.Body)), Request: req}, nil
}

func orInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
