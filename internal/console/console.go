// Package console is the only way the action writes to the runner: log
// lines, workflow commands (groups, debug, annotations, masks) and the file
// commands (outputs, job summary).
//
// The runner reads stdout as a command channel, and much of what the action
// prints comes from the network. So every line passes one gate: known
// secrets are redacted, and the line is made one inert line (escape.LogLine).
// Workflow commands are written only by this package, with their data and
// properties escaped by the runner's rules. Nothing else holds the writer,
// so a new log call cannot forget the gate.
package console

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/sethvargo/go-githubactions"
)

// Console writes the step's log and commands. Annotations are collected and
// written by Flush, at most ten of each type, the tenth summing up the rest.
type Console struct {
	mu       sync.Mutex // goroutines log retries while checks run
	out      io.Writer
	data     io.Writer // where --json writes the outputs (out, unless split)
	colour   bool      // a terminal that shows colour
	summary  string    // outside Actions: the --summary-file path
	json     bool      // outside Actions: outputs as one JSON object
	gha      *githubactions.Action
	getenv   func(string) string
	actions  bool
	verbose  bool // outside Actions: show debug lines (retries)
	secrets  *escape.Secrets
	masked   map[string]bool
	errors   []annotation
	warnings []annotation
}

// New returns a console writing to w. getenv is the step's environment
// (GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
func New(w io.Writer, getenv func(string) string) *Console {
	c := &Console{out: w, data: w, getenv: getenv, actions: getenv("GITHUB_ACTIONS") == "true", secrets: escape.NewSecrets(), masked: map[string]bool{}}
	// Colour only for a person at a terminal that wants it
	// (https://no-color.org); never in a log file or the runner's log.
	c.colour = !c.actions && isTerminal(w) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	c.gha = githubactions.New(githubactions.WithWriter(commandWriter{c}), githubactions.WithGetenv(getenv))
	return c
}

// commandWriter is go-githubactions' writer: it escapes command data and
// properties by the runner's rules; the console serialises the writes.
// Command text is redacted before it reaches go-githubactions (after its
// escaping, a secret would no longer match).
type commandWriter struct{ c *Console }

func (w commandWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	return w.c.out.Write(p)
}

// InActions reports whether the step runs under GitHub Actions (annotations
// reach a run page) rather than on a terminal.
func (c *Console) InActions() bool { return c.actions }

// SetTerminal sets, outside Actions, where the job summary's Markdown goes
// (a file; none when empty: a terminal gets the terminal report instead),
// and whether the outputs are written as one JSON object. With JSON on and
// a separate log writer, the log goes to log and stdout holds only the
// JSON, for a pipe.
func (c *Console) SetTerminal(summaryFile string, json bool, log io.Writer) {
	c.summary, c.json = summaryFile, json
	if json && log != nil {
		c.out = log
		c.colour = c.colour && isTerminal(log)
	}
}

// SetVerbose shows debug lines (retries) on a terminal; under Actions they
// are the runner's to show (debug logging).
func (c *Console) SetVerbose(on bool) { c.verbose = on }

// AddSecrets redacts each value (and, for URLs, their credentials, path and
// query) from everything the console writes from now on, and masks it in
// the runner. Call it before anything else is printed.
func (c *Console) AddSecrets(values ...string) {
	for _, v := range values {
		c.mu.Lock()
		known := c.masked[v]
		c.masked[v] = true
		c.mu.Unlock()
		if known || strings.TrimSpace(v) == "" {
			continue
		}
		if c.actions {
			c.gha.AddMask(v)
		}
		c.mu.Lock()
		c.secrets.Add(v)
		c.mu.Unlock()
	}
}

// Redact removes known secrets from s, for text that leaves through another
// channel (the summary, Slack, files).
func (c *Console) Redact(s string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.secrets.Redact(s)
}

// RedactBytes is Redact for a file's content.
func (c *Console) RedactBytes(data []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.secrets.RedactBytes(data)
}

// Logf writes one log line; whatever the arguments hold, it stays one line
// and cannot be read as a workflow command.
func (c *Console) Logf(format string, args ...any) {
	c.line(fmt.Sprintf(format, args...))
}

// Print writes a block of text (the report, outside Actions) line by line,
// each through the gate.
func (c *Console) Print(text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		c.line(l)
	}
}

// Color is the colour of a span of terminal text; the names are
// report.Tone's.
type Color string

// Span is text of one colour.
type Span struct {
	Text  string
	Color Color
}

var ansi = map[Color]string{"bad": "\x1b[31m", "warn": "\x1b[33m", "good": "\x1b[32m", "dim": "\x1b[2m", "bold": "\x1b[1m"}

// PrintLine writes one line of spans, each through the gate, coloured only
// where the console shows colour (the colour codes are added after the
// gate, which would otherwise make them inert).
func (c *Console) PrintLine(spans ...Span) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, s := range spans {
		text := escape.LogLine(c.secrets.Redact(s.Text))
		if code := ansi[s.Color]; c.colour && code != "" && text != "" {
			text = code + text + "\x1b[0m"
		}
		b.WriteString(text)
	}
	fmt.Fprintln(c.out, b.String())
}

func (c *Console) line(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.out, escape.LogLine(c.secrets.Redact(s)))
}

// Detailf writes a line of detail that a report later sums up: in the
// runner's log always (inside its group), on a terminal only with
// SetVerbose, where the terminal report that follows says it once.
func (c *Console) Detailf(format string, args ...any) {
	if c.actions || c.verbose {
		c.line(fmt.Sprintf(format, args...))
	}
}

// Debugf writes a debug line, shown when the run has debug logging on (on a
// terminal: with SetVerbose).
func (c *Console) Debugf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case c.actions:
		c.gha.Debugf("%s", c.Redact(escape.OneLine(msg)))
	case c.verbose:
		c.line("  · " + msg)
	}
}

// Group starts a collapsible group of log lines (on a terminal: a heading).
func (c *Console) Group(title string) {
	if c.actions {
		c.gha.Group(c.Redact(escape.OneLine(title)))
		return
	}
	c.line("── " + title)
}

// EndGroup ends it.
func (c *Console) EndGroup() {
	if c.actions {
		c.gha.EndGroup()
	}
}

// isTerminal reports whether w is a character device (a TTY).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
