package action

import (
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/sethvargo/go-githubactions"
)

// The runner keeps 10 annotations of each type per step and drops the rest.
const maxAnnotations = 10

type annotation struct {
	title, message, file string
	line                 int
}

// console writes logs and workflow commands. Annotations are collected and
// flushed at the end, at most ten of each type, the tenth summing up the rest.
type console struct {
	gha      *githubactions.Action
	out      io.Writer
	errors   []annotation
	warnings []annotation
}

func newConsole(w io.Writer, getenv func(string) string) *console {
	// Retries are logged from the checking goroutines: one writer, one
	// line at a time.
	out := &lockedWriter{w: w}
	return &console{
		gha: githubactions.New(githubactions.WithWriter(out), githubactions.WithGetenv(getenv)),
		out: out,
	}
}

func (c *console) logf(format string, args ...any) { fmt.Fprintf(c.out, format+"\n", args...) }
func (c *console) group(title string)              { c.gha.Group(title) }
func (c *console) endGroup()                       { c.gha.EndGroup() }
func (c *console) errorf(title, format string, args ...any) {
	c.errors = append(c.errors, annotation{title: title, message: fmt.Sprintf(format, args...)})
}
func (c *console) warnf(title, format string, args ...any) {
	c.warnings = append(c.warnings, annotation{title: title, message: fmt.Sprintf(format, args...)})
}
func (c *console) warnAt(file string, line int, message string) {
	c.warnings = append(c.warnings, annotation{title: "Skipped input", message: message, file: file, line: line})
}

func (c *console) flush() {
	emit(c.errors, "error", func(a *githubactions.Action, msg string) { a.Errorf("%s", msg) }, c.gha)
	emit(c.warnings, "warning", func(a *githubactions.Action, msg string) { a.Warningf("%s", msg) }, c.gha)
	c.errors, c.warnings = nil, nil
}

func emit(list []annotation, kind string, send func(*githubactions.Action, string), gha *githubactions.Action) {
	for i, a := range list {
		if i == maxAnnotations-1 && len(list) > maxAnnotations {
			send(gha.WithFieldsMap(map[string]string{"title": fmt.Sprintf("%d more %ss", len(list)-i, kind)}),
				fmt.Sprintf("%d more %ss not shown as annotations (GitHub keeps %d); see the log and the job summary. Next: %s",
					len(list)-i, kind, maxAnnotations, a.message))
			return
		}
		fields := map[string]string{}
		if a.title != "" {
			fields["title"] = a.title
		}
		if a.file != "" {
			fields["file"] = a.file
		}
		if a.line > 0 {
			fields["line"] = strconv.Itoa(a.line)
		}
		send(gha.WithFieldsMap(fields), a.message)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
