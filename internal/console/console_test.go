package console

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/testkit/ghatest"
)

const attack = "boom\n::error::x\r::warning::y\n::set-output name=state-changed::z ##[error]legacy"

func newTest(t *testing.T) (*Console, *bytes.Buffer, string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}
	var out bytes.Buffer
	return New(&out, func(k string) string { return env[k] }), &out, dir
}

// commands returns the lines the runner would execute as workflow commands.
func commands(log string) []string {
	var cmds []string
	for _, l := range strings.FieldsFunc(log, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if t := strings.TrimLeft(l, " \t"); strings.HasPrefix(t, "::") || strings.Contains(l, "##[") {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

func TestEveryPathKeepsRemoteTextInert(t *testing.T) {
	c, out, _ := newTest(t)
	c.Logf("✗ %s", attack)
	c.Print("report line\n" + attack)
	c.Debugf("retrying: %s", attack)
	c.Group("Checking " + attack)
	c.EndGroup()
	c.Errorf("PagerDuty "+attack, "%s", attack)
	c.Warnf("Slack", "%s", attack)
	c.WarnAt("ids\n::error::f.txt", 3, attack)
	c.Flush()
	// Our own commands are there, each one line; nothing else commands.
	want := []string{"::debug::", "::group::", "::endgroup::", "::error ", "::warning ", "::warning "}
	got := commands(out.String())
	if len(got) != len(want) {
		t.Fatalf("commands the runner would run:\n%s", strings.Join(got, "\n"))
	}
	for i, g := range got {
		if !strings.HasPrefix(g, want[i]) {
			t.Errorf("command %d = %q, want it to start %q", i, g, want[i])
		}
		if strings.Contains(g, "set-output") && !strings.Contains(g, "%0A::set-output") && !strings.Contains(g, "::set-output name=state-changed::z") {
			t.Errorf("command %d = %q", i, g)
		}
	}
}

func TestSecretsAreRedactedEverywhere(t *testing.T) {
	c, out, dir := newTest(t)
	hook := "HTTPS://hooks.slack.example/services/T0/B0/s3cr3tWebhookPath?token=tok3n"
	c.AddSecrets("R0123456789abcdefghijklmnopqrstu", hook)
	c.Logf(`Post "https://hooks.slack.example/services/T0/B0/s3cr3tWebhookPath?token=tok3n": key R0123456789abcdefghijklmnopqrstu`)
	c.Errorf("x", "echoed /services/T0/B0/s3cr3tWebhookPath and token=tok3n")
	c.Flush()
	if err := c.AddSummary("summary R0123456789abcdefghijklmnopqrstu"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetOutputs([]Output{{"x", "R0123456789abcdefghijklmnopqrstu"}}); err != nil {
		t.Fatal(err)
	}
	summary, _ := os.ReadFile(filepath.Join(dir, "summary"))
	outputs, _ := os.ReadFile(filepath.Join(dir, "output"))
	log := out.String()
	// The masks come first (the runner must know them before they appear);
	// after them, no secret appears in any channel.
	rest := log[strings.LastIndex(log, "::add-mask::"):]
	rest = rest[strings.Index(rest, "\n"):]
	for _, secret := range []string{"R0123456789abcdefghijklmnopqrstu", "s3cr3tWebhookPath", "tok3n"} {
		for name, text := range map[string]string{"log": rest, "summary": string(summary), "outputs": string(outputs)} {
			if strings.Contains(text, secret) {
				t.Errorf("%s leaks %q:\n%s", name, secret, text)
			}
		}
	}
}

func TestOutputsCannotAddOutputs(t *testing.T) {
	c, _, dir := newTest(t)
	evil := "a\n_GitHubActionsFileCommandDelimeter_\nstate-changed=true\nghadelimiter_x\nopen-count<<EOF"
	if err := c.SetOutputs([]Output{{"triggered", evil}, {"open-count", "0"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "output"))
	got, err := ghatest.ParseOutputs(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["triggered"] != evil || got["open-count"] != "0" {
		t.Errorf("outputs = %q", got)
	}
	if err := c.SetOutputs([]Output{{"bad\nname", "v"}}); err == nil {
		t.Error("an output name with a line break was written")
	}
}

func TestAnnotationsAreCapped(t *testing.T) {
	c, out, _ := newTest(t)
	for i := range 15 {
		c.Errorf("E", "error %d", i)
	}
	c.Flush()
	n := strings.Count("\n"+out.String(), "\n::error ")
	if n != maxAnnotations || !strings.Contains(out.String(), "6 more errors not shown") {
		t.Errorf("%d error annotations:\n%s", n, out.String())
	}
	// The ones past the cap are each a line of the log.
	for i := 9; i < 15; i++ {
		if !strings.Contains(out.String(), fmt.Sprintf("\nerror: error %d\n", i)) {
			t.Errorf("error %d is not in the log:\n%s", i, out.String())
		}
	}
}

func TestTerminalAnnotationsSayThingsOnce(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, func(string) string { return "" })
	c.Errorf("Invalid input: concurrency", `input concurrency: "many" is not a whole number`)
	c.Errorf("fail-on: error", "1 process could not be checked")
	c.WarnAt("ids.txt", 3, `"x" is not a process ID`)
	c.Flush()
	want := `error: input concurrency: "many" is not a whole number
error: fail-on: error: 1 process could not be checked
warning: ids.txt:3: Skipped input: "x" is not a process ID
`
	if out.String() != want {
		t.Errorf("terminal:\n%s\nwant:\n%s", out.String(), want)
	}
}

// A location is said once, first, even when the message already starts
// with it.
func TestTerminalWarningSaysItsLocationOnce(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, func(string) string { return "" })
	c.WarnAt("ids.txt", 3, `ids.txt:3: "x" is not a process ID`)
	c.Flush()
	if want := "warning: ids.txt:3: Skipped input: \"x\" is not a process ID\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	// An error about a whole file (the map file: no line) names the file
	// alone, not line 0.
	out.Reset()
	c.ErrorAt("map.json", 0, "Invalid input: process-map-file", `"x" is not a process ID`)
	c.Flush()
	if want := "error: map.json: Invalid input: process-map-file: \"x\" is not a process ID\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// Colour codes are added after the gate, only where colour is on: a
// buffer, a log file or NO_COLOR gets none, and text from the network
// cannot bring its own.
func TestColourOnlyWhereAsked(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, func(string) string { return "" })
	c.PrintLine(Span{"✗ behind", "bad"}, Span{Text: " \x1b[2Jtext"})
	if strings.Contains(out.String(), "\x1b[31m") || strings.Contains(out.String(), "\x1b[2J") {
		t.Errorf("colour in a buffer, or a remote escape kept: %q", out.String())
	}
	out.Reset()
	c.colour = true // as on a terminal
	c.PrintLine(Span{"✗ behind", "bad"}, Span{Text: " \x1b[2Jtext"})
	if !strings.HasPrefix(out.String(), "\x1b[31m✗ behind\x1b[0m") || strings.Contains(out.String(), "\x1b[2J") {
		t.Errorf("terminal line %q", out.String())
	}
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer tty.Close()
	if New(tty, func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }).colour || !New(tty, func(string) string { return "" }).colour {
		t.Error("colour on a character device must follow NO_COLOR")
	}
}

// Outside Actions the summary goes only to --summary-file, and the
// outputs only to --json: a terminal gets neither as raw text.
func TestTerminalSummaryAndOutputsOnlyWhenAsked(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, func(string) string { return "" })
	if err := errors.Join(c.AddSummary("## head\n| a |"), c.SetOutputs([]Output{{"open", "[]"}})); err != nil || out.Len() != 0 {
		t.Errorf("%v, printed:\n%s", err, out.String())
	}
	path := filepath.Join(t.TempDir(), "s.md")
	var log bytes.Buffer
	c.SetTerminal(path, true, &log)
	c.Logf("a log line")
	if err := errors.Join(c.AddSummary("## head"), c.SetOutputs([]Output{{"open", `[{"process_id":"x"}]`}, {"open-count", "1"}})); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	if string(md) != "## head\n" || out.String() != `{"open":[{"process_id":"x"}],"open-count":"1"}`+"\n" || log.String() != "a log line\n" {
		t.Errorf("summary %q, stdout %q, log %q", md, out.String(), log.String())
	}
}

// The annotations past the cap are lines of the log, but not without
// bound: a list file of 200,000 mistyped lines (a wrong file named) must
// not write 40 MB of log; the first maxLoggedLines are lines, then one
// says how many more.
func TestAnnotationsPastTheCapAreBoundedInTheLog(t *testing.T) {
	c, out, _ := newTest(t)
	n := maxAnnotations - 1 + maxLoggedLines + 100
	for i := range n {
		c.Errorf("E", "error %d", i)
	}
	c.Flush()
	log := out.String()
	if got := strings.Count(log, "\nerror: error "); got != maxLoggedLines {
		t.Errorf("%d lines past the cap, want %d", got, maxLoggedLines)
	}
	for _, want := range []string{
		fmt.Sprintf("::%d more errors not shown as annotations (GitHub keeps 10); the first %d are lines of the log. Next: error 9\n", n-9, maxLoggedLines),
		fmt.Sprintf("\nerror: error %d\nerror: and 100 more errors, not shown\n", maxAnnotations-2+maxLoggedLines),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in the log", want)
		}
	}
}

// A terminal reads every annotation as a line, to the same bound.
func TestTerminalAnnotationsAreBounded(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, func(string) string { return "" })
	for i := range maxLoggedLines + 7 {
		c.WarnAt("ids.txt", i+1, "bad")
	}
	c.Flush()
	if got := strings.Count(out.String(), "warning: ids.txt:"); got != maxLoggedLines || !strings.HasSuffix(out.String(), "warning: and 7 more warnings, not shown\n") {
		t.Errorf("%d lines; ends %q", got, out.String()[max(0, out.Len()-80):])
	}
}

// At exactly the cap every annotation is its own; one past it, the tenth
// sums up two, each a line of the log.
func TestAnnotationsAtTheCap(t *testing.T) {
	for _, tc := range []struct{ n, annotations, lines int }{{10, 10, 0}, {11, 10, 2}} {
		c, out, _ := newTest(t)
		for i := range tc.n {
			c.Warnf("W", "warning %d", i)
		}
		c.Flush()
		log := out.String()
		if a, l := strings.Count("\n"+log, "\n::warning "), strings.Count("\n"+log, "\nwarning: "); a != tc.annotations || l != tc.lines {
			t.Errorf("%d warnings: %d annotations and %d lines, want %d and %d:\n%s", tc.n, a, l, tc.annotations, tc.lines, log)
		}
		if tc.n == 11 && !strings.Contains(log, "::2 more warnings not shown as annotations (GitHub keeps 10); each is a line of the log. Next: warning 9\n") {
			t.Errorf("11 warnings:\n%s", log)
		}
	}
}

// What is past the cap passes the gate as every log line does.
func TestAnnotationsPastTheCapAreInertLines(t *testing.T) {
	c, out, _ := newTest(t)
	c.AddSecrets("s3cr3t-token")
	for i := range 12 {
		c.ErrorAt("ids\n::error::f.txt", i+1, "Invalid input: "+attack, "\u202e"+attack+" s3cr3t-token")
	}
	c.Flush()
	if n := len(commands(out.String())); n != 1+maxAnnotations { // the mask, and the annotations
		t.Errorf("%d commands:\n%s", n, out.String())
	}
	// Once: in the mask.
	if strings.Count(out.String(), "s3cr3t-token") != 1 || strings.Contains(out.String(), "\u202e") {
		t.Errorf("a secret or a bidi control is in the log:\n%s", out.String())
	}
}
