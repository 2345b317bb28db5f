package pagerdutytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The stand-in behaves as PagerDuty documents itself; these are the facts
// the action's tests lean on.

const routing = "R0123456789abcdefghijklmnopqrstu"

func send(t *testing.T, s *Server, action, key string) {
	t.Helper()
	ev := map[string]any{"routing_key": routing, "event_action": action, "dedup_key": key}
	if action == "trigger" {
		ev["payload"] = map[string]string{"summary": "s", "source": "x", "severity": "error"}
	}
	body, _ := json.Marshal(ev)
	resp, err := http.Post(s.URL+"/v2/enqueue", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%s %s: HTTP %d", action, key, resp.StatusCode)
	}
}

func list(t *testing.T, s *Server, query string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/incidents?"+query, nil)
	req.Header.Set("Authorization", "Token token="+APIToken)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestMergeMovesAlertsAndResolvesTheSource(t *testing.T) {
	s := Start()
	defer s.Close()
	send(t, s, "trigger", "k1")
	parent := s.OpenByHand()
	s.Merge(parent, "k1")
	open := s.OpenIncidents()
	if len(open) != 1 || open[0].ID != parent || !cmp.Equal(open[0].Open, []string{"k1"}) || len(open[0].Key) != 32 {
		t.Fatalf("after the merge: %+v", open)
	}
	// incident_key finds the incident holding the alert, and the source.
	_, got := list(t, s, "incident_key=k1")
	if n := len(got["incidents"].([]any)); n != 2 {
		t.Errorf("incident_key=k1 found %d incidents, want the merged source and the target", n)
	}
	send(t, s, "resolve", "k1")
	if open := s.OpenIncidents(); len(open) != 0 {
		t.Errorf("the target with its last alert resolved is still open: %+v", open)
	}
}

func TestMaintenanceAcceptsAndDropsEverything(t *testing.T) {
	s := Start()
	defer s.Close()
	send(t, s, "trigger", "before")
	s.Maintenance(true)
	send(t, s, "trigger", "during")
	send(t, s, "resolve", "before")
	if !cmp.Equal(s.Open(), []string{"before"}) || len(s.Dropped()) != 2 || len(s.Accepted()) != 3 {
		t.Errorf("open %v, dropped %d, accepted %d", s.Open(), len(s.Dropped()), len(s.Accepted()))
	}
}

func TestATriggerOnAnAcknowledgedIncidentNotifiesNobody(t *testing.T) {
	s := Start()
	defer s.Close()
	send(t, s, "trigger", "k")
	s.Acknowledge("k")
	send(t, s, "trigger", "k")
	if open := s.OpenIncidents(); len(open) != 1 || open[0].Status != "acknowledged" || open[0].Notified != 1 {
		t.Errorf("%+v", open)
	}
}

func TestOffsetPaginationStopsAt10000(t *testing.T) {
	s := Start()
	defer s.Close()
	status, body := list(t, s, url.Values{"offset": {"9950"}, "limit": {"100"}}.Encode())
	if status != http.StatusBadRequest || !strings.Contains(body["error"].(map[string]any)["errors"].([]any)[0].(string), "10000") {
		t.Errorf("offset 9950 + limit 100: HTTP %d %v", status, body)
	}
	if status, _ := list(t, s, "offset=9900&limit=100"); status != http.StatusOK {
		t.Errorf("offset 9900 + limit 100: HTTP %d", status)
	}
}
