package action

// The state file as one job's: who wrote it, which lists it was written
// for, the job's identity in grouped dedup keys, and the incidents a new
// shard adopts from the previous layout's file.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/state"
)

// A job is one repository's monitor with one state file: the repository
// (GITHUB_REPOSITORY) and the state-file input, as the workspace names it.
// The shards of a fleet (shard, with the state-file input at its default)
// are layouts of one job. ownerOf is the job's Owner in every dedup key it
// sends, so that it adopts and resolves only what it sent.
func ownerOf(repository, stateFile string) string {
	return incident.Owner(repository + "\n" + filepath.ToSlash(filepath.Clean(stateFile)))
}

// layoutOf is the shard a layout's grouped keys carry ("shard-2-of-4"), ""
// for one job.
func layoutOf(cfg config.Config) string {
	if cfg.Shard.Enabled() {
		return fmt.Sprintf("shard-%d-of-%d", cfg.Shard.Index, cfg.Shard.Count)
	}
	return ""
}

// groupJob is the job in this layout's grouped dedup keys: its layout and
// its Owner, so that shards, and jobs that each watch their own servers,
// never share a key.
func groupJob(cfg config.Config, owner string) string {
	if l := layoutOf(cfg); l != "" {
		return l + "-" + owner
	}
	return owner
}

// legacyJobID is the job versions before job identities put in grouped
// keys: the shard, and a short hash of the state file when not the
// default ("" for one job with the default state file). Their incidents
// are still this job's.
func legacyJobID(cfg config.Config) string {
	var parts []string
	if l := layoutOf(cfg); l != "" {
		parts = append(parts, l)
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

// processesOf identifies the processes a pass checks: their count and a
// hash of their sorted IDs ("3 9f86d081884c7d65").
func processesOf(targets []processlist.Target) string {
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.ProcessID
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return fmt.Sprintf("%d %s", len(ids), hex.EncodeToString(sum[:8]))
}

// ownState checks the loaded state file belongs to this job, and returns
// the header to write it with and whether this pass sees part of the
// fleet the state file was written for (narrowed: what it does not check
// is held). It does when its lists differ from the ones the file was
// written for, and, when it was started by hand (manual), when it checks
// other processes than the file was written for (processes) or does not
// check one the file holds an incident for: a manual run narrowed to a
// few IDs of the usual input is a partial view too. A file from before
// processes were recorded holding a grouped incident makes a manual pass
// narrowed: it cannot tell whether it sees the group whole.
//
// A narrowed pass started by hand writes the file with the lists and
// processes it was written for, not its own: the incidents it held are
// still theirs, so a second manual run is a partial view too, and the next
// scheduled pass is not. Any other pass records its own (a lasting change
// of lists is narrowed for one pass only).
func ownState(cfg config.Config, loaded state.Loaded, manual bool, targets []processlist.Target) (h state.Header, narrowed, byHand bool, err error) {
	if written := loaded.Header.Shard; written != "" && written != shardOf(cfg) {
		this := "one job (no shard)"
		if cfg.Shard.Enabled() {
			this = "shard " + cfg.Shard.String()
		}
		return state.Header{}, false, false, &config.InputError{Input: "state-file", Err: fmt.Errorf(
			"%s was written by shard %s, and this job is %s: give each shard its own state file (leave state-file at its default)",
			cfg.EffectiveStateFile(), written, this)}
	}
	processes := processesOf(targets)
	h = loaded.Header
	h.Shard, h.Lists, h.Processes = shardOf(cfg), listsOf(cfg), processes
	if loaded.Raw == nil {
		return h, false, false, nil
	}
	narrowed = loaded.Header.Lists != "" && loaded.Header.Lists != h.Lists
	if manual {
		listed := listedOf(targets)
		byHand = loaded.Header.Processes != "" && loaded.Header.Processes != processes
		for _, inc := range loaded.State.Open {
			if (inc.ProcessID != "" && !listed[inc.ProcessID]) || (inc.Type.Grouped() && loaded.Header.Processes == "") {
				byHand = true
			}
		}
		narrowed = narrowed || byHand
	}
	if narrowed && manual {
		h.Lists, h.Processes = loaded.Header.Lists, loaded.Header.Processes
	}
	return h, narrowed, byHand, nil
}

// headerAfter is the header the state file is written with. A cut-short
// pass's partial view changes nothing it did not decide: not which lists
// the state file was written for.
func (s *setup) headerAfter(cutShort error) state.Header {
	h := s.header
	if cutShort != nil {
		h.Lists, h.Processes = s.loaded.Header.Lists, s.loaded.Header.Processes
	}
	return h
}

// loadState reads the state file, adopts a new shard's incidents, checks
// the file is this job's and whether this pass's lists are its own. It
// reports every problem itself and returns errNotReady. manual: the pass
// was started by hand (workflow_dispatch).
func (s *setup) loadState(con *console.Console, files state.Files, manual bool) error {
	cfg := s.cfg
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
	var byHand bool
	s.header, s.narrowed, byHand, err = ownState(cfg, loaded, manual, s.targets)
	if err != nil {
		reportConfigErrors(con, err)
		return errNotReady
	}
	switch {
	case byHand:
		listed, held := listedOf(s.targets), 0
		for _, inc := range loaded.State.Open {
			if inc.ProcessID != "" && !listed[inc.ProcessID] {
				held++
			}
		}
		note(false, "this pass was started by hand and checks %s, not the processes the state file was written for (%s): it holds the %s of processes it does not check, and every grouped incident it cannot see whole, instead of resolving them",
			report.Count(len(s.targets), "process", "processes"), countOf(loaded.Header.Processes), report.Count(held, "open incident", "open incidents"))
	case s.narrowed:
		note(false, "the process lists (%s) are not the ones the state file was written for (%s): incidents of processes not listed are held, not resolved",
			s.header.Lists, loaded.Header.Lists)
	}
	return nil
}

// listedOf is the set of the processes targets lists.
func listedOf(targets []processlist.Target) map[string]bool {
	listed := make(map[string]bool, len(targets))
	for _, t := range targets {
		listed[t.ProcessID] = true
	}
	return listed
}

// countOf says how many processes a recorded process set holds.
func countOf(processes string) string {
	n, _, ok := strings.Cut(processes, " ")
	if !ok {
		return "not recorded by the version that wrote it"
	}
	return n
}

// adopt gives a shard whose state file does not exist yet the incidents of
// its processes from the previous layout's file (one job's default state
// file): no incident is orphaned by moving to shards. The first shard also
// takes the grouped incidents. It returns how many incidents it adopted.
func adopt(files state.Files, cfg config.Config, loaded state.Loaded) (state.Loaded, int) {
	if loaded.Raw != nil || !cfg.Shard.Enabled() || !cfg.DefaultStateFile() {
		return loaded, 0
	}
	previous, err := state.Load(files, cfg.StateFile)
	if err != nil || previous.Raw == nil || previous.Header.Shard != "" {
		return loaded, 0
	}
	ours := func(inc incident.Incident) bool {
		if inc.ProcessID != "" {
			return cfg.Shard.Holds(inc.ProcessID)
		}
		return cfg.Shard.Index == 1
	}
	n := 0
	for key, inc := range previous.State.Open {
		if ours(inc) {
			loaded.State.Open[key] = inc
			n++
		}
	}
	for pid, count := range previous.State.Failing {
		if cfg.Shard.Holds(pid) {
			loaded.State.Failing[pid] = count
		}
	}
	loaded.Header.Lists = previous.Header.Lists
	return loaded, n
}
