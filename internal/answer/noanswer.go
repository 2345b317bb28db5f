package answer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

var (
	// ErrTooLarge: the answer's body passed the bound the caller set. The
	// host answered (it is up); the answer is unusable.
	ErrTooLarge = errors.New("response body too large")
	// ErrTooManyRedirects: a redirect chain did not end (a loop).
	ErrTooManyRedirects = errors.New("too many redirects")
)

// OfError reads an exchange that produced no HTTP answer: err is what the
// transport returned. ctx cancellation (the pass ended) is the caller's to
// exclude before asking.
func OfError(err error) Verdict {
	v := Verdict{Blame: Host, Retry: Again, Kind: NoAnswer}
	var ne net.Error
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordHeader tls.RecordHeaderError
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		// DNS answered that the name does not exist: not an outage (one
		// is a resolver that does not answer), but a name nobody serves.
		return Verdict{Blame: Config, Kind: NoSuchHost, Detail: "no such host (DNS says " + dns.Name + " does not exist)"}
	case errors.Is(err, ErrTooLarge):
		return Verdict{Answered: true, Blame: Process, Kind: Unexpected, Detail: "response too large"}
	case errors.Is(err, ErrTooManyRedirects):
		return Verdict{Answered: true, Blame: Config, Kind: Unexpected, Detail: "redirect loop"}
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &recordHeader):
		// A certificate the monitor cannot trust says nothing true can be
		// read from this host: no answer. Retrying does not help.
		v.Retry, v.Detail = Never, "TLS failure: "+rootCause(err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		v.Detail = "timed out"
	default:
		v.Detail = "unreachable: " + rootCause(err)
	}
	return v
}

// Timeout reports whether an exchange failed by running out of time: the
// only failure that, on a host answering others, says the process is slow
// (a node loading it computes from slot 0 before replying).
func Timeout(err error) bool {
	var ne net.Error
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}

// rootCause drops url.Error's "Get <url>:" prefix, already said by the host.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// ErrorMessage is the "error" of a scheduler's JSON error body
// ({"error": "..."}), or the body itself.
func ErrorMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}

// statusText is "HTTP 500" and, unless the body is an HTML page (whose
// markup says nothing readable), a short snippet of it.
func statusText(status int, header http.Header, body []byte) string {
	d := "HTTP " + itoa(status)
	text := strings.TrimSpace(string(body[:min(len(body), 1024)]))
	if text != "" && !LooksLikeHTML(header.Get("Content-Type"), text) {
		d += ": " + snippet(ErrorMessage(body[:min(len(body), 4096)]))
	} else if text != "" {
		d += ", an HTML page"
	}
	return d
}

// LooksLikeHTML reports whether an answer is an HTML page: a gateway's or a
// node's error page, or a web site where an API was expected.
func LooksLikeHTML(contentType, text string) bool {
	if strings.HasPrefix(strings.ToLower(contentType), "text/html") {
		return true
	}
	head := strings.ToLower(strings.TrimSpace(text[:min(len(text), 64)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

// Snippet is s on one line, cut to 120 characters.
func Snippet(s string) string { return snippet(s) }

func snippet(s string) string {
	const n = 120
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
