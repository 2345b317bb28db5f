package action

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// PagerDuty's own states, as it documents them: an alert merged into
// another incident, a crowded service, a maintenance window, a resolve an
// event rule drops, an acknowledged incident. Each test runs whole passes
// against the stand-ins and ends with no false page, no page twice, and
// nothing of the job's open for good.

// A person opens an incident by hand and merges the monitor's into it: the
// alert lives on, under the person's incident and its generated key. The
// job still finds it by its own key: nothing is sent again while the
// process is behind, and its recovery resolves the alert, and with it the
// person's incident.
func TestAlertMergedIntoAnIncidentOpenedByHand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.fleet.Set(pidA, 0, 300)
	h.run(in)
	k := key(incident.Mismatch, pidA)
	parent := h.pd.OpenByHand()
	h.pd.Merge(parent, k)
	if got := h.pd.IncidentOf(k); got != parent {
		t.Fatalf("the alert is in %s after the merge, want %s", got, parent)
	}
	sent := len(h.pd.Accepted())
	for pass := range 3 {
		h.now = h.now.Add(5 * time.Minute)
		r := h.run(in)
		if r.exit != 0 || len(h.pd.Accepted()) != sent || strings.Contains(r.stdout, "not open in PagerDuty any more") || r.outputs["open-count"] != "1" {
			t.Fatalf("pass %d: exit %d, %d events sent, open-count %s\n%s", pass, r.exit, len(h.pd.Accepted())-sent, r.outputs["open-count"], r.stdout)
		}
		if open := decodeIncidents(t, r.outputs["open"]); len(open) != 1 || open[0].PagerDuty == nil || open[0].PagerDuty.Number == 0 {
			t.Errorf("pass %d: the open incident is not shown as the person's: %+v", pass, open)
		}
	}
	h.fleet.Set(pidA, 300, 300)
	h.now = h.now.Add(5 * time.Minute)
	if r := h.run(in); r.outputs["resolved-count"] != "1" {
		t.Errorf("recovery: resolved-count %s\n%s", r.outputs["resolved-count"], r.stdout)
	}
	endsClean(t, h, k)
	if open := h.pd.OpenIncidents(); len(open) != 0 {
		t.Errorf("open incidents at the end: %+v", open)
	}
}

// A crowded service: a person resolves the job's incident while its
// process is still 300 behind, among many incidents of other
// integrations. The job notices on the next pass and pages again, however
// many others there are: 1,100 (the listing reads them all), 2,100 (more
// than the listing reads), 60 or 150 with no key of their own, as
// content-based grouping makes them (fewer, or more, than it lists the
// alerts of).
func TestCrowdedServiceStillSeesTheJobsOwnKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		foreign   int
		byContent bool
	}{
		{"1,100 foreign incidents", 1100, false},
		{"2,100 foreign incidents", 2100, false},
		{"60 incidents with no key", 60, true},
		{"150 incidents with no key", 150, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := h.withREST(map[string]string{"process-ids": pidA})
			h.pd.GroupByContent(tc.byContent)
			for i := range tc.foreign {
				h.pd.OpenAlerts("warning", fmt.Sprintf("db-replica-%d-lag", i))
			}
			h.pd.GroupByContent(false)
			h.fleet.Set(pidA, 0, 300)
			h.run(in)
			k := key(incident.Mismatch, pidA)
			h.pd.ResolveByHand(k)
			h.now = h.now.Add(5 * time.Minute)
			before := h.pd.RESTRequests()
			r := h.run(in)
			if r.outputs["triggered-count"] != "1" || !slices.Contains(h.pd.Open(), k) {
				t.Fatalf("a person's resolve went unnoticed: triggered %s, open %v\n%s", r.outputs["triggered-count"], slices.Contains(h.pd.Open(), k), r.stdout)
			}
			t.Logf("%s: %d REST requests, %d of them by key", tc.name, h.pd.RESTRequests()-before, h.pd.KeyedLookups())
			h.fleet.Set(pidA, 300, 300)
			h.now = h.now.Add(5 * time.Minute)
			h.run(in)
			if slices.Contains(h.pd.Open(), k) {
				t.Errorf("still open after recovery")
			}
		})
	}
}

// A maintenance window: PagerDuty accepts the trigger (202) and opens
// nothing. With the REST API key the pass says so, holds the state file
// still (nothing to commit each run), sends the trigger again each pass,
// and the first pass after the window opens the incident: blind for one
// pass at most. It never blames pagerduty-service-id.
func TestMaintenanceWindowWithTheKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.pd.Maintenance(true)
	h.fleet.Set(pidA, 0, 300)
	if r := h.run(in); r.outputs["triggered-count"] != "1" {
		t.Fatalf("first pass: triggered %s\n%s", r.outputs["triggered-count"], r.stdout)
	}
	state := h.stateFile()
	for pass := range 3 {
		h.now = h.now.Add(5 * time.Minute)
		r := h.run(in)
		if r.exit != 0 || r.outputs["state-changed"] != "false" || h.stateFile() != state {
			t.Errorf("pass %d: exit %d, state-changed %s: the state file must hold still\n%s", pass, r.exit, r.outputs["state-changed"], r.stdout)
		}
		said := "1 trigger accepted but no incident opened (service PSTANDIN is in a maintenance window)"
		if !strings.Contains(r.stdout, said) || !strings.Contains(r.summary, said) || strings.Contains(r.stdout, "pagerduty-service-id") {
			t.Errorf("pass %d does not say what PagerDuty did:\n%s", pass, r.stdout)
		}
	}
	if len(h.pd.Open()) != 0 || len(h.pd.Dropped()) != 4 {
		t.Fatalf("during the window: open %v, %d dropped; want none open, the trigger dropped 4 times", h.pd.Open(), len(h.pd.Dropped()))
	}
	h.pd.Maintenance(false)
	h.now = h.now.Add(5 * time.Minute)
	h.run(in)
	k := key(incident.Mismatch, pidA)
	if !slices.Contains(h.pd.Open(), k) {
		t.Fatalf("the first pass after the window did not page: open %v", h.pd.Open())
	}
	h.now = h.now.Add(5 * time.Minute)
	if r := h.run(in); r.outputs["triggered-count"] != "0" || r.outputs["state-changed"] != "false" {
		t.Errorf("once open: triggered %s, state-changed %s", r.outputs["triggered-count"], r.outputs["state-changed"])
	}
	h.fleet.Set(pidA, 300, 300)
	h.run(in)
	h.run(in)
	endsClean(t, h, k)
	if strings.Contains(h.stateFile(), pidA) {
		t.Errorf("the state file still holds the incident after its resolve was confirmed:\n%s", h.stateFile())
	}
}

// The same window without the REST API key: nothing can tell the action
// that PagerDuty opened nothing, and the summary says so plainly. The page
// is sent again when the UTC day rotates (today's key): that is the bound.
func TestMaintenanceWindowWithoutTheKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := map[string]string{"process-ids": pidA}
	h.pd.Maintenance(true)
	h.fleet.Set(pidA, 0, 300)
	r := h.run(in)
	if !strings.Contains(r.summary, "Without pagerduty-api-token the action cannot see whether it opened incidents") {
		t.Errorf("the summary does not say what cannot be known:\n%s", r.summary)
	}
	h.pd.Maintenance(false)
	h.now = h.now.Add(5 * time.Minute)
	if h.run(in); len(h.pd.Open()) != 0 {
		t.Fatalf("open %v: without the key nothing is sent again the same day (this test's control)", h.pd.Open())
	}
	h.now = day2
	h.run(in)
	if !slices.Contains(h.pd.Open(), key(incident.Mismatch, pidA, 2)) {
		t.Errorf("the next UTC day did not page: open %v", h.pd.Open())
	}
}

// A resolve PagerDuty accepts and drops (an event rule, or a maintenance
// window): the pass reports the incident resolved on PagerDuty's word; the
// next one sees it still open, says so, counts it open (never resolved),
// and sends the resolve again every pass with the state file still. Once
// PagerDuty takes it, the next pass sees the alert gone and forgets it.
func TestResolveAcceptedButNotTaken(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"event rule", "maintenance window"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			in := h.withREST(map[string]string{"process-ids": pidA})
			h.fleet.Set(pidA, 0, 300)
			h.run(in)
			k := key(incident.Mismatch, pidA)
			block := func(on bool) {
				if how == "event rule" {
					h.pd.IgnoreResolves(on)
				} else {
					h.pd.Maintenance(on)
				}
			}
			block(true)
			h.fleet.Set(pidA, 300, 300)
			h.now = h.now.Add(5 * time.Minute)
			if r := h.run(in); r.outputs["resolved-count"] != "1" {
				t.Fatalf("recovery: resolved-count %s\n%s", r.outputs["resolved-count"], r.stdout)
			}
			var state string
			for pass := range 3 {
				h.now = h.now.Add(5 * time.Minute)
				r := h.run(in)
				if r.outputs["resolved-count"] != "0" || r.outputs["open-count"] != "1" || !strings.Contains(r.stdout, "1 resolve accepted but the incident still open") || !strings.Contains(r.summary, "1 resolve accepted but the incident still open") {
					t.Errorf("pass %d: resolved %s, open %s: want it said and counted open\n%s", pass, r.outputs["resolved-count"], r.outputs["open-count"], r.stdout)
				}
				if pass > 0 && h.stateFile() != state {
					t.Errorf("pass %d changed the state file", pass)
				}
				state = h.stateFile()
			}
			if !slices.Contains(h.pd.Open(), k) {
				t.Fatal("this test's control: PagerDuty should still hold it open")
			}
			block(false)
			h.now = h.now.Add(5 * time.Minute)
			h.run(in)
			h.now = h.now.Add(5 * time.Minute)
			if r := h.run(in); r.outputs["open-count"] != "0" || strings.Contains(h.stateFile(), k) {
				t.Errorf("after PagerDuty took the resolve: open-count %s, state file:\n%s", r.outputs["open-count"], h.stateFile())
			}
			endsClean(t, h, k)
		})
	}
}

// A raise on an incident a responder acknowledged: PagerDuty updates it and
// notifies nobody. The pass says so instead of only "severity raised".
func TestRaiseOnAnAcknowledgedIncidentIsSaid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	in := h.withREST(map[string]string{"process-ids": pidA})
	h.fleet.Set(pidA, 0, 60) // error
	h.run(in)
	k := key(incident.Mismatch, pidA)
	h.pd.Acknowledge(k)
	h.fleet.Set(pidA, 0, 500) // critical
	h.now = h.now.Add(5 * time.Minute)
	// A dry run sends the raise nowhere: it claims nothing of what PagerDuty
	// did with it, and leaves the raise to the next pass.
	dry := maps.Clone(in)
	dry["dry-run"] = "true"
	if r := h.run(dry); strings.Contains(r.summary, "acknowledged") || strings.Contains(r.stdout, "notified nobody") {
		t.Errorf("a dry run says PagerDuty took a raise it was never sent:\n%s", r.summary)
	}
	r := h.run(in)
	if !strings.Contains(r.summary, "severity raised on 1 incident a responder had acknowledged: PagerDuty updated it and notified nobody") {
		t.Errorf("the summary does not say nobody was told:\n%s", r.summary)
	}
	if open := h.pd.OpenIncidents(); len(open) != 1 || open[0].Status != "acknowledged" || open[0].Notified != 1 {
		t.Errorf("PagerDuty: %+v, want the incident still acknowledged, paged once", open)
	}
	// Without the key the status is unknown, and nothing is claimed.
	h2 := newHarness(t)
	h2.fleet.Set(pidA, 0, 60)
	h2.run(map[string]string{"process-ids": pidA})
	h2.pd.Acknowledge(k)
	h2.fleet.Set(pidA, 0, 500)
	if r := h2.run(map[string]string{"process-ids": pidA}); strings.Contains(r.summary, "acknowledged") {
		t.Errorf("without the key, the summary claims to know the status:\n%s", r.summary)
	}
}
