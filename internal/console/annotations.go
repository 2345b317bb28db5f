package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/sethvargo/go-githubactions"
)

// Annotations: collected during the pass, written by Flush, within the
// runner's limits.

// The runner keeps 10 annotations of each type per step and drops the rest,
// and cuts each message at 4096 characters.
const (
	maxAnnotations       = 10
	maxAnnotationMessage = 4096
)

// maxLoggedLines bounds the annotations written as lines of the log (on
// a terminal, or past the runner's cap): a wrong file named as a process
// list can hold a mistake a line, hundreds of thousands of them.
const maxLoggedLines = 500

type annotation struct {
	title, message, file string
	line                 int
}

// Errorf records an error annotation, written by Flush.
func (c *Console) Errorf(title, format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, annotation{title: title, message: fmt.Sprintf(format, args...)})
}

// Warnf records a warning annotation, written by Flush.
func (c *Console) Warnf(title, format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, annotation{title: title, message: fmt.Sprintf(format, args...)})
}

// ErrorAt records an error about a line of an input file (line 0: the
// file; file "": an input's value).
func (c *Console) ErrorAt(file string, line int, title, message string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, annotation{title: title, message: message, file: file, line: line})
}

// WarnAt records a warning about a line of an input file.
func (c *Console) WarnAt(file string, line int, message string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, annotation{title: "Skipped input", message: message, file: file, line: line})
}

// Flush writes the recorded annotations.
func (c *Console) Flush() {
	c.mu.Lock()
	errs, warns := c.errors, c.warnings
	c.errors, c.warnings = nil, nil
	c.mu.Unlock()
	c.emit(errs, "error", func(a *githubactions.Action, msg string) { a.Errorf("%s", msg) })
	c.emit(warns, "warning", func(a *githubactions.Action, msg string) { a.Warningf("%s", msg) })
}

func (c *Console) emit(list []annotation, kind string, send func(*githubactions.Action, string)) {
	if !c.actions {
		c.lines(list, kind) // a terminal reads plain lines
		return
	}
	for i, a := range list {
		if i == maxAnnotations-1 && len(list) > maxAnnotations {
			rest := list[i:]
			where := "each is a line of the log"
			if len(rest) > maxLoggedLines {
				where = fmt.Sprintf("the first %d are lines of the log", maxLoggedLines)
			}
			send(c.gha.WithFieldsMap(map[string]string{"title": fmt.Sprintf("%d more %ss", len(rest), kind)}),
				clip(fmt.Sprintf("%d more %ss not shown as annotations (GitHub keeps %d); %s. Next: %s",
					len(rest), kind, maxAnnotations, where, c.Redact(escape.OneLine(a.message)))))
			// Said in the log too: a pass that fails before its report
			// (the configuration) has no job summary to list them.
			c.lines(rest, kind)
			return
		}
		fields := map[string]string{}
		if a.title != "" {
			fields["title"] = c.Redact(escape.OneLine(a.title))
		}
		if a.file != "" {
			fields["file"] = escape.OneLine(a.file)
		}
		if a.line > 0 {
			fields["line"] = strconv.Itoa(a.line)
		}
		send(c.gha.WithFieldsMap(fields), clip(c.Redact(escape.OneLine(a.message))))
	}
}

// lines writes list as lines of the log, the first maxLoggedLines, then
// how many more.
func (c *Console) lines(list []annotation, kind string) {
	for _, a := range list[:min(len(list), maxLoggedLines)] {
		c.line(kind + ": " + terminalLine(a))
	}
	if n := len(list) - maxLoggedLines; n > 0 {
		c.line(fmt.Sprintf("%s: and %d more %ss, not shown", kind, n, kind))
	}
}

// terminalLine is an annotation as one line of text: its title only where
// the message does not already say it ("Invalid input: concurrency" before
// "input concurrency: …" would say it twice), its file and line if any.
func terminalLine(a annotation) string {
	subject := a.title[strings.LastIndex(a.title, ": ")+1:]
	line := a.message
	at := a.file + ": "
	if a.line > 0 {
		at = fmt.Sprintf("%s:%d: ", a.file, a.line)
	}
	if a.file != "" {
		line = strings.TrimPrefix(line, at) // said once, first
	}
	if !strings.Contains(strings.ToLower(a.message), strings.ToLower(strings.TrimSpace(subject))) {
		line = a.title + ": " + line
	}
	if a.file != "" {
		line = at + line
	}
	return line
}

func clip(s string) string {
	if len(s) <= maxAnnotationMessage {
		return s
	}
	cut := s[:maxAnnotationMessage-len("…")]
	return strings.ToValidUTF8(cut, "") + "…"
}
