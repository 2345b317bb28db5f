// Package state stores the open incidents between passes as a small JSON
// file in the workspace. It reads the old JavaScript monitor's format, never
// crashes on a corrupt file, writes atomically, and writes the same bytes for
// the same incidents so a quiet pass leaves nothing to commit.
package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// Version is the state file format this build writes.
const Version = 1

type file struct {
	Version   int                 `json:"version"`
	Incidents []incident.Incident `json:"incidents"`
	// Failing counts consecutive failed checks (pagerduty-error-threshold).
	Failing map[string]int `json:"failing,omitempty"`
	// Slack is what the Slack channel was last told, kept for the Slack
	// notifier; the store does not read it.
	Slack json.RawMessage `json:"slack,omitempty"`
}

// legacyEntry is one process in the old monitor's file:
// {"<pid>": {"dedupKey": "...", "alertedAt": "...", "severity": "..."}}.
type legacyEntry struct {
	DedupKey  string    `json:"dedupKey"`
	AlertedAt time.Time `json:"alertedAt"`
	Severity  string    `json:"severity"`
}

// Loaded is what Load found.
type Loaded struct {
	State incident.State
	// Slack is the Slack notifier's memory (JSON, compact), or nil.
	Slack json.RawMessage
	// Raw is the file's bytes (nil when missing), to tell later whether
	// the content changed.
	Raw []byte
	// Warning is set when the file was unusable and an empty state is used
	// instead; the bad file was copied to BackupPath.
	Warning    string
	BackupPath string
	Legacy     bool
}

// Files is where the state file lives (the workspace). ReadOwn refuses
// anything but a regular file, and Write replaces a file atomically.
type Files interface {
	ReadOwn(name string) ([]byte, error)
	Write(name string, data []byte) error
}

// Load reads the state file. A missing file is an empty state. A corrupt or
// unknown-version file is a warning, a copy beside it and an empty state. Only
// a file that exists but cannot be read is an error: proceeding would page
// every open incident again.
func Load(files Files, path string) (Loaded, error) {
	raw, err := files.ReadOwn(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Loaded{State: incident.NewState()}, nil
	}
	if err != nil {
		return Loaded{}, fmt.Errorf("state file %s: %w", path, err)
	}
	st, announced, legacy, perr := parse(raw)
	if perr == nil {
		return Loaded{State: st, Slack: announced, Raw: raw, Legacy: legacy}, nil
	}
	backup := path + ".corrupt"
	l := Loaded{State: incident.NewState(), Raw: raw, BackupPath: backup}
	if err := files.Write(backup, raw); err != nil {
		l.BackupPath = ""
		l.Warning = fmt.Sprintf("state file %s is unusable (%v) and could not be copied aside (%v); starting from an empty state", path, perr, err)
		return l, nil
	}
	l.Warning = fmt.Sprintf("state file %s is unusable (%v); copied to %s, starting from an empty state", path, perr, backup)
	return l, nil
}

// parse decodes either format. It is exported for fuzzing.
func parse(raw []byte) (st incident.State, announced json.RawMessage, legacy bool, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return incident.NewState(), announced, false, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return incident.State{}, announced, false, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, ok := probe["version"]; ok {
		st, announced, err := parseCurrent(raw)
		return st, announced, false, err
	}
	st = incident.NewState()
	st.Open, err = parseLegacy(probe)
	return st, announced, true, err
}

func parseCurrent(raw []byte) (incident.State, json.RawMessage, error) {
	var f file
	var none json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return incident.State{}, none, err
	}
	if f.Version != Version {
		return incident.State{}, none, fmt.Errorf("version %d is not the version %d this action reads", f.Version, Version)
	}
	st := incident.NewState()
	for i, inc := range f.Incidents {
		if err := validate(inc); err != nil {
			return incident.State{}, none, fmt.Errorf("incident %d: %w", i, err)
		}
		st.Open[inc.DedupKey] = inc
	}
	for pid, n := range f.Failing {
		if n < 1 {
			return incident.State{}, none, fmt.Errorf("failing count %d for %s is not positive", n, pid)
		}
		st.Failing[pid] = n
	}
	if len(f.Slack) == 0 || string(f.Slack) == "null" {
		return st, none, nil
	}
	if f.Slack[0] != '{' {
		return incident.State{}, none, errors.New("slack is not a JSON object")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, f.Slack); err != nil {
		return incident.State{}, none, err
	}
	return st, compact.Bytes(), nil
}

func parseLegacy(entries map[string]json.RawMessage) (incident.Open, error) {
	open := incident.Open{}
	for pid, raw := range entries {
		var e legacyEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("old-format entry %s: %w", pid, err)
		}
		inc := incident.Incident{
			ProcessID: pid,
			Type:      legacyType(e.DedupKey),
			DedupKey:  e.DedupKey,
			Severity:  incident.Severity(e.Severity),
			Since:     e.AlertedAt.UTC(),
		}
		if inc.Severity == "" {
			inc.Severity = incident.SeverityError
		}
		if err := validate(inc); err != nil {
			return nil, fmt.Errorf("old-format entry %s: %w", pid, err)
		}
		open[inc.DedupKey] = inc
	}
	return open, nil
}

// legacyType reads the type out of nonce-monitor-{type}-{pid}-{date}.
func legacyType(key string) incident.Type {
	if strings.HasPrefix(key, "nonce-monitor-error-") {
		return incident.Error
	}
	return incident.Mismatch
}

func validate(inc incident.Incident) error {
	switch inc.Type {
	case incident.Mismatch, incident.Error, incident.Stuck:
		if inc.ProcessID == "" || inc.Server != "" {
			return fmt.Errorf("a %s incident needs a process_id and no server", inc.Type)
		}
	case incident.Server, incident.Scheduler:
		if inc.Server == "" || inc.ProcessID != "" {
			return fmt.Errorf("a %s incident needs a server and no process_id", inc.Type)
		}
	default:
		return fmt.Errorf("unknown type %q", inc.Type)
	}
	if inc.DedupKey == "" || len(inc.DedupKey) > 255 {
		return errors.New("dedup_key missing or longer than 255 characters")
	}
	return nil
}

// Encode renders the state deterministically: sorted, indented, with a
// trailing newline. Only changes to incidents or failure counts change the
// bytes.
func Encode(st incident.State, announced json.RawMessage) []byte {
	f := file{Version: Version, Incidents: make([]incident.Incident, 0, len(st.Open)), Failing: st.Failing}
	if len(announced) > 0 {
		f.Slack = announced
	}
	for _, inc := range st.Open {
		inc.Since = inc.Since.UTC()
		f.Incidents = append(f.Incidents, inc)
	}
	sort.Slice(f.Incidents, func(i, j int) bool {
		a, b := f.Incidents[i], f.Incidents[j]
		if a.Subject() != b.Subject() {
			return a.Subject() < b.Subject()
		}
		return a.DedupKey < b.DedupKey
	})
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err) // only plain strings and times: cannot fail
	}
	return append(out, '\n')
}

// Save writes open atomically (temp file, fsync, rename) unless the file
// already holds exactly these bytes. It reports whether the content changed.
func Save(files Files, path string, previous []byte, st incident.State, announced json.RawMessage) (changed bool, err error) {
	data := Encode(st, announced)
	if previous != nil && bytes.Equal(previous, data) {
		return false, nil
	}
	if err := files.Write(path, data); err != nil {
		return false, fmt.Errorf("state file %s: %w", path, err)
	}
	return true, nil
}

// Store is one state file across a pass: it writes only what changes the
// file, and remembers whether the pass changed it at all (the intent
// written before sending and the final state may both be written).
type Store struct {
	files           Files
	path            string
	loaded, current []byte
}

// NewStore returns a store for path whose content is loaded (nil if the
// file was missing).
func NewStore(files Files, path string, loaded []byte) *Store {
	return &Store{files: files, path: path, loaded: loaded, current: loaded}
}

// Save writes st unless the file already holds exactly its bytes.
func (s *Store) Save(st incident.State, announced json.RawMessage) error {
	if _, err := Save(s.files, s.path, s.current, st, announced); err != nil {
		return err
	}
	s.current = Encode(st, announced)
	return nil
}

// Changed reports whether the file differs from what was loaded.
func (s *Store) Changed() bool { return !bytes.Equal(s.loaded, s.current) }
