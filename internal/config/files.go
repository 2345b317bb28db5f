package config

import (
	"fmt"
	"path/filepath"
)

// The files a pass reads and writes, as the inputs name them.

// EffectiveStateFile is the state-file input, except that with a shard and
// the default name each shard gets its own file, so a matrix of jobs never
// shares one.
func (c Config) EffectiveStateFile() string {
	return c.perShard("state-file", c.StateFile, ".pagerduty-state")
}

// DefaultStateFile reports whether state-file is its default (with a
// shard, each shard then has its own file beside it).
func (c Config) DefaultStateFile() bool {
	return filepath.Clean(c.StateFile) == defaultOf("state-file")
}

// EffectiveHistoryFile is history-file, per shard when the default is used.
func (c Config) EffectiveHistoryFile() string {
	return c.perShard("history-file", c.HistoryFile, ".nonce-monitor-history")
}

// EffectiveReportFile is report-file, per shard when the default is used.
func (c Config) EffectiveReportFile() string {
	return c.perShard("report-file", c.ReportFile, ".nonce-monitor-report")
}

// perShard is a file input's value, or with a shard and the input's
// default, the shard's own file: stem.shard-I-of-N.json.
func (c Config) perShard(input, value, stem string) string {
	if c.Shard.Enabled() && value == defaultOf(input) {
		return fmt.Sprintf("%s.shard-%d-of-%d.json", stem, c.Shard.Index, c.Shard.Count)
	}
	return value
}

// EffectiveResolveThreshold is pagerduty-resolve-threshold, defaulting to
// the severity threshold.
func (c Config) EffectiveResolveThreshold() int64 {
	if c.ResolveThreshold != nil {
		return int64(*c.ResolveThreshold)
	}
	return int64(c.SeverityThreshold)
}
