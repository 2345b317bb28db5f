package answer

import (
	"net/url"
	"strings"
)

// MaxSchedulerURL bounds a scheduler (SU) location, whether the router
// just gave it or the history file remembers it: a real one is a few dozen
// bytes (https://su201.ao-testnet.xyz).
const MaxSchedulerURL = 512

// SchedulerURL checks a scheduler base URL the way the router's answer is
// checked, and returns its one spelling: http or https, a host, no
// credentials, no query or fragment, printable ASCII only, at most
// MaxSchedulerURL bytes; the path (a prefix the SU may sit under) without
// its trailing slash. ok is false for anything else: such a location is
// never asked, and never shown.
func SchedulerURL(raw string) (base string, ok bool) {
	if len(raw) == 0 || len(raw) > MaxSchedulerURL || !printable(raw) {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || !plainHost(u.Host) {
		return "", false
	}
	return scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), true
}

// plainHost: a name, an IPv4 or a bracketed IPv6 address, and a port, as
// written. url.Parse unescapes a host's %XX, which could smuggle any byte
// into what is asked, written and shown (an IPv6 zone needs one too; an SU
// has none).
func plainHost(host string) bool {
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-:[]", c) >= 0) {
			return false
		}
	}
	return true
}

// SchedulerBase is the scheduler base URL in the router's 307 for
// processID: location, resolved against the request's URL from, is the
// SU's base URL plus the original path "/{processID}/latest" and nothing
// added (docs/ao-endpoints.md, the scheduler). ok is false when the
// location is not of that shape or its base fails SchedulerURL: the
// redirect may still be followed, but there is nothing to remember.
func SchedulerBase(from, location, processID string) (base string, ok bool) {
	if len(location) > MaxSchedulerURL+len(processID)+len("//latest") || !printable(location) {
		return "", false
	}
	f, err := url.Parse(from)
	if err != nil {
		return "", false
	}
	to, err := f.Parse(location)
	if err != nil || to.RawQuery != "" || to.Fragment != "" {
		return "", false
	}
	path, cut := strings.CutSuffix(to.EscapedPath(), "/"+processID+"/latest")
	if !cut {
		return "", false
	}
	to.RawPath, to.Path = "", ""
	return SchedulerURL(to.String() + path)
}

// printable: no control bytes, no spaces, nothing beyond ASCII (a URL on
// the wire is ASCII; anything else is not an SU's address).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
