package answer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The servers' own bodies, as docs/ao-endpoints.md gives them (the state
// server's as a real HyperBEAM node answered).
const (
	notFoundPage  = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
	nodeNotFound  = "Message necessary to resolve request not found: " + crashPID
	nodeErrorPage = "Oops! Something went wrong. Here's the rundown:\n✅Parsing your request\n5⃣ Resolved steps of your execution\n" +
		"❌Error fun dev_process:compute/3 -> {rt_crash_on_purpose,2}\n"
	// A real node's 500 for a process its store could no longer compute
	// (after a kill in the middle of a computation): the step's Erlang
	// term printed over three lines.
	nodeErrorTerm = "Oops! Something went wrong. Here's the rundown:\n✅Parsing your request\n5⃣ Resolved steps of your execution\n" +
		"❌Error fun dev_process:compute/3 -> {case_clause,\n                                 {error,\n" +
		"                                     <<\"No scheduler information provided.\">>}}\n"
	crashPID         = "HsoKwB3mbB316mR7jCjCSEC7RtqCOeWI9T9jY2iGsro"
	computeError     = "--boundary\r\ncontent-disposition: form-data;name=\"body\"\r\n\r\nprocess error\r\n--boundary--"
	routerNotFound   = `{"error":"NotFound(\"Process scheduler not found\")"}`
	routerDatabase   = `{"error":"DatabaseError(\"Failed to get connection from read pool.\")"}`
	suNoMessage      = `{"error":"Latest message not available"}`
	notAllowed       = `{"error":"Process not in allow list"}`
	gatewayPage      = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
	pagerDutyInvalid = `{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}`
)

func TestOf(t *testing.T) {
	t.Parallel()
	html := http.Header{"Content-Type": {"text/html"}}
	none := http.Header{}
	jsonH := http.Header{"Content-Type": {"application/json"}}
	location := http.Header{"Location": {"https://su201.ao-testnet.xyz/crashPID/latest"}}
	for _, tc := range []struct {
		name   string
		ep     Endpoint
		status int
		header http.Header
		body   string
		want   Verdict
	}{
		// State server (HyperBEAM /compute/at-slot).
		{"state: the slot, no content type", StateSlot, 200, none, "14204\n",
			Verdict{Answered: true}},
		{"state: another server's 404 page: the configuration's, unless the caller knows better", StateSlot, 404, html, notFoundPage,
			Verdict{Answered: true, Blame: Config, Kind: NotFound, Detail: "HTTP 404 that is not a HyperBEAM node's answer for this process"}},
		{"state: a computation that failed, the node's 500 (not retried): the process, not the host; its reason is the failed step", StateSlot, 500, none, nodeErrorPage,
			Verdict{Answered: true, Blame: Process, Kind: Failing, Detail: "the node could not compute this process (HTTP 500: Error fun dev_process:compute/3 -> {rt_crash_on_purpose,2})"}},
		{"state: a failed step printed over lines: the whole step is the reason", StateSlot, 500, none, nodeErrorTerm,
			Verdict{Answered: true, Blame: Process, Kind: Failing, Detail: `the node could not compute this process (HTTP 500: Error fun dev_process:compute/3 -> {case_clause, {error, <<"No scheduler information provided.">>}})`}},
		{"state: the failed step ends at the first line that is not indented", StateSlot, 500, none, nodeErrorPage + "Next step\n  indented\n",
			Verdict{Answered: true, Blame: Process, Kind: Failing, Detail: "the node could not compute this process (HTTP 500: Error fun dev_process:compute/3 -> {rt_crash_on_purpose,2})"}},
		{"state: a 500 page that is not the node's: a snippet of it", StateSlot, 500, none, "internal error",
			Verdict{Answered: true, Blame: Process, Kind: Failing, Detail: "the node could not compute this process (HTTP 500: internal error)"}},
		{"state: a device's compute error, 400 multipart", StateSlot, 400, http.Header{"Content-Type": {"multipart/form-data; boundary=boundary"}}, computeError,
			Verdict{Answered: true, Blame: Process, Kind: Failing, Detail: `the process's computation reported an error (HTTP 400: --boundary content-disposition: form-data;name="body" process error --boundary--)`}},
		{"state: a gateway's 502 page: no answer from the node", StateSlot, 502, html, gatewayPage,
			Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "HTTP 502, an HTML page"}},
		{"state: 503 from a proxy", StateSlot, 503, none, "",
			Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "HTTP 503"}},
		{"state: 504 from a proxy", StateSlot, 504, none, "upstream timed out",
			Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "HTTP 504: upstream timed out"}},
		{"state: a redirect is never followed", StateSlot, 307, http.Header{"Location": {"http://169.254.169.254/latest/meta-data"}}, "",
			Verdict{Answered: true, Blame: Config, Kind: Unexpected, Detail: "unexpected redirect (HTTP 307), not followed"}},
		{"state: 429", StateSlot, 429, none, "slow down",
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: "HTTP 429: too many requests"}},
		{"state: 403", StateSlot, 403, none, "forbidden",
			Verdict{Answered: true, Blame: Process, Kind: Unexpected, Detail: "HTTP 403: forbidden"}},

		// Router.
		{"router: 307 to the SU", Router, 307, location, "",
			Verdict{Answered: true, Kind: Redirect, Detail: "redirect to the process's scheduler"}},
		{"router: 307 without a Location", Router, 307, none, "",
			Verdict{Answered: true, Blame: Config, Kind: Unexpected, Detail: "unexpected redirect (HTTP 307), not followed"}},
		{"router: unknown process", Router, 400, jsonH, routerNotFound,
			Verdict{Answered: true, Blame: Process, Kind: NotFound, Detail: `process not found (NotFound("Process scheduler not found"))`}},
		{"router: its database in trouble: transient, the router's", Router, 400, jsonH, routerDatabase,
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: `database trouble (HTTP 400: DatabaseError("Failed to get connection from read pool."))`}},
		{"router: not on the allow-list", Router, 403, jsonH, notAllowed,
			Verdict{Answered: true, Blame: Process, Kind: Forbidden, Detail: "not on the server's allow-list (HTTP 403: Process not in allow list)"}},
		{"router: 404 is not a router", Router, 404, html, notFoundPage,
			Verdict{Answered: true, Blame: Config, Kind: NotFound, Detail: "HTTP 404 (not a scheduler's answer)"}},
		{"router: 500: up, in trouble", Router, 500, none, "oops",
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: "HTTP 500: oops"}},
		{"router: 503: no answer", Router, 503, none, "",
			Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "HTTP 503"}},

		// SU.
		{"su: the latest assignment", SU, 200, jsonH, `{"message":null,"assignment":{}}`,
			Verdict{Answered: true}},
		{"su: no messages yet", SU, 400, jsonH, suNoMessage,
			Verdict{Answered: true, Blame: Process, Kind: NoMessages, Detail: "no latest message (HTTP 400: Latest message not available)"}},
		{"su: its database in trouble", SU, 400, jsonH, routerDatabase,
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: `database trouble (HTTP 400: DatabaseError("Failed to get connection from read pool."))`}},
		{"su: another redirect is not followed", SU, 307, location, "",
			Verdict{Answered: true, Blame: Config, Kind: Unexpected, Detail: "unexpected redirect (HTTP 307), not followed"}},
		{"su: 429", SU, 429, none, "",
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: "HTTP 429"}},
		{"su: some other 400", SU, 400, jsonH, `{"error":"bad input"}`,
			Verdict{Answered: true, Blame: Process, Kind: Unexpected, Detail: "HTTP 400: bad input"}},

		// Receivers of the monitor's own messages.
		{"delivery: PagerDuty accepted", Delivery, 202, jsonH, `{"status":"success"}`, Verdict{Answered: true}},
		{"delivery: PagerDuty rejects", Delivery, 400, jsonH, pagerDutyInvalid,
			Verdict{Answered: true, Blame: Config, Kind: Rejected, Detail: `HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be…`}},
		{"delivery: throttled", Delivery, 429, none, "",
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: "HTTP 429"}},
		{"delivery: 500", Delivery, 500, none, "",
			Verdict{Answered: true, Blame: Host, Retry: Again, Kind: Overloaded, Detail: "HTTP 500"}},
		{"delivery: 502", Delivery, 502, none, "",
			Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "HTTP 502"}},
		{"delivery: Slack's 404 no_service", Delivery, 404, none, "no_service",
			Verdict{Answered: true, Blame: Config, Kind: Rejected, Detail: "HTTP 404: no_service"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Of(tc.ep, tc.status, tc.header, []byte(tc.body))); diff != "" {
				t.Errorf("Of(%s, %d) (-want +got):\n%s", tc.ep, tc.status, diff)
			}
		})
	}
}

func TestOfError(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "https://state.example/x", Err: err} }
	refused := wrap(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	reset := wrap(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)})
	for _, tc := range []struct {
		name string
		err  error
		want Verdict
	}{
		{"refused", refused, Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "unreachable: dial tcp: connect: connection refused"}},
		{"reset", reset, Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "unreachable: read tcp: read: connection reset by peer"}},
		{"timeout", wrap(context.DeadlineExceeded), Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "timed out"}},
		{"TLS: unknown authority", wrap(x509.UnknownAuthorityError{}),
			Verdict{Blame: Host, Kind: NoAnswer, Detail: "TLS failure: x509: certificate signed by unknown authority"}},
		{"too large: it answered", fmt.Errorf("%w: more than 10 bytes", ErrTooLarge),
			Verdict{Answered: true, Blame: Process, Kind: Unexpected, Detail: "response too large"}},
		{"no such host: DNS says the name does not exist: the configuration's, not retried", wrap(&net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Err: "no such host", Name: "state.exmaple.com", IsNotFound: true}}),
			Verdict{Blame: Config, Kind: NoSuchHost, Detail: "no such host (DNS says state.exmaple.com does not exist)"}},
		{"a resolver that does not answer is an outage, not a name that does not exist", wrap(&net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Err: "i/o timeout", Name: "state.example.com", IsTimeout: true}}),
			Verdict{Blame: Host, Retry: Again, Kind: NoAnswer, Detail: "timed out"}},
		{"redirect loop: it answered", wrap(fmt.Errorf("%w (5)", ErrTooManyRedirects)),
			Verdict{Answered: true, Blame: Config, Kind: Unexpected, Detail: "redirect loop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, OfError(tc.err)); diff != "" {
				t.Errorf("OfError(%v) (-want +got):\n%s", tc.err, diff)
			}
		})
	}
	if !Timeout(wrap(context.DeadlineExceeded)) || Timeout(refused) || Timeout(errors.New("x")) {
		t.Error("Timeout must tell a timeout from a refusal")
	}
}

// A real node's 404 for a process it does not hold names the process and
// carries the node's headers; a page from whatever else serves the URL
// does neither (docs/ao-endpoints.md).
func TestNodeLacks(t *testing.T) {
	t.Parallel()
	signed := http.Header{"Signature": {"http-sig-d7314b5755a2ba7c=:EJno...:"}, "Ao-Types": {`status="integer"`}}
	named := signed.Clone()
	named.Set("Unavailable", crashPID)
	for _, tc := range []struct {
		name     string
		header   http.Header
		body     string
		crashPID string
		want     bool
	}{
		{"the node's: unavailable header and body name the process", named, nodeNotFound, crashPID, true},
		{"the node's: body names the process, signed", signed, nodeNotFound, crashPID, true},
		{"names another process", named, nodeNotFound, "X" + crashPID[1:], false},
		{"unsigned, unnamed: a web server's page", http.Header{"Content-Type": {"text/html"}}, notFoundPage, crashPID, false},
		{"names the process but without the node's headers (a proxy echoing the path)", http.Header{}, nodeNotFound, crashPID, false},
		{"signed but names nothing", signed, "Not Found", crashPID, false},
		{"no process asked", named, nodeNotFound, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NodeLacks(tc.header, []byte(tc.body), tc.crashPID); got != tc.want {
				t.Errorf("NodeLacks = %v, want %v", got, tc.want)
			}
		})
	}
}
