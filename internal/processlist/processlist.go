// Package processlist reads the processes to monitor from the three input
// sources (inline list, process-ids file, process-map file), validates their
// IDs and merges them.
package processlist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/org/nonce-monitor-action/internal/escape"
)

// Target is one process to check and the state server that computes it.
type Target struct {
	ProcessID string
	StateURL  string
}

// Problem is an entry that was not taken as written, with where it came
// from so the report can annotate the file and line. Dropped: the entry
// names no process that is checked (a mistyped ID, a bad state server
// URL): a mistake that fails the step. Otherwise the process is checked
// and the problem is a warning (a second state server ignored).
type Problem struct {
	Input   string // the input the entry is in: process-ids, process-ids-file, ...
	File    string // "" for an inline list
	Line    int    // 0 when unknown (an inline list, the map file)
	Message string
	Dropped bool
}

// Where is the entry's place: "process-ids-file process-ids.txt:5",
// "process-map-file map.json", "process-ids".
func (p Problem) Where() string {
	switch {
	case p.File != "" && p.Line > 0:
		return fmt.Sprintf("%s %s:%d", p.Input, p.File, p.Line)
	case p.File != "":
		return p.Input + " " + p.File
	}
	return p.Input
}

func (p Problem) String() string {
	if p.Input == "" {
		return p.Message
	}
	return p.Where() + ": " + p.Message
}

// Sources names where processes come from. Read reads a file named by
// IDsFile or MapFile (the shell confines it to the workspace and bounds
// it); CheckURL says whether a state server URL is acceptable (the
// configuration's rule); Redact removes known secrets from an entry
// before it is cut to be quoted (nil: none known).
type Sources struct {
	Inline          string
	IDsFile         string
	MapFile         string
	Read            func(name string) ([]byte, error)
	CheckURL        func(string) error
	Redact          func(string) string
	DefaultStateURL string
}

// SourceError is a source that could not be used at all; Source names the
// input (process-ids-file or process-map-file).
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return e.Source + ": " + e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// entry is a process as one source declared it.
type entry struct {
	ProcessID string
	StateURL  string // "" when the source did not name one
	origin    string
}

var processIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// validID reports whether id is an Arweave transaction ID: 43 base64url characters.
func validID(id string) bool { return processIDPattern.MatchString(id) }

// Load reads and merges every configured source. An unreadable or
// malformed file is an error; a bad entry is a Problem (Dropped when it
// names no process that is checked).
func Load(s Sources) ([]Target, []Problem, error) {
	var all []entry
	var problems []Problem
	add := func(es []entry, ps []Problem) {
		all = append(all, es...)
		problems = append(problems, ps...)
	}
	v := vet{checkURL: s.CheckURL, redact: orNone(s.Redact)}
	add(parseInline("process-ids", s.Inline, v.redact))
	if s.IDsFile != "" {
		data, err := readFile(s.Read, s.IDsFile)
		if err != nil {
			return nil, nil, &SourceError{Source: "process-ids-file", Err: err}
		}
		add(parseIDsFile(s.IDsFile, data, v))
	}
	if s.MapFile != "" {
		data, err := readFile(s.Read, s.MapFile)
		if err != nil {
			return nil, nil, &SourceError{Source: "process-map-file", Err: err}
		}
		es, ps, err := parseMapFile(s.MapFile, data, v)
		if err != nil {
			return nil, nil, &SourceError{Source: "process-map-file", Err: err}
		}
		add(es, ps)
	}
	targets, ps := merge(all, s.DefaultStateURL)
	problems = append(problems, ps...)
	return targets, problems, nil
}

func readFile(read func(string) ([]byte, error), name string) ([]byte, error) {
	data, err := read(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	return data, nil
}

// ParseList reads process IDs separated by newlines, commas or spaces, with
// # comments, as the process-ids input takes them. Problems name input;
// redact is Sources.Redact.
func ParseList(input, text string, redact func(string) string) ([]string, []Problem) {
	entries, problems := parseInline(input, text, orNone(redact))
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ProcessID
	}
	return ids, problems
}

// vet is how a file's entries are judged and shown: its state server URLs
// checked (Sources.CheckURL), an entry that is not a process ID redacted
// before it is cut to be shown (Sources.Redact).
type vet struct {
	checkURL func(string) error
	redact   func(string) string
}

// orNone is redact, or no redaction when it is nil.
func orNone(redact func(string) string) func(string) string {
	if redact == nil {
		return func(s string) string { return s }
	}
	return redact
}

func parseInline(input, text string, redact func(string) string) ([]entry, []Problem) {
	var entries []entry
	var problems []Problem
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, id := range strings.FieldsFunc(line, isSeparator) {
			if !validID(id) {
				problems = append(problems, Problem{Input: input, Message: invalidID(id, redact), Dropped: true})
				continue
			}
			entries = append(entries, entry{ProcessID: id, origin: input})
		}
	}
	return entries, problems
}

func parseIDsFile(name string, data []byte, v vet) ([]entry, []Problem) {
	const input = "process-ids-file"
	var entries []entry
	var problems []Problem
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.FieldsFunc(line, isSeparator)
		if len(fields) == 0 {
			continue
		}
		at := Problem{Input: input, File: name, Line: i + 1, Dropped: true}
		switch {
		case len(fields) > 2:
			at.Message = fmt.Sprintf("expected a process ID and an optional state server URL, found %d fields", len(fields))
		case !validID(fields[0]):
			at.Message = invalidID(fields[0], v.redact)
		case len(fields) == 2 && v.checkURL(fields[1]) != nil:
			at.Message = fmt.Sprintf("state server for %s: %v", fields[0], v.checkURL(fields[1]))
		default:
			e := entry{ProcessID: fields[0], origin: fmt.Sprintf("%s:%d", name, i+1)}
			if len(fields) == 2 {
				e.StateURL = fields[1]
			}
			entries = append(entries, e)
			continue
		}
		problems = append(problems, at)
	}
	return entries, problems
}

func parseMapFile(name string, data []byte, v vet) ([]entry, []Problem, error) {
	const input = "process-map-file"
	var m map[string]string
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("%s is not a JSON object of process ID to state server URL: %w", name, err)
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids) // map order is random; reports should not be
	var entries []entry
	var problems []Problem
	for _, id := range ids {
		switch {
		case !validID(id):
			problems = append(problems, Problem{Input: input, File: name, Message: invalidID(id, v.redact), Dropped: true})
		case v.checkURL(m[id]) != nil:
			problems = append(problems, Problem{Input: input, File: name, Message: fmt.Sprintf("state server for %s: %v", id, v.checkURL(m[id])), Dropped: true})
		default:
			entries = append(entries, entry{ProcessID: id, StateURL: m[id], origin: name})
		}
	}
	return entries, problems, nil
}

// merge de-duplicates by process ID, keeping first-seen order. The first
// source that names a state server wins; a conflicting one is reported.
func merge(entries []entry, defaultStateURL string) ([]Target, []Problem) {
	index := map[string]int{}
	explicit := map[string]entry{}
	var targets []Target
	var problems []Problem
	for _, e := range entries {
		u := strings.TrimRight(e.StateURL, "/")
		i, seen := index[e.ProcessID]
		if !seen {
			index[e.ProcessID] = len(targets)
			targets = append(targets, Target{ProcessID: e.ProcessID, StateURL: strings.TrimRight(defaultStateURL, "/")})
			i = len(targets) - 1
		}
		if u == "" {
			continue
		}
		if first, ok := explicit[e.ProcessID]; ok {
			if strings.TrimRight(first.StateURL, "/") != u {
				// Shown without credentials: the ignored URL's are never
				// registered as secrets.
				problems = append(problems, Problem{Message: fmt.Sprintf("%s: state server %s (%s) ignored; %s already names %s",
					e.ProcessID, escape.URL(u), e.origin, first.origin, escape.URL(first.StateURL))})
			}
			continue
		}
		explicit[e.ProcessID] = e
		targets[i].StateURL = u
	}
	return targets, problems
}

func isSeparator(r rune) bool {
	return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
}
