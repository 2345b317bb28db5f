// Package ao reads the two nonces of an AO process: the latest slot a state
// server computed, and the latest nonce its scheduler assigned.
package ao

import (
	"errors"
	"fmt"

	"github.com/org/nonce-monitor-action/internal/answer"
)

// Endpoint names which side of a check failed.
type Endpoint string

const (
	StateServer Endpoint = "state server"
	Scheduler   Endpoint = "scheduler"
)

// Kind classifies a failure so a dead server can be told from a bad process
// ID or a garbled answer; package answer decides it.
type Kind = answer.Kind

const (
	// Unreachable: no answer (refused, reset, TLS, timeout, a gateway's
	// 502/503/504) after retries.
	Unreachable = answer.NoAnswer
	// ServerError: the server answered, in trouble (429, a scheduler's
	// 5xx, the router's DatabaseError), after retries.
	ServerError = answer.Overloaded
	// Failing: the node could not compute this process (its 500 or 400).
	Failing = answer.Failing
	// BadResponse: an answer that is not what the endpoint returns (HTML,
	// empty, not a number, no Nonce tag, too large, a redirect, ...).
	BadResponse = answer.Unexpected
	// Loading: the state server was computing the process (see
	// Result.Loading).
	Loading = answer.Loading
	// NoSuchHost: DNS says the URL's host does not exist (configuration).
	NoSuchHost = answer.NoSuchHost
	// NotFound: the endpoint does not know the process (check its ID).
	NotFound = answer.NotFound
	// NoMessages: the SU has no latest message for the process.
	NoMessages = answer.NoMessages
	// Forbidden: the process is not on the server's allow-list.
	Forbidden = answer.Forbidden
)

// Error is a classified failure of one endpoint for one process.
type Error struct {
	Endpoint Endpoint
	Host     string // credential-free, normalised
	Kind     Kind
	// Blame is whose failure it is: answer.Config marks one that, when
	// every process on the host shows it, is the configuration's.
	Blame  answer.Blame
	Detail string
	Err    error // underlying cause, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Endpoint, e.Host, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a check error, or "" if err is not one.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
