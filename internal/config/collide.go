package config

// Inputs that must not collide: file inputs naming one file, and the
// Events API endpoint pasted where its base is asked for.

import (
	"path"
	"path/filepath"
	"strings"
)

// fileInput is the file a file input names, as the pass uses it (per
// shard, for the defaults).
func (c Config) fileInput(input string) string {
	switch input {
	case "state-file":
		return c.EffectiveStateFile()
	case "report-file":
		return c.EffectiveReportFile()
	case "history-file":
		return c.EffectiveHistoryFile()
	case "process-ids-file":
		return c.ProcessIDsFile
	case "process-map-file":
		return c.ProcessMapFile
	}
	return ""
}

// sameFiles lists the pairs of file inputs that name one file: a report or
// history written over the state file (or a list) destroys it.
func sameFiles(c Config) [][2]string {
	inputs := []string{"state-file", "report-file", "history-file", "process-ids-file", "process-map-file"}
	var clashes [][2]string
	seen := map[string]string{}
	for _, in := range inputs {
		names := []string{c.fileInput(in)}
		if in == "state-file" && c.Shard.Enabled() && c.DefaultStateFile() {
			// A new shard also reads the one job's state file (adoption).
			names = append(names, c.StateFile)
		}
		for _, v := range names {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			key := path.Clean(strings.TrimPrefix(filepath.ToSlash(v), "./"))
			if first, ok := seen[key]; ok {
				clashes = append(clashes, [2]string{first, in})
				break
			}
			seen[key] = in
		}
	}
	return clashes
}

// trimEnqueue accepts the Events API's full endpoint where its base URL is
// asked for (a common paste): the sender adds /v2/enqueue itself.
func trimEnqueue(raw string) string {
	trimmed := strings.TrimSuffix(strings.TrimRight(raw, "/"), "/v2/enqueue")
	if trimmed == strings.TrimRight(raw, "/") {
		return raw
	}
	return trimmed
}
