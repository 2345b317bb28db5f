package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/sethvargo/go-envconfig"
)

// Config is the validated configuration of one pass.
type Config struct {
	Inputs
	// The terminal flags (TerminalFlags), not inputs: on a terminal, show
	// retries (--verbose); also write the job summary's Markdown to a file
	// (--summary-file); print the outputs as one JSON object (--json).
	Verbose     bool
	SummaryFile string
	JSON        bool
	// Warnings are problems that do not stop the pass (e.g. a secret sent
	// over plain http).
	Warnings []string
}

// InputError is an invalid input; its message names the input.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return fmt.Sprintf("input %s: %v", e.Input, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// ErrHelp is returned when --help was asked for; usage has been printed.
var ErrHelp = flag.ErrHelp

// Load reads inputs from command-line flags first, then from the runner's
// INPUT_<NAME> variables, then the defaults, and validates them. It makes no
// network request. Every problem found is returned, joined, each naming its
// input.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	flags, err := parseFlags(args, usage)
	if err != nil {
		return Config{}, err
	}
	lookup := inputLookuper{flags: flags, getenv: getenv}

	// go-envconfig stops at the first value it cannot decode. Decoding each
	// input on its own first finds every bad one and knows which it is; the
	// bad ones then take their defaults so the rest can still be validated.
	var decodeErrs []error
	bad := map[string]bool{}
	for _, s := range Specs() {
		var probe Inputs
		if err := process(&probe, onlyKey{lookup, s.envKey}); err != nil {
			bad[s.envKey] = true
			value, _ := lookup.Lookup(s.envKey)
			decodeErrs = append(decodeErrs, &InputError{Input: s.Name, Err: decodeMessage(s, value, err)})
		}
	}
	var in Inputs
	if err := process(&in, skipKeys{lookup, bad}); err != nil {
		return Config{}, err // every input decoded alone: cannot happen
	}
	verbose, _ := strconv.ParseBool(flags[verboseFlag])
	asJSON, _ := strconv.ParseBool(flags[jsonFlag])
	cfg := Config{Inputs: in, Verbose: verbose, JSON: asJSON, SummaryFile: flags[summaryFileFlag]}
	verrs := cfg.validate(func(input string) bool { return bad[envKey(input)] })
	return cfg, errors.Join(append(decodeErrs, verrs...)...)
}

func process(target *Inputs, l envconfig.Lookuper) error {
	return envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: target, Lookuper: l})
}

// decodeMessage says what is wrong with an input's value, never quoting a
// secret.
func decodeMessage(s Spec, value string, err error) error {
	var iv *InvalidValue
	switch {
	case isSecret(s.Name):
		return errors.New("invalid value")
	case errors.As(err, &iv):
		return iv
	case s.Bool:
		return fmt.Errorf("%q is not true or false", value)
	}
	return err
}

// inputLookuper resolves an env-tag key (PAGERDUTY_ROUTING_KEY) to a flag
// value or to INPUT_PAGERDUTY-ROUTING-KEY, the name the runner uses (hyphens
// kept). The underscore spelling is accepted too, because shells cannot
// export names with hyphens. Blank counts as unset, so the default applies,
// as it does when a workflow omits the input.
type inputLookuper struct {
	flags  map[string]string
	getenv func(string) string
}

func (l inputLookuper) Lookup(key string) (string, bool) {
	name := inputName(key)
	if v, ok := l.flags[name]; ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), true
	}
	for _, env := range []string{"INPUT_" + strings.ToUpper(name), "INPUT_" + key} {
		if v := strings.TrimSpace(l.getenv(env)); v != "" {
			return v, true
		}
	}
	return "", false
}

// onlyKey looks up one input; every other takes its default.
type onlyKey struct {
	inputLookuper
	key string
}

func (l onlyKey) Lookup(key string) (string, bool) {
	if key != l.key {
		return "", false
	}
	return l.inputLookuper.Lookup(key)
}

// skipKeys looks up every input but the ones that failed to decode.
type skipKeys struct {
	inputLookuper
	skip map[string]bool
}

func (l skipKeys) Lookup(key string) (string, bool) {
	if l.skip[key] {
		return "", false
	}
	return l.inputLookuper.Lookup(key)
}

// Bounds of the inputs that take a duration.
const (
	minRequestTimeout = 100 * time.Millisecond
	maxRequestTimeout = 5 * time.Minute
	minPassTimeout    = 10 * time.Second
	maxPassTimeout    = 6 * time.Hour // GitHub's longest job
	minHistoryWindow  = 10 * time.Minute
	maxHistoryWindow  = 24 * time.Hour
	// minStuckAfter is the least history a trend reads anything from
	// (trend.MinSpan).
	minStuckAfter = 2 * time.Minute
)

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
	if c.SeverityThreshold < 0 {
		bad("pagerduty-severity-threshold", "%d is negative; use 0 or more slots", c.SeverityThreshold)
	}
	if c.ErrorThreshold < 1 || c.ErrorThreshold > 1000 {
		bad("pagerduty-error-threshold", "%d is out of range 1..1000 (passes)", c.ErrorThreshold)
	}
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
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		bad("concurrency", "%d is out of range 1..1024", c.Concurrency)
	}
	if d := c.RequestTimeout.D(); d < minRequestTimeout || d > maxRequestTimeout {
		bad("request-timeout", "%s is out of range %s..%s", d, minRequestTimeout, maxRequestTimeout)
	}
	if d := c.HistoryWindow.D(); d < minHistoryWindow || d > maxHistoryWindow {
		bad("history-window", "%s is out of range %s..%s", d, minHistoryWindow, maxHistoryWindow)
	}
	if c.StuckAfter != nil && (c.StuckAfter.D() < minStuckAfter || c.StuckAfter.D() > c.HistoryWindow.D()) {
		bad("stuck-after", "%s must be between %s and history-window (%s): a shorter stillness is not told from jitter, a longer one cannot be seen",
			c.StuckAfter.D(), minStuckAfter, c.HistoryWindow.D())
	}
	if c.CatchUpGrace != nil && (c.CatchUpGrace.D() < time.Minute || c.CatchUpGrace.D() > maxHistoryWindow) {
		bad("catch-up-grace", "%s is out of range 1m..%s", c.CatchUpGrace.D(), maxHistoryWindow)
	}
	if d := c.PassTimeout.D(); d < minPassTimeout || d > maxPassTimeout {
		bad("pass-timeout", "%s is out of range %s..%s", d, minPassTimeout, maxPassTimeout)
	}
	if c.MaxRetries < 0 || c.MaxRetries > 10 {
		bad("max-retries", "%d is out of range 0..10", c.MaxRetries)
	}
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
		if len(c.RoutingKey) != 32 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("input pagerduty-routing-key is %d characters; PagerDuty integration keys are 32", len(c.RoutingKey)))
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

// EffectiveStateFile is the state-file input, except that with a shard and
// the default name each shard gets its own file, so a matrix of jobs never
// shares one.
func (c Config) EffectiveStateFile() string {
	if c.Shard.Enabled() && c.StateFile == defaultOf("state-file") {
		return fmt.Sprintf(".pagerduty-state.shard-%d-of-%d.json", c.Shard.Index, c.Shard.Count)
	}
	return c.StateFile
}

// DefaultStateFile reports whether state-file is its default (with a
// shard, each shard then has its own file beside it).
func (c Config) DefaultStateFile() bool {
	return filepath.Clean(c.StateFile) == defaultOf("state-file")
}

// EffectiveHistoryFile is history-file, per shard when the default is used.
func (c Config) EffectiveHistoryFile() string {
	if c.Shard.Enabled() && c.HistoryFile == defaultOf("history-file") {
		return fmt.Sprintf(".nonce-monitor-history.shard-%d-of-%d.json", c.Shard.Index, c.Shard.Count)
	}
	return c.HistoryFile
}

// EffectiveReportFile is report-file, per shard when the default is used.
func (c Config) EffectiveReportFile() string {
	if c.Shard.Enabled() && c.ReportFile == defaultOf("report-file") {
		return fmt.Sprintf(".nonce-monitor-report.shard-%d-of-%d.json", c.Shard.Index, c.Shard.Count)
	}
	return c.ReportFile
}

// EffectiveResolveThreshold is pagerduty-resolve-threshold, defaulting to
// the severity threshold.
func (c Config) EffectiveResolveThreshold() int64 {
	if c.ResolveThreshold != nil {
		return int64(*c.ResolveThreshold)
	}
	return int64(c.SeverityThreshold)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// The flags that are not inputs: they shape what a terminal shows, and
// mean nothing to a workflow (under Actions the summary and outputs go to
// the runner's files).
const (
	verboseFlag     = "verbose"
	summaryFileFlag = "summary-file"
	jsonFlag        = "json"
)

// TerminalFlag is a command-line flag that is not an action input.
type TerminalFlag struct {
	Name, Help string
	Bool       bool
}

// TerminalFlags lists them; the README's terminal section names each, and
// none shares a name with an input (tests hold both).
var TerminalFlags = []TerminalFlag{
	{verboseFlag, "On a terminal (outside GitHub Actions), show every retry and every process's check line.", true},
	{summaryFileFlag, "Outside GitHub Actions, also write the job summary (Markdown) to this file.", false},
	{jsonFlag, "Outside GitHub Actions, print the outputs as one JSON object on stdout (the log goes to stderr).", true},
}

// parseFlags accepts every input as --<name> or --<name>=<value>; boolean
// inputs also as a bare --<name>.
func parseFlags(args []string, usage io.Writer) (map[string]string, error) {
	fs := flag.NewFlagSet("nonce-monitor", flag.ContinueOnError)
	fs.SetOutput(usage)
	set := map[string]string{}
	for _, s := range Specs() {
		def := s.Default
		if isSecret(s.Name) {
			def = ""
		}
		help := s.Help
		if def != "" {
			help += " (default " + strconv.Quote(def) + ")"
		}
		fs.Var(&flagValue{name: s.Name, set: set, isBool: s.Bool}, s.Name, help)
	}
	for _, f := range TerminalFlags {
		fs.Var(&flagValue{name: f.Name, set: set, isBool: f.Bool}, f.Name, f.Help)
	}
	fs.Usage = func() {
		fmt.Fprintln(usage, "Usage: nonce-monitor [--input value ...]\n\nEvery action input is a flag of the same name; a flag wins over INPUT_<NAME>.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: inputs are flags, e.g. --process-ids-file %s", fs.Arg(0), fs.Arg(0))
	}
	return set, nil
}

type flagValue struct {
	name   string
	set    map[string]string
	isBool bool
}

func (v *flagValue) String() string   { return "" }
func (v *flagValue) IsBoolFlag() bool { return v.isBool }
func (v *flagValue) Set(s string) error {
	v.set[v.name] = s
	return nil
}
