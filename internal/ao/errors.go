// Package ao reads the two nonces of an AO process: the latest slot a state
// server computed, and the latest nonce its scheduler assigned.
package ao

import (
	"errors"
	"fmt"
)

// Endpoint names which side of a check failed.
type Endpoint string

const (
	StateServer Endpoint = "state server"
	Scheduler   Endpoint = "scheduler"
)

// Kind classifies a failure so a dead server can be told from a bad process
// ID or a garbled answer.
type Kind string

const (
	// Unreachable: no answer (connection refused, DNS, timeout) after retries.
	Unreachable Kind = "unreachable"
	// ServerError: the server kept answering 429 or 5xx.
	ServerError Kind = "server error"
	// BadResponse: an answer that is not what the endpoint returns (HTML,
	// empty, not a number, no Nonce tag, too large, redirect loop, ...).
	BadResponse Kind = "bad response"
	// NotFound: the endpoint does not know the process (check its ID).
	NotFound Kind = "process not found"
)

// Error is a classified failure of one endpoint for one process.
type Error struct {
	Endpoint Endpoint
	Host     string
	Kind     Kind
	Detail   string
	Err      error // underlying cause, if any
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
