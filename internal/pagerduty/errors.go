package pagerduty

import (
	"fmt"
	"strings"
)

// RejectedError is PagerDuty refusing an event (HTTP 4xx other than 429).
// Sending it again would fail the same way, so it is never retried.
type RejectedError struct {
	Status  int
	Message string
	Errors  []string // PagerDuty's own explanations, verbatim
}

func (e *RejectedError) Error() string {
	msg := fmt.Sprintf("PagerDuty rejected the event (HTTP %d", e.Status)
	if e.Message != "" {
		msg += " " + e.Message
	}
	msg += ")"
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
}

func (e *UnavailableError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("PagerDuty unavailable: HTTP %d after %d attempts", e.Status, e.Attempts)
	}
	return fmt.Sprintf("PagerDuty unreachable: %v", e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }
