package console

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Output is one step output.
type Output struct {
	Name, Value string
}

// SetOutputs appends outputs to the runner's GITHUB_OUTPUT file. Each value
// is written as a name<<DELIMITER block with a delimiter drawn at random
// for it (as the runner's own toolkit does), and checked not to occur in
// the value, so no value can close its block early and add outputs of its
// own. Outside Actions (no GITHUB_OUTPUT) they are written only if --json
// asked for them, as one JSON object of strings (the terminal report shows
// them otherwise).
func (c *Console) SetOutputs(outputs []Output) error {
	path := c.getenv("GITHUB_OUTPUT")
	if path == "" {
		if !c.json {
			return nil
		}
		// An incident array is embedded as JSON, not as a string of it.
		obj := make(map[string]any, len(outputs))
		for _, o := range outputs {
			v := c.Redact(o.Value)
			if strings.HasPrefix(v, "[") && json.Valid([]byte(v)) {
				obj[o.Name] = json.RawMessage(v)
			} else {
				obj[o.Name] = v
			}
		}
		data, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		_, err = fmt.Fprintf(c.data, "%s\n", data)
		return err
	}
	var b strings.Builder
	for _, o := range outputs {
		delim, err := delimiter()
		if err != nil {
			return err
		}
		value := c.Redact(o.Value)
		if strings.Contains(o.Name, delim) || strings.Contains(value, delim) || strings.ContainsAny(o.Name, "\r\n<=") {
			return fmt.Errorf("output %s cannot be written safely", escapeName(o.Name))
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, value, delim)
	}
	return appendFile(path, b.String())
}

func escapeName(s string) string { return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s) }

func delimiter() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("drawing an output delimiter: %w", err)
	}
	return "ghadelimiter_" + hex.EncodeToString(b[:]), nil
}

// AddSummary appends Markdown to the job summary; outside Actions (no
// GITHUB_STEP_SUMMARY) to the --summary-file, if one was named, and
// nowhere else: a terminal is not a Markdown renderer. The caller escapes
// what it built from untrusted text; known secrets are redacted here.
func (c *Console) AddSummary(markdown string) error {
	path := c.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		if c.summary == "" {
			return nil
		}
		// A terminal run's file holds that run's summary only.
		return os.WriteFile(c.summary, []byte(c.Redact(markdown)+"\n"), 0o644)
	}
	return appendFile(path, c.Redact(markdown)+"\n")
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
