package config

import (
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/escape"
)

// minStuckAfter is the least history a trend reads anything from
// (trend.MinSpan); stuck-after's upper bound is history-window's value.
const minStuckAfter = 2 * time.Minute

// outOfRange says why an input declared with a range tag is out of it, or
// "". The bounds are the tag's (the longest pass-timeout, 6h, is GitHub's
// longest job).
func (c *Config) outOfRange(input string) string {
	s := specOf(input)
	lo, hi, unit, ok := s.Bounds()
	if !ok {
		panic("input " + input + " has no range tag")
	}
	if unit != "" {
		unit = " (" + unit + ")"
	}
	field := reflect.ValueOf(c.Inputs).FieldByName(s.Field).Interface()
	if d, isDuration := field.(Duration); isDuration {
		min, max := mustDuration(lo), mustDuration(hi)
		if d.D() < min || d.D() > max {
			return fmt.Sprintf("%s is out of range %s..%s%s", d.D(), min, max, unit)
		}
		return ""
	}
	n := reflect.ValueOf(field).Int()
	if min, max := mustInt(lo), mustInt(hi); n < min || n > max {
		return fmt.Sprintf("%d is out of range %s..%s%s", n, lo, hi, unit)
	}
	return ""
}

// maxHistoryWindow is the longest history-window (its range tag).
func maxHistoryWindow() time.Duration {
	_, hi, _, _ := specOf("history-window").Bounds()
	return mustDuration(hi)
}

func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic("range tag: " + err.Error())
	}
	return d
}

func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic("range tag: " + err.Error())
	}
	return n
}

// validate checks the inputs against each other and their bounds. Inputs
// that failed to decode (undecoded) hold their defaults and are not
// reported twice.
func (c *Config) validate(undecoded func(input string) bool) []error {
	var errs []error
	bad := func(input, format string, args ...any) {
		if !undecoded(input) {
			errs = append(errs, &InputError{Input: input, Err: fmt.Errorf(format, args...)})
		}
	}
	inRange := func(input string) {
		if why := c.outOfRange(input); why != "" {
			bad(input, "%s", why)
		}
	}
	if c.SeverityThreshold < 0 {
		bad("pagerduty-severity-threshold", "%d is negative; use 0 or more slots", c.SeverityThreshold)
	}
	inRange("pagerduty-error-threshold")
	if c.ResolveThreshold != nil && (*c.ResolveThreshold < 0 || *c.ResolveThreshold > c.SeverityThreshold) {
		bad("pagerduty-resolve-threshold", "%d must be between 0 and pagerduty-severity-threshold (%d)", *c.ResolveThreshold, c.SeverityThreshold)
	}
	if c.GroupThreshold < 0 {
		bad("group-threshold", "%d is negative; use 0 to turn grouping off", c.GroupThreshold)
	}
	if c.HeartbeatURL != "" && CheckURL(c.HeartbeatURL) != nil {
		bad("heartbeat-url", "is not an http(s) URL with a host")
	}
	if c.SlackWebhookURL != "" {
		if CheckURL(c.SlackWebhookURL) != nil {
			bad("slack-webhook-url", "is not an http(s) URL with a host")
		} else if u, _ := url.Parse(c.SlackWebhookURL); u.Scheme == "http" && !isLoopback(u.Hostname()) {
			c.Warnings = append(c.Warnings, "input slack-webhook-url uses plain http: the webhook travels unencrypted to "+u.Host)
		}
	}
	if c.SlackThreshold < 0 {
		bad("slack-threshold", "%d is negative; use 0 or more slots", c.SlackThreshold)
	}
	inRange("concurrency")
	inRange("request-timeout")
	inRange("history-window")
	if c.StuckAfter != nil && (c.StuckAfter.D() < minStuckAfter || c.StuckAfter.D() > c.HistoryWindow.D()) {
		bad("stuck-after", "%s must be between %s and history-window (%s): a shorter stillness is not told from jitter, a longer one cannot be seen",
			c.StuckAfter.D(), minStuckAfter, c.HistoryWindow.D())
	}
	if c.CatchUpGrace != nil && (c.CatchUpGrace.D() < time.Minute || c.CatchUpGrace.D() > maxHistoryWindow()) {
		bad("catch-up-grace", "%s is out of range 1m..%s", c.CatchUpGrace.D(), maxHistoryWindow())
	}
	inRange("pass-timeout")
	inRange("max-retries")
	if strings.TrimSpace(c.StateFile) == "" {
		bad("state-file", "must not be empty")
	}
	if strings.TrimSpace(c.ReportFile) == "" {
		bad("report-file", "must not be empty")
	}
	if strings.TrimSpace(c.HistoryFile) == "" {
		bad("history-file", "must not be empty")
	}
	if c.ProcessIDs == "" && c.ProcessIDsFile == "" && c.ProcessMapFile == "" && !c.PagerDutyTest {
		bad("process-ids", "no processes to monitor: set process-ids, process-ids-file or process-map-file")
	}
	for _, u := range []struct{ input, value string }{
		{"state-url", c.StateURL}, {"su-router-url", c.SURouterURL}, {"pagerduty-events-url", c.EventsURL},
		{"pagerduty-api-url", c.APIURL},
	} {
		if err := checkBaseURL(u.value); err != nil {
			bad(u.input, "%v", err)
		}
	}
	if c.PagerDutyTest && !c.PagerDutyEnabled && !undecoded("pagerduty-enabled") {
		bad("pagerduty-test", "sends a test event to PagerDuty, and pagerduty-enabled is false: set one of them, not both")
	}
	for _, clash := range sameFiles(*c) {
		bad(clash[1], "names the same file as %s (%s): each file input needs a file of its own", clash[0], c.fileInput(clash[0]))
	}
	if trimmed := trimEnqueue(c.EventsURL); trimmed != c.EventsURL {
		c.EventsURL = trimmed
	}
	if c.PagerDutyTest && !c.DryRun && c.RoutingKey == "" {
		bad("pagerduty-routing-key", "is required to send the test event (pagerduty-test: true)")
	} else if c.PagerDutyEnabled && !c.DryRun && c.RoutingKey == "" && !undecoded("dry-run") && !undecoded("pagerduty-enabled") {
		bad("pagerduty-routing-key", "is required while pagerduty-enabled is true (pass it from a secret, or set dry-run or pagerduty-enabled: false)")
	}
	if c.PagerDutyEnabled && c.RoutingKey != "" {
		if why := routingKeyProblem(c.RoutingKey); why != "" {
			bad("pagerduty-routing-key", "%s", why)
		}
		if u, err := url.Parse(c.EventsURL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
			c.Warnings = append(c.Warnings, "input pagerduty-events-url uses plain http: the routing key travels unencrypted to "+u.Host)
		}
	}
	if c.APIToken != "" {
		if c.ServiceID == "" {
			bad("pagerduty-service-id", "is required with pagerduty-api-token: it names the service whose open incidents are reconciled")
		}
		if u, err := url.Parse(c.APIURL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
			c.Warnings = append(c.Warnings, "input pagerduty-api-url uses plain http: the API token travels unencrypted to "+u.Host)
		}
	} else if c.ServiceID != "" {
		c.Warnings = append(c.Warnings, "input pagerduty-service-id is set without pagerduty-api-token: PagerDuty's open incidents are not reconciled")
	}
	if c.ServiceID != "" && !validServiceID(c.ServiceID) {
		bad("pagerduty-service-id", "%q is not a PagerDuty ID (letters and digits, e.g. PXXXXXX)", c.ServiceID)
	}
	return errs
}

// routingKeyLength is the length of every Events API v2 routing
// (integration) key: PagerDuty answers any other with a 400, "Length of
// 'routing_key' is incorrect (should be 32 characters)".
const routingKeyLength = 32

// routingKeyProblem says why key cannot be a PagerDuty Events API v2
// routing key (the service's Integration Key), or "": it is 32 letters and digits. The key is never
// echoed: only its length and the kind of character that does not belong.
func routingKeyProblem(key string) string {
	var odd []string
	for _, c := range []struct {
		name string
		is   func(rune) bool
	}{
		{"a space or line break", func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }},
		{"a quote", func(r rune) bool { return r == '"' || r == '\'' }},
		{"another character (a URL, or an API key pasted instead?)", func(r rune) bool {
			return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') && !strings.ContainsRune(" \t\n\r\"'", r)
		}},
	} {
		if strings.IndexFunc(key, c.is) >= 0 {
			odd = append(odd, c.name)
		}
	}
	n := len([]rune(key))
	if n == routingKeyLength && len(odd) == 0 {
		return ""
	}
	why := fmt.Sprintf("is %d characters", n)
	if len(odd) > 0 {
		why += " and holds " + strings.Join(odd, ", ")
	}
	return why + "; a PagerDuty Events API v2 routing key is 32 letters and digits (like 0123456789abcdef0123456789abcdef): " +
		"copy the Integration Key of the service's \"Events API V2\" integration (the service's Integrations tab) into the secret, " +
		"without quotes or a line break. Nothing was sent"
}

// validServiceID accepts PagerDuty object IDs: a few letters and digits.
func validServiceID(id string) bool {
	if len(id) > 32 {
		return false
	}
	for _, r := range id {
		if !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// CheckURL accepts absolute http and https URLs with a host.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", escape.URL(raw))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host", escape.URL(raw))
	}
	return nil
}

// checkBaseURL is CheckURL for URLs that paths are appended to: no query or
// fragment.
func checkBaseURL(raw string) error {
	if err := CheckURL(raw); err != nil {
		return err
	}
	if u, _ := url.Parse(raw); u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", escape.URL(raw))
	}
	return nil
}

// isLoopback reports whether host is this machine (localhost or a loopback
// address).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
