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
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// Version is the state file format this build writes.
const Version = 1

type file struct {
	Version int `json:"version"`
	// Shard is the shard ("i/n") that wrote the file; absent for one job.
	Shard string `json:"shard,omitempty"`
	// Lists names the process lists the writing pass read (see Header).
	Lists string `json:"lists,omitempty"`
	// Processes identifies the processes the writing pass read (see
	// Header).
	Processes string            `json:"processes,omitempty"`
	Incidents []json.RawMessage `json:"incidents"`
	// Resolving holds the incidents whose resolve PagerDuty accepted and
	// no listing has yet shown done (incident.State.Resolving).
	Resolving []json.RawMessage `json:"resolving,omitempty"`
	// Failing counts consecutive failed checks (pagerduty-error-threshold).
	Failing map[string]int `json:"failing,omitempty"`
	// Slack is what the Slack channel was last told, kept for the Slack
	// notifier; the store does not read it.
	Slack json.RawMessage `json:"slack,omitempty"`
}

// Header is what the file says about the job that wrote it, and what it
// holds that this version does not know: written back as it was read.
type Header struct {
	// Version is the format version read (at least Version): a file a
	// newer version wrote keeps its number, since everything this version
	// does not know in it is kept too.
	Version int
	// Shard is the shard ("i/n") that wrote the file, "" for one job.
	Shard string
	// Lists identifies the process lists the writing pass read (which
	// list inputs, and their files): a pass reading other lists is a
	// partial view of the fleet.
	Lists string
	// Processes identifies the processes the writing pass read: their
	// count and a hash of their IDs ("3 9f86d081884c7d65"). A pass started
	// by hand that reads other processes sees part of the fleet only.
	Processes string
	// Extra: top-level fields this version does not know.
	Extra map[string]json.RawMessage
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
	// instead; it names where the bad file was copied to, if it could be.
	Warning string
	// Header is what the file says about its writer.
	Header Header
	// Dropped describes each entry that was unusable and left out (the
	// rest of the file is used).
	Dropped []string
}

// Files is where the state file lives (the workspace). ReadOwn refuses
// anything but a regular file, and Write replaces a file atomically.
type Files interface {
	ReadOwn(name string) ([]byte, error)
	Write(name string, data []byte) error
}

// Load reads the state file. A missing file is an empty state. A file that
// is not a JSON object, or not a version this reads, is a warning, a copy
// beside it and an empty state. An unusable entry is dropped alone (and
// listed in Dropped); fields and incident types this version does not know
// are kept and written back. Only
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
	p, perr := parse(raw)
	if perr == nil {
		return Loaded{State: p.state, Slack: p.slack, Raw: raw, Header: p.header, Dropped: p.dropped}, nil
	}
	backup := path + ".corrupt"
	l := Loaded{State: incident.NewState(), Raw: raw}
	if err := files.Write(backup, raw); err != nil {
		l.Warning = fmt.Sprintf("state file %s is unusable (%v) and could not be copied aside (%v); starting from an empty state", path, perr, err)
		return l, nil
	}
	l.Warning = fmt.Sprintf("state file %s is unusable (%v); copied to %s, starting from an empty state", path, perr, backup)
	return l, nil
}

// Encode renders the state deterministically: sorted, indented, with a
// trailing newline. Only changes to incidents or failure counts change the
// bytes.
func Encode(st incident.State, announced json.RawMessage) []byte {
	return EncodeWith(Header{}, st, announced)
}

// EncodeWith is Encode with the file's header: who writes it, and the
// fields read from it that this version does not know.
func EncodeWith(h Header, st incident.State, announced json.RawMessage) []byte {
	f := file{Version: max(h.Version, Version), Shard: h.Shard, Lists: h.Lists, Processes: h.Processes,
		Incidents: encodeAll(st.Open), Failing: st.Failing}
	if len(st.Resolving) > 0 {
		f.Resolving = encodeAll(st.Resolving)
	}
	if len(announced) > 0 {
		f.Slack = announced
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err) // only plain strings, times and valid JSON: cannot fail
	}
	if len(h.Extra) > 0 {
		out = appendExtra(out, h.Extra)
	}
	return append(out, '\n')
}

// encodeAll renders incidents sorted by subject, then dedup key.
func encodeAll(open incident.Open) []json.RawMessage {
	incs := make([]incident.Incident, 0, len(open))
	for _, inc := range open {
		inc.Since = inc.Since.UTC()
		incs = append(incs, inc)
	}
	sort.Slice(incs, func(i, j int) bool {
		a, b := incs[i], incs[j]
		if a.Subject() != b.Subject() {
			return a.Subject() < b.Subject()
		}
		return a.DedupKey < b.DedupKey
	})
	out := make([]json.RawMessage, 0, len(incs))
	for _, inc := range incs {
		out = append(out, encodeIncident(inc))
	}
	return out
}

// appendExtra adds the top-level fields this version does not know to an
// indented object, sorted, after its own.
func appendExtra(out []byte, extra map[string]json.RawMessage) []byte {
	names := make([]string, 0, len(extra))
	for name := range extra {
		if !knownFields.has(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out = bytes.TrimSuffix(out, []byte("\n}"))
	for _, name := range names {
		key, _ := json.Marshal(name)
		var v bytes.Buffer
		if err := json.Indent(&v, extra[name], "  ", "  "); err != nil {
			v.Reset()
			v.Write(extra[name])
		}
		out = append(append(append(append(out, ",\n  "...), key...), ": "...), v.Bytes()...)
	}
	return append(out, "\n}"...)
}

// Save writes st atomically (temp file, fsync, rename) unless the file
// already holds exactly these bytes. It reports whether the content changed.
func Save(files Files, path string, previous []byte, st incident.State, announced json.RawMessage) (changed bool, err error) {
	return saveWith(files, path, previous, Header{}, st, announced)
}

func saveWith(files Files, path string, previous []byte, h Header, st incident.State, announced json.RawMessage) (bool, error) {
	data := EncodeWith(h, st, announced)
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
	header          Header
	loaded, current []byte
}

// NewStore returns a store for path whose content is loaded (nil if the
// file was missing), written with header h.
func NewStore(files Files, path string, loaded []byte, h Header) *Store {
	return &Store{files: files, path: path, header: h, loaded: loaded, current: loaded}
}

// Save writes st unless the file already holds exactly its bytes.
func (s *Store) Save(st incident.State, announced json.RawMessage) error {
	if _, err := saveWith(s.files, s.path, s.current, s.header, st, announced); err != nil {
		return err
	}
	s.current = EncodeWith(s.header, st, announced)
	return nil
}

// Changed reports whether the file differs from what was loaded.
func (s *Store) Changed() bool { return !bytes.Equal(s.loaded, s.current) }
