package pagerduty

import (
	"context"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
)

// A 404 (pagerduty-events-url points at no Events API) names the URL it
// went to, without credentials, and the input to fix.
func TestNotFoundNamesTheURL(t *testing.T) {
	pd := pagerdutytest.Start()
	defer pd.Close()
	pd.FailNext(404)
	base := strings.Replace(pd.URL, "http://", "http://user:hunter2@", 1) + "/v2/enqueue"
	_, err := sender(base).Send(context.Background(), trigger(routingKey, Origin{Client: "x"}, sample()))
	if err == nil {
		t.Fatal("a 404 was accepted")
	}
	msg := err.Error()
	for _, want := range []string{"HTTP 404", "/v2/enqueue/v2/enqueue", "pagerduty-events-url"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("the error quotes the URL's password: %q", msg)
	}
}
