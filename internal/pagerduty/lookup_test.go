package pagerduty

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
)

// The job's own keys are asked about one by one when the scan does not
// show them open: PagerDuty says whatever incident holds each (a person's
// after a merge), or that one was resolved, or that none ever held it.
func TestListOpenLooksUpTheJobsKeys(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	merged, resolved, dropped, open := "nonce-monitor-mismatch-PM-20261122", "nonce-monitor-mismatch-PR-20261122",
		"nonce-monitor-mismatch-PD-20261122", "nonce-monitor-mismatch-PO-20261122"
	s.OpenAlerts("critical", merged, resolved, open)
	parent := s.OpenByHand()
	s.Merge(parent, merged)
	s.ResolveByHand(resolved)
	l := lister(s)
	l.Keys = []string{merged, resolved, dropped, open}
	got, err := l.ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{merged, open}, keysOf(got)); diff != "" {
		t.Errorf("open keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{resolved: false, dropped: true}, got.Gone); diff != "" {
		t.Errorf("gone (-want +got):\n%s", diff)
	}
	for _, a := range got.Alerts {
		if a.DedupKey == merged && (a.Severity != "critical" || a.Number == 0 || a.Status != "triggered") {
			t.Errorf("the merged alert is shown as %+v, want the person's incident and its severity", a)
		}
	}
	// One page; three keys asked (the open one the scan showed is not);
	// the person's incident's alerts listed once; the service read once,
	// since a key was never opened.
	if got.Requests != 6 || got.Lookups != 3 || got.ServiceStatus != "active" || !got.Complete || len(got.Notes) != 0 {
		t.Errorf("requests %d, lookups %d, service %q, complete %v, notes %q; want 6, 3, active, complete, none",
			got.Requests, got.Lookups, got.ServiceStatus, got.Complete, got.Notes)
	}
}

// A crowd the scan does not read to its end: the job's keys are still
// found, one request each, and the scan's bound is said.
func TestListOpenFindsTheJobsKeysBeyondTheScan(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	for i := range 250 {
		s.OpenAlerts("warning", fmt.Sprintf("other-%d", i))
	}
	mine := "nonce-monitor-error-PA-20261122"
	s.OpenAlerts("error", mine)
	l := lister(s)
	l.MaxPages, l.Keys = 2, []string{mine}
	got, err := l.ListOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{mine}, keysOf(got)); diff != "" || got.Complete || got.Requests != 3 || s.KeyedLookups() != 1 {
		t.Errorf("keys (-want +got):\n%s\ncomplete %v, requests %d, by key %d", diff, got.Complete, got.Requests, s.KeyedLookups())
	}
}

// A maintenance window: the key was never opened, and the service says why.
func TestListOpenReadsTheServiceStatusWhenAKeyWasNeverOpened(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	s.Maintenance(true)
	l := lister(s)
	l.Keys = []string{"nonce-monitor-error-PA-20261122"}
	got, err := l.ListOpen(context.Background())
	if err != nil || got.ServiceStatus != "maintenance" || !got.Gone["nonce-monitor-error-PA-20261122"] {
		t.Errorf("err %v, service %q, gone %v", err, got.ServiceStatus, got.Gone)
	}
}

// A key an incident held, resolved, while the service is in a maintenance
// window: the service's status says a trigger sent again opened nothing.
func TestListOpenReadsTheServiceStatusWhenAKeyIsNoLongerOpen(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	key := "nonce-monitor-error-PA-20261122"
	s.OpenAlerts("error", key)
	s.ResolveByHand(key)
	s.Maintenance(true)
	l := lister(s)
	l.Keys = []string{key}
	got, err := l.ListOpen(context.Background())
	if err != nil || got.ServiceStatus != "maintenance" || got.Gone[key] {
		t.Errorf("err %v, service %q, gone %v", err, got.ServiceStatus, got.Gone)
	}
}

// The routing key feeds another service than pagerduty-service-id: the
// scan of the configured one shows nothing, the lookups find the job's
// alerts where they are, and say which service holds them.
func TestListOpenNamesTheServiceThatHoldsTheJobsKeys(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	mine := []string{"nonce-monitor-error-PA-20261122", "nonce-monitor-error-PB-20261122"}
	s.OpenAlerts("error", mine...)
	l := lister(s)
	l.ServiceID, l.Keys = "PWRONG1", mine
	got, err := l.ListOpen(context.Background())
	if err != nil || len(got.Alerts) != 2 || !cmp.Equal([]string{pagerdutytest.ServiceID}, got.OtherServices) {
		t.Errorf("err %v, alerts %+v, other services %v", err, got.Alerts, got.OtherServices)
	}
}

// A lookup that fails (throttled past the retries) stops the lookups: the
// keys not asked stay unknown, with a note, and the scan stands.
func TestListOpenLookupFailuresLeaveKeysUnknown(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	l := lister(s)
	l.Keys = []string{"nonce-monitor-error-PA-20261122", "nonce-monitor-error-PB-20261122"}
	s.FailNextREST(pagerdutytest.Accept, http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusTooManyRequests)
	got, err := l.ListOpen(context.Background())
	if err != nil || !got.Complete || len(got.Gone) != 0 || len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "were not looked up") {
		t.Errorf("err %v, complete %v, gone %v, notes %q", err, got.Complete, got.Gone, got.Notes)
	}
}

// One incident a person moved to another service is found there, and says
// nothing of the configuration while the job's other keys are on its own.
func TestListOpenDoesNotBlameTheServiceForAMovedIncident(t *testing.T) {
	s := pagerdutytest.Start()
	defer s.Close()
	moved, stays := "nonce-monitor-error-PA-20261122", "nonce-monitor-error-PB-20261122"
	s.OpenAlerts("error", moved, stays)
	s.Reassign(moved, "PTEAM2")
	l := lister(s)
	l.Keys = []string{moved, stays}
	got, err := l.ListOpen(context.Background())
	if err != nil || len(got.Alerts) != 2 || len(got.OtherServices) != 0 {
		t.Errorf("err %v, alerts %d, other services %v; want both found, no service blamed", err, len(got.Alerts), got.OtherServices)
	}
	l.Keys = []string{moved} // the job's only key
	got, err = l.ListOpen(context.Background())
	if err != nil || len(got.OtherServices) != 0 {
		t.Errorf("the job's only incident moved: err %v, other services %v; want no service blamed", err, got.OtherServices)
	}
	l.Keys = []string{moved, stays}
	s.Reassign(stays, "PTEAM2")
	got, err = l.ListOpen(context.Background())
	if err != nil || len(got.Alerts) != 2 || !cmp.Equal([]string{"PTEAM2"}, got.OtherServices) {
		t.Errorf("all moved: err %v, alerts %d, other services %v; want PTEAM2 named", err, len(got.Alerts), got.OtherServices)
	}
}
