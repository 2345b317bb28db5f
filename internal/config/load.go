package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

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
