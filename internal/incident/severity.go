package incident

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Severities PagerDuty accepts, least to most severe.
var severityRank = map[string]int{"info": 1, "warning": 2, "error": 3, "critical": 4}

// Level maps a distance in slots to a PagerDuty severity.
type Level struct {
	Severity string
	MinSlots int64
}

// ParseLevels parses "critical:100,error:50,warning:0".
func ParseLevels(s string) ([]Level, error) {
	var levels []Level
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		sev, n, ok := strings.Cut(part, ":")
		sev = strings.ToLower(strings.TrimSpace(sev))
		if !ok {
			return nil, fmt.Errorf("%q is not severity:slots (e.g. critical:100)", part)
		}
		if severityRank[sev] == 0 {
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

// SeverityFor returns the severity of the highest level reached. Below every
// level it returns the lowest level's severity: a process past the threshold
// pages at the mildest configured severity rather than not at all.
func SeverityFor(levels []Level, slotsBehind int64) string {
	for _, l := range levels {
		if slotsBehind >= l.MinSlots {
			return l.Severity
		}
	}
	if len(levels) == 0 {
		return "warning"
	}
	return levels[len(levels)-1].Severity
}

// moreSevere reports whether a is more severe than b.
func moreSevere(a, b string) bool { return severityRank[a] > severityRank[b] }
