package incident

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Severity is a PagerDuty severity.
type Severity string

// The severities PagerDuty accepts.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
	// SeverityError is PagerDuty's "error". The incident type written
	// "error" is Unreadable, and the status StatusFailing.
	SeverityError Severity = "error"
)

// rank orders severities, least to most severe; 0 is not a severity.
func (s Severity) rank() int {
	switch s {
	case Info:
		return 1
	case Warning:
		return 2
	case SeverityError:
		return 3
	case Critical:
		return 4
	}
	return 0
}

// Valid reports whether PagerDuty accepts s.
func (s Severity) Valid() bool { return s.rank() > 0 }

// MoreSevere reports whether s is more severe than t.
func (s Severity) MoreSevere(t Severity) bool { return s.rank() > t.rank() }

// Level maps a distance in slots to a PagerDuty severity.
type Level struct {
	Severity Severity
	MinSlots int64
}

// ParseLevels parses "critical:100,error:50,warning:0".
func ParseLevels(s string) ([]Level, error) {
	var levels []Level
	seen := map[Severity]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, n, ok := strings.Cut(part, ":")
		sev := Severity(strings.ToLower(strings.TrimSpace(name)))
		if !ok {
			return nil, fmt.Errorf("%q is not severity:slots (e.g. critical:100)", part)
		}
		if !sev.Valid() {
			return nil, fmt.Errorf("%q is not a PagerDuty severity (critical, error, warning or info)", sev)
		}
		if seen[sev] {
			return nil, fmt.Errorf("severity %q is listed twice", sev)
		}
		seen[sev] = true
		min, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		if err != nil || min < 0 {
			return nil, fmt.Errorf("%q: slots must be a whole number, 0 or more", part)
		}
		levels = append(levels, Level{Severity: sev, MinSlots: min})
	}
	if len(levels) == 0 {
		return nil, fmt.Errorf("no severity levels given")
	}
	sort.Slice(levels, func(i, j int) bool { return levels[i].MinSlots > levels[j].MinSlots })
	return levels, nil
}

// severityFor returns the severity of the highest level reached. Below every
// level it returns the lowest level's severity: a process past the threshold
// pages at the mildest configured severity rather than not at all.
func severityFor(levels []Level, slotsBehind int64) Severity {
	for _, l := range levels {
		if slotsBehind >= l.MinSlots {
			return l.Severity
		}
	}
	if len(levels) == 0 {
		return Warning
	}
	return levels[len(levels)-1].Severity
}
