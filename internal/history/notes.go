package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// NoteKind is what a state server said of a process that later reads of
// it must be read against (docs/ao-endpoints.md).
type NoteKind string

const (
	// Failed: a computation of the process failed (the node's 500). The
	// node answers the last good slot to every read after it, so a read
	// at or below that slot is the failure still standing, not health.
	Failed NoteKind = "failed"
	// Abandoned: the monitor's own read started a computation (the node
	// had not loaded the process) and gave up; the node kept the slot it
	// reached, and answers it until something computes further.
	Abandoned NoteKind = "abandoned"
)

// MaxReason bounds a note's reason in the file: the node's own words, a
// line at most (the file is in the workspace, where anything may be
// written to it).
const MaxReason = 300

// Note is one process's note.
type Note struct {
	Kind NoteKind
	// Slot is the last good slot (Failed) or the slot the abandoned
	// computation reached (Abandoned), when SlotKnown.
	Slot      int64
	SlotKnown bool
	Since     time.Time // when the node first said it
	Reason    string    // Failed: the node's reason, untrusted text
}

// Notes is the note of each process, by process ID.
type Notes map[string]Note

// In the history file the notes follow the samples:
// "notes": {"<pid>": {"kind": "failed", "since": <unix seconds>,
// "slot": 1, "reason": "..."}, ...}; "slot" is left out when unknown.

// ParseNotes reads the notes section of a history file (Parse reads its
// samples). An entry of an unknown kind, without a positive time, or with
// a slot below -1 is dropped; a reason is cut to MaxReason bytes.
func ParseNotes(raw []byte) (Notes, error) {
	notes := Notes{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return notes, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := eachField(dec, func(key string) error {
		if key != "notes" {
			return skipValue(dec)
		}
		return eachField(dec, func(pid string) error {
			var e struct {
				Kind   NoteKind `json:"kind"`
				Since  int64    `json:"since"`
				Slot   *int64   `json:"slot"`
				Reason string   `json:"reason"`
			}
			if err := dec.Decode(&e); err != nil {
				return fmt.Errorf("notes: process %s: %w", pid, err)
			}
			if (e.Kind != Failed && e.Kind != Abandoned) || e.Since <= 0 || e.Since >= 1<<40 || (e.Slot != nil && *e.Slot < -1) {
				return nil
			}
			n := Note{Kind: e.Kind, Since: time.Unix(e.Since, 0).UTC(), Reason: cut(e.Reason, MaxReason)}
			if e.Slot != nil {
				n.Slot, n.SlotKnown = *e.Slot, true
			}
			notes[pid] = n
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return notes, nil
}

// AppendNotes adds the notes section to a history file that Encode or
// EncodeWith rendered, deterministically (processes sorted). With no
// notes, file is returned as it was.
func AppendNotes(file []byte, notes Notes) []byte {
	if len(notes) == 0 {
		return file
	}
	b := bytes.TrimSuffix(file, []byte("}\n")) // reopen the top-level object
	b = append(b, `,"notes":{`...)
	for i, pid := range slices.Sorted(maps.Keys(notes)) {
		n := notes[pid]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, pid)
		b = append(b, `:{"kind":`...)
		b = appendJSONString(b, string(n.Kind))
		b = append(b, `,"since":`...)
		b = strconv.AppendInt(b, n.Since.Unix(), 10)
		if n.SlotKnown {
			b = append(b, `,"slot":`...)
			b = strconv.AppendInt(b, n.Slot, 10)
		}
		if n.Reason != "" {
			b = append(b, `,"reason":`...)
			b = appendJSONString(b, cut(n.Reason, MaxReason))
		}
		b = append(b, '}')
	}
	return append(b, "}}\n"...)
}

// cut shortens s to at most n bytes, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
