package check

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

// Behind: every scheduler answer the check could get is behind the state
// server's slot (after asking again): no SU the router names holds the
// process's latest assignments.
const Behind Kind = "behind the state server"

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

// HostOf returns the host of a check error, or "" if err is not one.
func HostOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Host
	}
	return ""
}

// NoAnswer reports whether err is a failure of a host that did not answer
// (refused, reset, timed out, not asked after its breaker opened): the
// kind a second look at the host can change.
func NoAnswer(err error) bool { return KindOf(err) == Unreachable }

// TimedOut reports whether err is a request that was sent and not
// answered in time (not refused, not left unsent).
func TimedOut(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == Unreachable && e.Err != nil && answer.Timeout(e.Err)
}

// NowLoading turns a state server's timeout into loading: the node was
// found answering (later in the pass, or to a probe), so it was computing
// the process, not down. Any other error is returned as it was.
func NowLoading(err error) error {
	var e *Error
	if !TimedOut(err) || !errors.As(err, &e) || e.Endpoint != StateServer {
		return err
	}
	return e.AsLoading()
}

// AsLoading is e as the node computing the process: its state server timed
// out on this read while it is known to answer other requests.
func (e *Error) AsLoading() *Error {
	c := *e
	c.Kind, c.Blame = Loading, answer.Nobody
	c.Detail = "loading: the node answers other requests but not this one within the request timeout; it is computing the process (from its first slot, if it had none)"
	return &c
}
