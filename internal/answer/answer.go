// Package answer says what one HTTP exchange means, in one place: did the
// host answer at all (only then is it up), whose failure it is (the
// process's, the host's, or the configuration's), and whether asking again
// can help. The AO client, the retry layer and its per-host breaker, and
// the PagerDuty, Slack and heartbeat senders all read it. It is pure: a
// status, headers and a (bounded) body in, a Verdict out.
//
// The shapes are those the servers' source produces (HyperBEAM's
// dev_process and hb_http; the Rust SU and router in ao/servers/su) and a
// real HyperBEAM node answers, as written down in docs/ao-endpoints.md.
package answer

import (
	"net/http"
	"strings"
)

// Endpoint is what was asked.
type Endpoint string

const (
	// StateSlot: GET {state-url}/{pid}~process@1.0/compute/at-slot on a
	// HyperBEAM node.
	StateSlot Endpoint = "state server"
	// Router: GET {su-router-url}/{pid}/latest, answered by a 307 to the
	// process's SU.
	Router Endpoint = "scheduler router"
	// SU: the same path on the SU the router pointed at, its own host.
	SU Endpoint = "scheduler"
	// Delivery: a receiver of the monitor's own messages (PagerDuty's
	// Events API, a Slack webhook, a heartbeat URL).
	Delivery Endpoint = "delivery"
)

// Blame is whose failure an answer shows.
type Blame string

const (
	Nobody  Blame = ""        // it worked
	Process Blame = "process" // this process only; its neighbours are unaffected
	Host    Blame = "host"    // the server: down, overloaded or in trouble
	// Config: a wrong URL or a server that is not what the input says it
	// is. One such answer could still be one unknown process; when every
	// process on a host answers so, the pass says it once, by input.
	Config Blame = "configuration"
)

// Retry is whether asking again can help.
type Retry int

const (
	Never Retry = iota // the same question gets the same answer, or asking again does harm
	// Again: transient host trouble: retry with backoff while the
	// attempts, the retry budget and the pass's deadline allow.
	Again
)

// Kind names a failure for people: it is what the summary shows.
type Kind string

const (
	OK Kind = ""
	// NoAnswer: the host did not answer (timeout, refused, reset, TLS,
	// DNS, or a gateway's 502/503/504 in front of it).
	NoAnswer Kind = "unreachable"
	// Overloaded: the host answered but is in trouble (429, 5xx from a
	// scheduler, the router's DatabaseError).
	Overloaded Kind = "server error"
	// Failing: the node could not compute this process (HyperBEAM's 500
	// or 400 for one process).
	Failing Kind = "process failing"
	// Loading: a state server that answers other requests did not answer
	// this one in time: it is computing the process (from its first slot,
	// if it had none cached). The read says nothing of its progress.
	Loading Kind = "loading"
	// NotFound: the server does not know the process.
	NotFound Kind = "process not found"
	// NoMessages: the SU has no latest message for the process (a process
	// with no messages yet, or a failure inside the SU).
	NoMessages Kind = "no messages"
	// Forbidden: the process is not on the server's allow-list.
	Forbidden Kind = "not allowed"
	// NoSuchHost: DNS answered that the URL's host name does not exist:
	// a mistyped URL, the configuration's, not an outage.
	NoSuchHost Kind = "no such host"
	// Redirect: the router's 307 to the process's SU (to follow).
	Redirect Kind = "redirect"
	// Unexpected: an answer the endpoint never gives (HTML, empty, not a
	// number, a redirect where none belongs, too large): from something
	// that is not the AO server the input names, or a broken one.
	Unexpected Kind = "bad response"
	// Rejected: a receiver refused the monitor's message (4xx).
	Rejected Kind = "rejected"
)

// Verdict is what one exchange means.
type Verdict struct {
	// Answered: the host itself answered, which proves it up (for its
	// breaker), whatever the status.
	Answered bool
	Blame    Blame
	Retry    Retry
	Kind     Kind
	// Detail says what happened in a few words, for people. It may
	// quote the server (a short, one-line snippet): it is untrusted text
	// and reaches a channel only through that channel's escaping.
	Detail string
}

// Failed reports whether the exchange did not produce what was asked.
func (v Verdict) Failed() bool { return v.Kind != OK }

// Of reads an answer: its status, headers and (bounded) body.
func Of(ep Endpoint, status int, header http.Header, body []byte) Verdict {
	if gateway(status) {
		// A proxy speaking for a host it could not reach: the host itself
		// did not answer.
		return Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: statusText(status, header, body)}
	}
	switch ep {
	case StateSlot:
		return ofState(status, header, body)
	case Router, SU:
		return ofScheduler(ep, status, header, body)
	}
	return ofDelivery(status, header, body)
}

// gateway is 502/503/504: what a load balancer or proxy answers when the
// server behind it does not.
func gateway(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

func ofState(status int, header http.Header, body []byte) Verdict {
	v := Verdict{Answered: true}
	switch {
	case status >= 200 && status < 300:
		return v
	case status == http.StatusNotFound:
		// A node's own 404 names the process (NodeLacks); the caller, who
		// knows the process, tells it from this: some other server's page.
		v.Blame, v.Kind, v.Detail = Config, NotFound, "HTTP 404 that is not a HyperBEAM node's answer for this process"
	case status >= 300 && status < 400:
		// Never followed: a node listed in a process map could point the
		// monitor anywhere, an internal address included.
		v.Blame, v.Kind, v.Detail = Config, Unexpected, "unexpected redirect (HTTP "+itoa(status)+"), not followed"
	case status == http.StatusTooManyRequests:
		v.Blame, v.Retry, v.Kind, v.Detail = Host, Again, Overloaded, "HTTP 429: too many requests"
	case status == http.StatusBadRequest:
		v.Blame, v.Kind, v.Detail = Process, Failing, "the process's computation reported an error ("+nodeText(status, header, body)+")"
	case status >= 500:
		// Not retried here: the node answers 500 only to the request that
		// ran the failing computation, and the last good slot after it.
		// The AO client reads that slot itself, as what it is.
		v.Blame, v.Kind, v.Detail = Process, Failing, "the node could not compute this process ("+nodeText(status, header, body)+")"
	default:
		v.Blame, v.Kind, v.Detail = Process, Unexpected, statusText(status, header, body)
	}
	return v
}

// NodeLacks reports whether a state server's 404 is a HyperBEAM node's own
// "I do not have this process": it names processID in its unavailable
// header or its body ("Message necessary to resolve request not found:
// <pid>") and carries the node's headers (its HTTP message signature, or
// ao-types). Some other server at a wrong URL says neither.
func NodeLacks(header http.Header, body []byte, processID string) bool {
	node := header.Get("Signature") != "" || header.Get("Ao-Types") != ""
	named := header.Get("Unavailable") == processID ||
		strings.Contains(string(body[:min(len(body), 4096)]), "not found: "+processID)
	return node && named && processID != ""
}

// nodeText is statusText, for a HyperBEAM node's error page: "Oops!
// Something went wrong. Here's the rundown:" and a line per step, the
// failing one marked ❌. That step is the reason; the rest is boilerplate
// that would push it past the snippet's length. The step goes on over the
// indented lines after it: the node prints an Erlang term across lines,
// and its first line alone ("{case_clause,") says nothing of the cause
// (docs/ao-endpoints.md).
func nodeText(status int, header http.Header, body []byte) string {
	text := string(body[:min(len(body), 4096)])
	if !strings.HasPrefix(strings.TrimSpace(text), "Oops!") {
		return statusText(status, header, body)
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		_, reason, ok := strings.Cut(line, "❌")
		if !ok || strings.TrimSpace(reason) == "" {
			continue
		}
		for _, more := range lines[i+1:] {
			if strings.TrimSpace(more) == "" || strings.TrimLeft(more, " \t") == more {
				break
			}
			reason += " " + more
		}
		return "HTTP " + itoa(status) + ": " + snippet(reason)
	}
	return statusText(status, header, body)
}

func ofScheduler(ep Endpoint, status int, header http.Header, body []byte) Verdict {
	v := Verdict{Answered: true}
	msg := ErrorMessage(body)
	switch {
	case status >= 200 && status < 300:
		return v
	case status == http.StatusTemporaryRedirect || status == http.StatusPermanentRedirect ||
		status == http.StatusFound || status == http.StatusSeeOther || status == http.StatusMovedPermanently:
		if ep == Router && header.Get("Location") != "" {
			v.Kind, v.Detail = Redirect, "redirect to the process's scheduler"
			return v
		}
		v.Blame, v.Kind, v.Detail = Config, Unexpected, "unexpected redirect (HTTP "+itoa(status)+"), not followed"
	case status == http.StatusBadRequest && strings.Contains(msg, "DatabaseError"):
		v.Blame, v.Retry, v.Kind, v.Detail = Host, Again, Overloaded, "database trouble (HTTP 400: "+snippet(msg)+")"
	case status == http.StatusBadRequest && strings.Contains(msg, "NotFound"):
		v.Blame, v.Kind, v.Detail = Process, NotFound, "process not found ("+snippet(msg)+")"
	case status == http.StatusBadRequest && strings.Contains(msg, "Latest message not available"):
		v.Blame, v.Kind, v.Detail = Process, NoMessages, "no latest message (HTTP 400: "+snippet(msg)+")"
	case status == http.StatusForbidden:
		v.Blame, v.Kind, v.Detail = Process, Forbidden, "not on the server's allow-list ("+statusText(status, header, body)+")"
	case status == http.StatusNotFound:
		// The router and the SU answer an unknown process with 400, never
		// 404: a 404 is some other server at that URL.
		v.Blame, v.Kind, v.Detail = Config, NotFound, "HTTP 404 (not a scheduler's answer)"
	case status == http.StatusTooManyRequests || status >= 500:
		v.Blame, v.Retry, v.Kind, v.Detail = Host, Again, Overloaded, statusText(status, header, body)
	default:
		v.Blame, v.Kind, v.Detail = Process, Unexpected, statusText(status, header, body)
	}
	return v
}

func ofDelivery(status int, header http.Header, body []byte) Verdict {
	v := Verdict{Answered: true}
	switch {
	case status >= 200 && status < 300:
		return v
	case status == http.StatusTooManyRequests || status >= 500:
		v.Blame, v.Retry, v.Kind = Host, Again, Overloaded
	default:
		v.Blame, v.Kind = Config, Rejected
	}
	v.Detail = statusText(status, header, body)
	return v
}

// NotAO is a 2xx answer whose body is not what the endpoint returns (HTML,
// empty, not a number, no Nonce tag): the server at that URL is not the AO
// server the input says, or a broken one. The caller that parsed the body
// says what was wrong.
func NotAO(detail string) Verdict {
	return Verdict{Answered: true, Blame: Config, Kind: Unexpected, Detail: detail}
}
