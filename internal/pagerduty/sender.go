package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"golang.org/x/time/rate"
)

// NewLimiter paces events under PagerDuty's ~120 events per minute per
// routing key over a rolling minute: a burst of 20 plus 100 a minute can
// never put more than 120 in any 60 seconds.
func NewLimiter() *rate.Limiter {
	return rate.NewLimiter(rate.Every(time.Minute/100), 20)
}

// Sender delivers events to one Events API v2 endpoint.
type Sender struct {
	HTTP      *retryhttp.Client
	EventsURL string // base, e.g. https://events.pagerduty.com
	Limiter   *rate.Limiter
}

// Send delivers ev and returns nil only when PagerDuty accepted it (2xx).
// notes describe any trimming encode had to do.
func (s *Sender) Send(ctx context.Context, ev pd.V2Event) (notes []string, err error) {
	body, notes, err := encode(ev)
	if err != nil {
		return nil, err
	}
	if s.Limiter != nil {
		if err := s.Limiter.Wait(ctx); err != nil {
			return notes, &UnavailableError{Err: err, NotSent: true}
		}
	}
	endpoint := strings.TrimRight(s.EventsURL, "/") + "/v2/enqueue"
	resp, err := s.HTTP.Do(ctx, retryhttp.Request{
		Method:  http.MethodPost,
		URL:     endpoint,
		Body:    body,
		Header:  http.Header{"Content-Type": {"application/json"}},
		MaxBody: 64 << 10,
	})
	if err != nil {
		var na *retryhttp.NoAnswerError
		return notes, &UnavailableError{Err: err, NotSent: errors.As(err, &na) && !na.MayHaveArrived}
	}
	// What the answer means is package answer's to say (Delivery).
	switch {
	case !resp.Verdict.Failed():
		return notes, nil
	case resp.Verdict.Retry != answer.Never:
		return notes, &UnavailableError{Status: resp.Status, Attempts: resp.Attempts, MayHaveArrived: resp.MayHaveArrived}
	}
	var said pd.V2EventResponse
	_ = json.Unmarshal(resp.Body, &said) // a non-JSON 4xx still gets its status reported
	return notes, &RejectedError{Status: resp.Status, Message: said.Message, Errors: said.Errors, URL: escape.URL(endpoint)}
}
