package pagerduty

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

var routingKey = strings.Repeat("R", 32)

func sender(url string) *Sender {
	return &Sender{
		HTTP: &retryhttp.Client{HTTP: retryhttp.NewHTTPClient(2), MaxRetries: 2, Timeout: 30 * time.Second, // never late on a busy machine
			InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxRetryAfter: time.Millisecond},
		EventsURL: url,
	}
}

func sample() alert {
	return alert{
		DedupKey: "nonce-monitor-mismatch-p-20261123", Summary: "Process p is 75 slots behind scheduler",
		Severity: "error", Class: "mismatch", Component: "state.forward.computer",
		Timestamp: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Details:   map[string]any{"process_id": "p", "slots_behind": 75},
	}
}

func TestTriggerAndResolveAccepted(t *testing.T) {
	pd := pagerdutytest.Start()
	defer pd.Close()
	s := sender(pd.URL)
	origin := Origin{Client: "nonce-monitor", ClientURL: "https://github.com/o/r/actions/runs/1"}
	if _, err := s.Send(context.Background(), trigger(routingKey, origin, sample())); err != nil {
		t.Fatalf("trigger: %v", err)
	}
	if diff := cmp.Diff([]string{"nonce-monitor-mismatch-p-20261123"}, pd.Open()); diff != "" {
		t.Errorf("open after trigger (-want +got):\n%s", diff)
	}
	if _, err := s.Send(context.Background(), Resolve(routingKey, "nonce-monitor-mismatch-p-20261123")); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if len(pd.Open()) != 0 {
		t.Errorf("still open after resolve: %v", pd.Open())
	}
	got := pd.Accepted()[0]
	if got.Payload.Source != "nonce-monitor" || got.ClientURL != origin.ClientURL || got.Payload.Class != "mismatch" {
		t.Errorf("trigger as received: %+v", got)
	}
}

func TestRejectionIsReportedVerbatimAndNotRetried(t *testing.T) {
	pd := pagerdutytest.Start()
	defer pd.Close()
	_, err := sender(pd.URL).Send(context.Background(), trigger("short-key", Origin{}, sample()))
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Status != 400 {
		t.Fatalf("err = %v, want a RejectedError", err)
	}
	want := "PagerDuty rejected the event (HTTP 400 Event object is invalid): Length of 'routing_key' is incorrect (should be 32 characters)"
	if err.Error() != want {
		t.Errorf("message:\n got %q\nwant %q", err.Error(), want)
	}
	if pd.Requests() != 1 {
		t.Errorf("a 400 was retried: %d requests", pd.Requests())
	}
	if strings.Contains(err.Error(), "short-key") {
		t.Error("the error message leaks the routing key")
	}
}

func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	pd := pagerdutytest.Start()
	defer pd.Close()
	pd.FailNext(429, 500)
	if _, err := sender(pd.URL).Send(context.Background(), trigger(routingKey, Origin{}, sample())); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if pd.Requests() != 3 || len(pd.Accepted()) != 1 {
		t.Errorf("requests=%d accepted=%d, want 3/1", pd.Requests(), len(pd.Accepted()))
	}
}

func TestUnavailableAfterRetries(t *testing.T) {
	pd := pagerdutytest.Start()
	defer pd.Close()
	pd.FailNext(503, 503, 503)
	_, err := sender(pd.URL).Send(context.Background(), Resolve(routingKey, "k"))
	var un *UnavailableError
	if !errors.As(err, &un) || un.Status != 503 || un.Attempts != 3 {
		t.Fatalf("err = %v, want Unavailable 503 after 3 attempts", err)
	}

	pd.Close()
	_, err = sender(pd.URL).Send(context.Background(), Resolve(routingKey, "k"))
	if !errors.As(err, &un) || un.Status != 0 || !strings.Contains(err.Error(), "PagerDuty unreachable") {
		t.Fatalf("closed server: err = %v", err)
	}
}

func TestEncodeKeepsEventsWithinLimits(t *testing.T) {
	a := sample()
	a.Summary = strings.Repeat("é", 2000)
	a.Details = map[string]any{"blob": strings.Repeat("x", 600_000)}
	body, notes, err := encode(trigger(routingKey, Origin{}, a))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > maxEventBytes {
		t.Errorf("event is %d bytes, over %d", len(body), maxEventBytes)
	}
	if len(notes) != 2 {
		t.Errorf("notes = %q, want the summary cut and the details dropped", notes)
	}
	pd := pagerdutytest.Start()
	defer pd.Close()
	if _, err := sender(pd.URL).Send(context.Background(), trigger(routingKey, Origin{}, a)); err != nil {
		t.Fatalf("the stand-in (PagerDuty's limits) rejected the trimmed event: %v", err)
	}
	got := pd.Accepted()[0].Payload
	if n := len([]rune(got.Summary)); n != maxSummaryRunes || !strings.HasSuffix(got.Summary, "…") {
		t.Errorf("summary is %d runes", n)
	}
	if !strings.Contains(got.CustomDetails["note"].(string), "custom details removed") {
		t.Errorf("details = %v", got.CustomDetails)
	}
}

func TestLimiterPacesEvents(t *testing.T) {
	l := NewLimiter()
	if l.Burst() != 20 || l.Limit()*60 > 100.001 {
		t.Errorf("burst %d, %.1f/min: more than 120 events could land in one minute", l.Burst(), float64(l.Limit())*60)
	}
}

// A 429 is not ingested, but a 5xx before it may have been: an event whose
// last answer is a 429 after a 5xx has an unknown outcome, not a certain
// failure (reverting it could orphan an incident PagerDuty opened).
func TestThrottledAfterAServerErrorMayHaveArrived(t *testing.T) {
	pd := pagerdutytest.Start()
	defer pd.Close()
	pd.FailNext(503, 429, 429)
	_, err := sender(pd.URL).Send(context.Background(), trigger(routingKey, Origin{}, sample()))
	var un *UnavailableError
	if !errors.As(err, &un) || un.Status != 429 || un.Attempts != 3 {
		t.Fatalf("err = %v, want Unavailable 429 after 3 attempts", err)
	}
	if CertainlyNotDelivered(err) {
		t.Error("429 after a 503 taken as certainly not delivered")
	}
	pd.FailNext(429, 429, 429)
	if _, err := sender(pd.URL).Send(context.Background(), trigger(routingKey, Origin{}, sample())); !CertainlyNotDelivered(err) {
		t.Errorf("429 on every attempt: %v, want certainly not delivered", err)
	}
}
