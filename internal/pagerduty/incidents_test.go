package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

func lister(s *pagerdutytest.Server) *Lister {
	return &Lister{
		HTTP:   &retryhttp.Client{HTTP: retryhttp.NewHTTPClient(1), MaxRetries: 1, Timeout: 5 * time.Second, InitialBackoff: time.Millisecond},
		APIURL: s.URL, Token: pagerdutytest.APIToken, ServiceID: pagerdutytest.ServiceID,
	}
}

func keysOf(l Listing) []string {
	var ks []string
	for _, a := range l.Alerts {
		ks = append(ks, a.DedupKey)
	}
	sort.Strings(ks)
	return ks
}

func TestListOpenPagesThroughEveryOpenIncident(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	var want []string
	for i := range 250 {
		want = append(want, fmt.Sprintf("nonce-monitor-mismatch-P%03d-20261122", i))
	}
	s.OpenAlerts("error", want...)
	s.OpenAlerts("error", "db-down", "nonce-monitor-test")
	s.Acknowledge(want[3])
	s.ResolveByHand(want[4])
	want = append(want[:4], want[5:]...)

	got, err := lister(s).ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := append([]string{"nonce-monitor-test"}, want...)
	sort.Strings(wantKeys)
	if diff := cmp.Diff(wantKeys, keysOf(got)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if !got.Complete || got.Requests != 3 || len(got.Notes) != 0 {
		t.Errorf("complete=%v requests=%d notes=%q, want complete in 3 pages", got.Complete, got.Requests, got.Notes)
	}
	if diff := cmp.Diff([]int{100, 100, 100}, s.RESTPageSizes()); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	for _, a := range got.Alerts {
		if a.DedupKey == want[3] && (a.Status != "acknowledged" || a.Number == 0 || !strings.HasPrefix(a.URL, "https://")) {
			t.Errorf("acknowledged incident shown as %+v", a)
		}
	}
}

func TestListOpenCapsPagesWithANote(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	for i := range 250 {
		s.OpenAlerts("error", fmt.Sprintf("nonce-monitor-error-P%03d-20261122", i))
	}
	l := lister(s)
	l.MaxPages = 2
	got, err := l.ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Complete || len(got.Alerts) != 200 || got.Requests != 2 || len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "more than 200") {
		t.Errorf("complete=%v alerts=%d requests=%d notes=%q", got.Complete, len(got.Alerts), got.Requests, got.Notes)
	}
}

func TestListOpenReadsGroupedIncidentsAlerts(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	s.GroupAlerts(true)
	s.OpenAlerts("critical", "nonce-monitor-server-cu.test-20261122", "nonce-monitor-mismatch-A-20261122", "other-tool-key")
	got, err := lister(s).ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"nonce-monitor-mismatch-A-20261122", "nonce-monitor-server-cu.test-20261122"}, keysOf(got)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if !got.Complete || got.Alerts[0].Severity != "critical" || got.Alerts[0].Number != got.Alerts[1].Number {
		t.Errorf("grouped listing: %+v", got)
	}

	l := lister(s)
	// With a bound of one listing and two grouped incidents, one is unread.
	s.GroupAlerts(false)
	s.OpenAlerts("error", "solo-1")
	s.GroupAlerts(true)
	s.OpenAlerts("error", "nonce-monitor-error-B-20261122")
	l.MaxAlertLists = 1
	got, err = l.ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Complete || len(got.Notes) != 1 {
		t.Errorf("bounded alert listings: complete=%v notes=%q, want incomplete with a note", got.Complete, got.Notes)
	}
}

func TestListOpenFailures(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	s.OpenAlerts("error", "nonce-monitor-error-A-20261122")

	s.SetAPIToken("another")
	_, err := lister(s).ListOpen(context.Background())
	var auth *AuthError
	if !errors.As(err, &auth) || auth.Input != "pagerduty-api-token" || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("bad token: %v, want an AuthError naming pagerduty-api-token", err)
	}
	if strings.Contains(fmt.Sprint(err), pagerdutytest.APIToken) {
		t.Error("the error quotes the token")
	}
	s.SetAPIToken(pagerdutytest.APIToken)

	s.FailNextREST(http.StatusForbidden)
	if _, err := lister(s).ListOpen(context.Background()); !errors.As(err, &auth) || auth.Status != http.StatusForbidden {
		t.Errorf("403: %v", err)
	}
	// 429 and 5xx are retried (max-retries 1), then the pass goes without.
	s.FailNextREST(http.StatusTooManyRequests, http.StatusTooManyRequests)
	if _, err := lister(s).ListOpen(context.Background()); !errors.Is(err, ErrRESTUnavailable) || !strings.Contains(err.Error(), "HTTP 429") {
		t.Errorf("429: %v, want ErrRESTUnavailable", err)
	}
	s.FailNextREST(http.StatusServiceUnavailable)
	if got, err := lister(s).ListOpen(context.Background()); err != nil || len(got.Alerts) != 1 {
		t.Errorf("one 503 then an answer: %v %+v, want the retry to succeed", err, got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lister(s).ListOpen(ctx); !errors.Is(err, ErrRESTUnavailable) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSafeURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://acme.pagerduty.com/incidents/Q1":             "https://acme.pagerduty.com/incidents/Q1",
		"http://acme.pagerduty.com/incidents/Q1":              "",
		"javascript:alert(1)":                                 "",
		"https://user:pw@acme.pagerduty.com/incidents/Q1":     "",
		"https://acme.pagerduty.com/incidents/Q1) [x](https:": "",
		"https://acme.pagerduty.com/a b":                      "",
		"https://acme.pagerduty.com/<script>":                 "",
		"https://acme.eu.pagerduty.com/incidents/Q1":          "https://acme.eu.pagerduty.com/incidents/Q1",
		"https://evil.example/incidents/Q1":                   "",
		"https://pagerduty.com.evil.example/incidents/Q1":     "",
		"https://evilpagerduty.com/incidents/Q1":              "",
		"https://acme.pagerduty.com:8443/incidents/Q1":        "",
		"https://acme.pagerduty.com/incidents/Q1?x=|y|":       "",
	} {
		if got := safeURL(raw); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// PagerDuty's text is untrusted: a link that is not plain https, or a
// status it does not document, never leaves the lister.
func TestListOpenDropsHostileLinksAndStatuses(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	s.OpenAlerts("error", "nonce-monitor-error-A-20261122")
	s.Disguise("javascript:alert(1)//", "triggered](https://evil.example)")
	got, err := lister(s).ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Alerts) != 1 || got.Alerts[0].URL != "" || got.Alerts[0].Status != "" || got.Alerts[0].Number == 0 {
		t.Errorf("hostile view passed on: %+v", got.Alerts)
	}
}

// An incident does not show its alert's severity: the keys whose severity
// is wanted (unconfirmed events) have their alerts listed, the rest not.
func TestListOpenReadsTheSeverityOfKeysAsked(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	asked, other := "nonce-monitor-mismatch-PA-20261122", "nonce-monitor-mismatch-PB-20261122"
	s.OpenAlerts("warning", asked, other)
	l := lister(s)
	l.SeverityOf = func(key string) bool { return key == asked }
	got, err := l.ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sev := map[string]string{}
	for _, a := range got.Alerts {
		sev[a.DedupKey] = a.Severity
	}
	if diff := cmp.Diff(map[string]string{asked: "warning", other: ""}, sev); diff != "" || got.Requests != 2 || !got.Complete {
		t.Errorf("severities (-want +got):\n%s\nrequests %d, complete %v", diff, got.Requests, got.Complete)
	}
}

// Severities are read up to a bound; beyond it the keys are still listed
// (the listing stays complete), without their severity, and a note says so.
func TestListOpenBoundsSeverityListings(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	s.OpenAlerts("warning", "nonce-monitor-mismatch-PA-20261122", "nonce-monitor-mismatch-PB-20261122")
	l := lister(s)
	l.SeverityOf = func(string) bool { return true }
	l.MaxSeverityLists = 1
	got, err := l.ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var read int
	for _, a := range got.Alerts {
		if a.Severity != "" {
			read++
		}
	}
	if len(got.Alerts) != 2 || read != 1 || !got.Complete || len(got.Notes) != 1 {
		t.Errorf("%d alerts, %d severities read, complete %v, notes %q; want 2, 1, complete, one note", len(got.Alerts), read, got.Complete, got.Notes)
	}
}
