package action

// The state file as one job's: who wrote it, which lists it was written
// for, the job's identity in grouped dedup keys, and the incidents a new
// shard adopts from the previous layout's file.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/state"
)

// jobID is the job's identity in grouped dedup keys: its shard, and a short
// stable hash of its state file when that is not the default, so that
// shards, and jobs that each watch their own servers, never share a key.
// "" for one job with the default state file (the keys earlier versions
// used).
func jobID(cfg config.Config) string {
	var parts []string
	if cfg.Shard.Enabled() {
		parts = append(parts, fmt.Sprintf("shard-%d-of-%d", cfg.Shard.Index, cfg.Shard.Count))
	}
	if !cfg.DefaultStateFile() {
		sum := sha256.Sum256([]byte(filepath.ToSlash(filepath.Clean(cfg.StateFile))))
		parts = append(parts, hex.EncodeToString(sum[:4]))
	}
	return strings.Join(parts, "-")
}

// listsOf names the process lists a pass reads: which list inputs are set,
// and the files they name. A pass whose lists differ from the ones the
// state file was written for sees part of the fleet only.
func listsOf(cfg config.Config) string {
	var parts []string
	if strings.TrimSpace(cfg.ProcessIDs) != "" {
		parts = append(parts, "process-ids")
	}
	if cfg.ProcessIDsFile != "" {
		parts = append(parts, "process-ids-file="+cfg.ProcessIDsFile)
	}
	if cfg.ProcessMapFile != "" {
		parts = append(parts, "process-map-file="+cfg.ProcessMapFile)
	}
	return strings.Join(parts, " ")
}

// shardOf is the shard as the state file records it ("" for one job).
func shardOf(cfg config.Config) string {
	if cfg.Shard.Enabled() {
		return cfg.Shard.String()
	}
	return ""
}

// ownState checks the loaded state file belongs to this job, and returns
// the header to write it with and whether this pass's lists differ from
// the ones it was written for (narrowed: unlisted incidents are held).
// A narrowed pass started by hand (manual) writes the file with the lists
// it was written for, not its own: the incidents it held are still theirs,
// so a second manual run is a partial view too, and the next scheduled
// pass is not. Any other pass records its own lists (a lasting change of
// lists is narrowed for one pass only).
func ownState(cfg config.Config, loaded state.Loaded, manual bool) (state.Header, bool, error) {
	if written := loaded.Header.Shard; written != "" && written != shardOf(cfg) {
		this := "one job (no shard)"
		if cfg.Shard.Enabled() {
			this = "shard " + cfg.Shard.String()
		}
		return state.Header{}, false, &config.InputError{Input: "state-file", Err: fmt.Errorf(
			"%s was written by shard %s, and this job is %s: give each shard its own state file (leave state-file at its default)",
			cfg.EffectiveStateFile(), written, this)}
	}
	h := loaded.Header
	h.Shard, h.Lists = shardOf(cfg), listsOf(cfg)
	narrowed := loaded.Raw != nil && loaded.Header.Lists != "" && loaded.Header.Lists != h.Lists
	if narrowed && manual {
		h.Lists = loaded.Header.Lists
	}
	return h, narrowed, nil
}

// headerAfter is the header the state file is written with. A cut-short
// pass's partial view changes nothing it did not decide: not which lists
// the state file was written for.
func (s *setup) headerAfter(cutShort error) state.Header {
	h := s.header
	if cutShort != nil {
		h.Lists = s.loaded.Header.Lists
	}
	return h
}

// loadState reads the state file, adopts a new shard's incidents, checks
// the file is this job's and whether this pass's lists are its own. It
// reports every problem itself and returns errNotReady. manual: the pass
// was started by hand (workflow_dispatch).
func (s *setup) loadState(con *console.Console, files state.Files, cfg config.Config, manual bool) error {
	loaded, err := state.Load(files, s.statePath)
	if err != nil {
		con.Errorf("State file", "%v", err)
		return errNotReady
	}
	note := func(warn bool, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if warn {
			con.Warnf("State file", "%s", msg)
		} else {
			con.Logf("%s", msg)
		}
		s.notes = append(s.notes, msg)
	}
	if loaded.Warning != "" {
		note(true, "%s", loaded.Warning)
	}
	for _, d := range loaded.Dropped {
		note(true, "state file %s: %s is unusable and was left out; the rest is used", s.statePath, d)
	}
	loaded, adopted := adopt(files, cfg, loaded)
	if adopted > 0 {
		note(false, "state file %s is new: adopted %d open incidents of shard %s from %s, the previous layout's state file",
			s.statePath, adopted, cfg.Shard, cfg.StateFile)
	}
	s.loaded = loaded
	s.header, s.narrowed, err = ownState(cfg, loaded, manual)
	if err != nil {
		reportConfigErrors(con, err)
		return errNotReady
	}
	if s.narrowed {
		note(false, "the process lists (%s) are not the ones the state file was written for (%s): incidents of processes not listed are held, not resolved",
			s.header.Lists, loaded.Header.Lists)
	}
	return nil
}

// adopt gives a shard whose state file does not exist yet the incidents of
// its processes from the previous layout's file (one job's default state
// file): no incident is orphaned by moving to shards. The first shard also
// takes the grouped incidents. It returns how many incidents it adopted.
func adopt(files state.Files, cfg config.Config, loaded state.Loaded) (state.Loaded, int) {
	if loaded.Raw != nil || !cfg.Shard.Enabled() || !cfg.DefaultStateFile() {
		return loaded, 0
	}
	prev, err := state.Load(files, cfg.StateFile)
	if err != nil || prev.Raw == nil || prev.Header.Shard != "" {
		return loaded, 0
	}
	ours := func(inc incident.Incident) bool {
		if inc.ProcessID != "" {
			return cfg.Shard.Holds(inc.ProcessID)
		}
		return cfg.Shard.Index == 1
	}
	n := 0
	for key, inc := range prev.State.Open {
		if ours(inc) {
			loaded.State.Open[key] = inc
			n++
		}
	}
	for pid, count := range prev.State.Failing {
		if cfg.Shard.Holds(pid) {
			loaded.State.Failing[pid] = count
		}
	}
	loaded.Header.Lists = prev.Header.Lists
	return loaded, n
}
