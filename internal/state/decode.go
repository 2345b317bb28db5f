package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// parsed is what parse read from a state file.
type parsed struct {
	state   incident.State
	slack   json.RawMessage
	legacy  bool
	header  Header
	dropped []string
}

// parse decodes either format.
func parse(raw []byte) (parsed, error) {
	p := parsed{state: incident.NewState(), header: Header{Version: Version}}
	if len(bytes.TrimSpace(raw)) == 0 {
		return p, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return parsed{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, ok := probe["version"]; ok {
		return parseCurrent(probe)
	}
	var err error
	p.legacy = true
	p.state.Open, err = parseLegacy(probe)
	return p, err
}

// knownFields are the top-level fields of the file this version reads.
var knownFields = jsonFields(reflect.TypeOf(file{}))

func parseCurrent(probe map[string]json.RawMessage) (parsed, error) {
	var f file
	// Each known field alone, so that one bad field is named.
	for name, into := range map[string]any{"version": &f.Version, "shard": &f.Shard, "lists": &f.Lists, "processes": &f.Processes,
		"incidents": &f.Incidents, "resolving": &f.Resolving} {
		if v, ok := probe[name]; ok {
			if err := json.Unmarshal(v, into); err != nil {
				return parsed{}, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if f.Version < Version {
		return parsed{}, fmt.Errorf("version %d is not a version this action reads (%d or later)", f.Version, Version)
	}
	p := parsed{state: incident.NewState(), header: Header{Version: f.Version, Shard: f.Shard, Lists: f.Lists, Processes: f.Processes}}
	for name, v := range probe {
		if !knownFields.has(name) {
			if p.header.Extra == nil {
				p.header.Extra = map[string]json.RawMessage{}
			}
			p.header.Extra[name] = compact(v)
		}
	}
	p.dropped = append(p.dropped, decodeAll("incident", f.Incidents, p.state.Open)...)
	p.dropped = append(p.dropped, decodeAll("resolving incident", f.Resolving, p.state.Resolving)...)
	if v, ok := probe["failing"]; ok {
		var counts map[string]json.RawMessage
		if err := json.Unmarshal(v, &counts); err != nil {
			p.dropped = append(p.dropped, fmt.Sprintf("failing counts (%v)", err))
		}
		for pid, raw := range counts {
			var n int
			if err := json.Unmarshal(raw, &n); err != nil || n < 1 {
				p.dropped = append(p.dropped, fmt.Sprintf("failing count %s for %s (not a positive whole number)", raw, pid))
				continue
			}
			p.state.Failing[pid] = n
		}
	}
	if v, ok := probe["slack"]; ok && string(v) != "null" {
		if len(bytes.TrimSpace(v)) == 0 || bytes.TrimSpace(v)[0] != '{' {
			p.dropped = append(p.dropped, "slack (not a JSON object; Slack is told everything again)")
		} else {
			p.slack = compact(v)
		}
	}
	sort.Strings(p.dropped)
	return p, nil
}

// decodeAll reads entries into open, and describes each it left out.
func decodeAll(what string, entries []json.RawMessage, open incident.Open) (dropped []string) {
	for i, entry := range entries {
		inc, err := decodeIncident(entry)
		if err == nil {
			err = validate(inc)
		}
		if err != nil {
			dropped = append(dropped, fmt.Sprintf("%s %d (%v)", what, i, err))
			continue
		}
		if _, dup := open[inc.DedupKey]; dup {
			dropped = append(dropped, fmt.Sprintf("%s %d (dedup_key listed twice)", what, i))
			continue
		}
		open[inc.DedupKey] = inc
	}
	return dropped
}

// compact is a kept value as this version writes it back: compact, and
// HTML-escaped as encoding/json escapes a RawMessage it marshals, so that
// reading back what was written gives the same bytes ("&" is "\u0026" from
// the first read on).
func compact(v json.RawMessage) json.RawMessage {
	var b, escaped bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return v
	}
	json.HTMLEscape(&escaped, b.Bytes())
	return escaped.Bytes()
}

// incidentFields are the JSON names of incident.Incident's fields.
var incidentFields = jsonFields(reflect.TypeOf(incident.Incident{}))

// fieldNames are the JSON names of a struct's fields.
type fieldNames []string

// jsonFields are the JSON names of a struct's fields: read from the type,
// so a field added to it is known here at once (and never kept twice).
func jsonFields(t reflect.Type) fieldNames {
	var known fieldNames
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			known = append(known, name)
		}
	}
	return known
}

// has reports whether name is one of the fields, matched without regard to
// case as encoding/json matches it: "dedup_keY" is read into DedupKey, so
// it is not also kept as a field of a newer version's.
func (f fieldNames) has(name string) bool {
	for _, known := range f {
		if strings.EqualFold(known, name) {
			return true
		}
	}
	return false
}

// decodeIncident reads one entry; its fields this version does not know go
// to Extra.
func decodeIncident(raw json.RawMessage) (incident.Incident, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return incident.Incident{}, err
	}
	var inc incident.Incident
	if err := json.Unmarshal(raw, &inc); err != nil {
		return incident.Incident{}, err
	}
	for name, v := range fields {
		if !incidentFields.has(name) {
			if inc.Extra == nil {
				inc.Extra = map[string]json.RawMessage{}
			}
			inc.Extra[name] = compact(v)
		}
	}
	inc.Since = inc.Since.UTC()
	return inc, nil
}

// encodeIncident writes inc's fields, then its Extra ones, sorted.
func encodeIncident(inc incident.Incident) json.RawMessage {
	b, err := json.Marshal(inc)
	if err != nil {
		panic(err) // plain strings and a time: cannot fail
	}
	if len(inc.Extra) == 0 {
		return b
	}
	names := make([]string, 0, len(inc.Extra))
	for name := range inc.Extra {
		if !incidentFields.has(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	b = b[:len(b)-1]
	for _, name := range names {
		key, _ := json.Marshal(name)
		b = append(append(append(append(b, ','), key...), ':'), inc.Extra[name]...)
	}
	return append(b, '}')
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
		return incident.Unreadable
	}
	return incident.Mismatch
}

// validate checks an entry can be acted on: a known type with the subject
// it needs, or an unknown type (a newer version's, kept untouched) with a
// subject; always a dedup key PagerDuty accepts.
func validate(inc incident.Incident) error {
	switch {
	case inc.Type == "":
		return errors.New("no type")
	case !inc.Type.Known():
		if inc.ProcessID == "" && inc.Server == "" {
			return fmt.Errorf("a %q incident needs a process_id or a server", inc.Type)
		}
	case inc.Type.Grouped():
		if inc.Server == "" || inc.ProcessID != "" {
			return fmt.Errorf("a %s incident needs a server and no process_id", inc.Type)
		}
	default:
		if inc.ProcessID == "" || inc.Server != "" {
			return fmt.Errorf("a %s incident needs a process_id and no server", inc.Type)
		}
	}
	if inc.DedupKey == "" || len(inc.DedupKey) > incident.MaxDedupKey {
		return errors.New("dedup_key missing or longer than 255 characters")
	}
	return nil
}
