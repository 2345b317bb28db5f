package pagerduty

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// RejectedError is PagerDuty refusing an event (HTTP 4xx other than 429).
// Sending it again would fail the same way, so it is never retried.
type RejectedError struct {
	Status  int
	Message string
	Errors  []string // PagerDuty's own explanations, verbatim
	// URL is where the event went, without credentials: named on a 404,
	// which says pagerduty-events-url points at no Events API.
	URL string
}

func (e *RejectedError) Error() string {
	msg := fmt.Sprintf("PagerDuty rejected the event (HTTP %d", e.Status)
	if e.Message != "" {
		msg += " " + e.Message
	}
	msg += ")"
	if e.Status == http.StatusNotFound {
		msg += fmt.Sprintf(" at %s: no Events API there; input pagerduty-events-url is its base URL (e.g. https://events.pagerduty.com)", e.URL)
	}
	if len(e.Errors) > 0 {
		msg += ": " + strings.Join(e.Errors, "; ")
	}
	return msg
}

// UnavailableError is PagerDuty not taking the event after every retry:
// network errors, timeouts, 429 or 5xx. The event may succeed later.
type UnavailableError struct {
	Status   int // 0 when no answer arrived
	Attempts int
	Err      error
	NotSent  bool // given up before sending (pacing wait cancelled)
	// MayHaveArrived: an attempt before the last answer (Status) got no
	// answer after sending, or a 5xx: it may have been taken.
	MayHaveArrived bool
}

func (e *UnavailableError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("PagerDuty unavailable: HTTP %d after %d attempts", e.Status, e.Attempts)
	}
	return fmt.Sprintf("PagerDuty unreachable: %v", e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// CertainlyNotDelivered reports whether an event that failed with err
// certainly did not reach PagerDuty: it was rejected (4xx), throttled (429
// is documented as not ingested) with no earlier attempt that may have
// been taken, or never sent. Anything else (no answer,
// a timeout or a reset after sending, a 5xx) may have been taken, so the
// event's outcome is unknown.
func CertainlyNotDelivered(err error) bool {
	var rejected *RejectedError
	var unavailable *UnavailableError
	switch {
	case errors.As(err, &rejected):
		return true
	case errors.As(err, &unavailable):
		return unavailable.NotSent || (unavailable.Status == http.StatusTooManyRequests && !unavailable.MayHaveArrived)
	}
	return false
}
