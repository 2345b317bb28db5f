package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// KeyPrefix starts every dedup key this monitor sends.
const KeyPrefix = "nonce-monitor-"

// Bounds of one listing. The scan reads pages of PagerDuty's largest size
// (100) up to defaultMaxPages, well inside PagerDuty's own bound on offset
// pagination (offset + limit at most 10,000), and lists the alerts of up to
// defaultMaxAlertOf incidents whose keys it cannot read from the incident
// itself. The keys a job holds are then asked one by one (lookups), four at
// a time, with no bound but the listing's time: they must not depend on how
// crowded the service is.
const (
	pageSize          = 100
	defaultMaxPages   = 20 // 2,000 open incidents
	defaultMaxAlertOf = 100
	defaultMaxSevOf   = 50
	maxAlertPages     = 5
	lookupsAtOnce     = 4
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
	// Keys are the dedup keys the job holds (open, or resolved and not yet
	// seen gone), most urgent first: each one the scan does not show open
	// is asked about by key, whatever incident holds it (grouped, merged,
	// opened by hand) and however many others the service holds.
	Keys []string
	// MaxPages and MaxAlertLists bound the scan (0: the defaults, 20 pages
	// of 100 incidents and 100 alert listings).
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
	// keys. Then a key it does not show is not open.
	Complete bool
	// Gone holds the Keys asked about one by one that no open incident
	// holds: true when no incident ever held the key (PagerDuty accepted
	// its trigger and opened nothing), false when one did.
	Gone map[string]bool
	// OtherServices are the services other than ServiceID where lookups
	// found incidents holding Keys: the routing key feeds another service
	// than pagerduty-service-id names.
	OtherServices []string
	// ServiceStatus is the service's status as PagerDuty documents it
	// (active, warning, critical, maintenance, disabled), read only when a
	// key looked up is open in no incident; "" if not read.
	ServiceStatus string
	// Requests counts the requests; Lookups the keys asked about by key.
	Requests, Lookups int
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

// ListOpen lists the service's open alerts whose key is the monitor's: a
// scan of its triggered and acknowledged incidents (every date), page by
// page, then a lookup by key of each of Keys the scan did not show open.
// Bounds reached make the scan incomplete, with a note; lookups not made
// in time leave their keys unknown, with a note. Errors (the scan's only):
// *AuthError for 4xx; anything else wraps ErrRESTUnavailable.
func (l *Lister) ListOpen(ctx context.Context) (out Listing, err error) {
	c := pd.NewClient(l.Token, pd.WithAPIEndpoint(strings.TrimRight(l.APIURL, "/")))
	doer := &restDoer{c: l.HTTP}
	c.HTTPClient = doer
	defer func() { out.Requests = int(doer.requests.Load()) }()
	if err := l.scan(ctx, c, &out); err != nil {
		return out, l.classify(err)
	}
	l.lookUp(ctx, c, &out)
	if len(out.Gone) > 0 {
		// Whether the service acts on events at all says what became of a
		// trigger sent for a key no open incident holds.
		out.ServiceStatus = l.serviceStatus(ctx, c)
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
// would end the link, start markup or split a table cell (a query keeps
// its "|" through url.Parse). A link elsewhere would send whoever
// clicks it wherever the answer says.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, ".pagerduty.com") || u.User != nil || u.String() != raw ||
		strings.ContainsAny(raw, "()<>[]|\"'`\\ \t\r\n") || len(raw) > 512 {
		return ""
	}
	return raw
}

// linkOf is how an incident is shown with its alerts.
func linkOf(inc pd.Incident) OpenAlert {
	a := OpenAlert{Number: inc.IncidentNumber, Status: knownStatus(inc.Status), URL: safeURL(inc.HTMLURL)}
	a.Since, _ = time.Parse(time.RFC3339, inc.CreatedAt)
	return a
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

func orInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
