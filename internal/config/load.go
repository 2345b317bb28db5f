package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/sethvargo/go-envconfig"
)

// Config is the validated configuration of one pass.
type Config struct {
	Inputs
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
// network request. All problems found are returned joined.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	flags, err := parseFlags(args, usage)
	if err != nil {
		return Config{}, err
	}
	lookup := &inputLookuper{flags: flags, getenv: getenv}

	var in Inputs
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{
		Target:   &in,
		Lookuper: lookup,
	}); err != nil {
		return Config{}, decodeError(err, lookup)
	}
	cfg := Config{Inputs: in}
	return cfg, cfg.validate()
}

// inputLookuper resolves an env-tag key (PAGERDUTY_ROUTING_KEY) to a flag
// value or to INPUT_PAGERDUTY-ROUTING-KEY, the name the runner uses (hyphens
// kept). The underscore spelling is accepted too, because shells cannot
// export names with hyphens. Blank counts as unset, so the default applies,
// as it does when a workflow omits the input.
type inputLookuper struct {
	flags  map[string]string
	getenv func(string) string
	// last is the key looked up most recently: go-envconfig decodes each
	// field right after looking it up, so on an error it names the input.
	last string
}

func (l *inputLookuper) Lookup(key string) (string, bool) {
	l.last = key
	name := InputName(key)
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

// decodeError turns go-envconfig's error into a message that names the
// input and the offending value (never the value of a secret).
func decodeError(err error, l *inputLookuper) error {
	culprit := l.last
	for _, s := range Specs() {
		if s.EnvKey != culprit {
			continue
		}
		v, _ := l.Lookup(s.EnvKey)
		if IsSecret(s.Name) {
			return &InputError{Input: s.Name, Err: errors.New("invalid value")}
		}
		return &InputError{Input: s.Name, Err: describeDecodeError(s, v, err)}
	}
	return err
}

func describeDecodeError(s Spec, v string, err error) error {
	f, _ := reflect.TypeOf(Inputs{}).FieldByName(s.Field)
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return fmt.Errorf("%q is not a duration (use e.g. 10s, 1m30s)", v)
	case t.Kind() == reflect.Bool:
		return fmt.Errorf("%q is not true or false", v)
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return fmt.Errorf("%q is not a whole number", v)
	}
	// Custom decoders already say what is wrong; drop envconfig's
	// "Field: " prefix where it adds one.
	msg := strings.TrimPrefix(err.Error(), s.Field+": ")
	return errors.New(msg)
}

func (c *Config) validate() error {
	var errs []error
	bad := func(input, format string, args ...any) {
		errs = append(errs, &InputError{Input: input, Err: fmt.Errorf(format, args...)})
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
	if c.RequestTimeout <= 0 {
		bad("request-timeout", "%s must be more than zero", c.RequestTimeout)
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
	if c.ProcessIDs == "" && c.ProcessIDsFile == "" && c.ProcessMapFile == "" {
		bad("process-ids", "no processes to monitor: set process-ids, process-ids-file or process-map-file")
	}
	for _, u := range []struct{ input, value string }{
		{"state-url", c.StateURL}, {"su-router-url", c.SURouterURL}, {"pagerduty-events-url", c.EventsURL},
	} {
		if err := CheckBaseURL(u.value); err != nil {
			bad(u.input, "%v", err)
		}
	}
	if c.PagerDutyEnabled && !c.DryRun && c.RoutingKey == "" {
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
	return errors.Join(errs...)
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

// CheckBaseURL is CheckURL for URLs that paths are appended to: no query or
// fragment.
func CheckBaseURL(raw string) error {
	if err := CheckURL(raw); err != nil {
		return err
	}
	if u, _ := url.Parse(raw); u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", escape.URL(raw))
	}
	return nil
}

// DefaultStateFile is the state-file input's default.
const DefaultStateFile = ".pagerduty-state.json"

// EffectiveStateFile is the state-file input, except that with a shard and
// the default name each shard gets its own file, so a matrix of jobs never
// shares one.
func (c Config) EffectiveStateFile() string {
	if c.Shard.Enabled() && c.StateFile == DefaultStateFile {
		return fmt.Sprintf(".pagerduty-state.shard-%d-of-%d.json", c.Shard.Index, c.Shard.Count)
	}
	return c.StateFile
}

// DefaultReportFile is the report-file input's default.
const DefaultReportFile = ".nonce-monitor-report.json"

// EffectiveReportFile is report-file, per shard when the default is used.
func (c Config) EffectiveReportFile() string {
	if c.Shard.Enabled() && c.ReportFile == DefaultReportFile {
		return fmt.Sprintf(".nonce-monitor-report.shard-%d-of-%d.json", c.Shard.Index, c.Shard.Count)
	}
	return c.ReportFile
}

// EffectiveResolveThreshold is pagerduty-resolve-threshold, defaulting to
// the severity threshold.
func (c Config) EffectiveResolveThreshold() int64 {
	if c.ResolveThreshold != nil {
		return *c.ResolveThreshold
	}
	return c.SeverityThreshold
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseFlags accepts every input as --<name> or --<name>=<value>; boolean
// inputs also as a bare --<name>.
func parseFlags(args []string, usage io.Writer) (map[string]string, error) {
	fs := flag.NewFlagSet("nonce-monitor", flag.ContinueOnError)
	fs.SetOutput(usage)
	set := map[string]string{}
	for _, s := range Specs() {
		def := s.Default
		if IsSecret(s.Name) {
			def = ""
		}
		help := s.Help
		if def != "" {
			help += " (default " + strconv.Quote(def) + ")"
		}
		fs.Var(&flagValue{name: s.Name, set: set, isBool: s.Bool}, s.Name, help)
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
