package config

import (
	"flag"
	"fmt"
	"io"
	"strconv"
)

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

// TerminalFlags lists them; docs/outputs.md's terminal section names each, and
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
