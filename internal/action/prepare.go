package action

// Everything read before the first network request: the inputs, the
// workspace paths, the process lists, the history and the state file.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/state"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// setup is what a pass starts from, read before the first network
// request: the configuration, the processes to check, the workspace and
// the state file. No stage changes it. What the history file remembers is
// apart (earlier): the checks read it and recordHistory takes it over.
type setup struct {
	cfg        config.Config
	targets    []processlist.Target
	silenced   map[string]bool
	skipped    []string
	mistyped   []string // entries that name no process checked: the step fails (said by prepare)
	ws         *workspace.Dir
	statePath  string // workspace-relative
	reportPath string
	loaded     state.Loaded
	header     state.Header // what the state file is written with
	narrowed   bool         // the lists, or a manual run's processes, differ from the state file's
	owner      string       // the job's Owner in its dedup keys (ownerOf)
	notes      []string     // what the summary repeats about the state file
}

// loadConfig reads the inputs and registers the secrets before anything
// else is printed, so no later line can leak them. It reports every
// problem itself.
func loadConfig(env Env, con *console.Console) (config.Config, error) {
	cfg, err := config.Load(env.Args, env.Getenv, env.Stdout)
	if errors.Is(err, config.ErrHelp) {
		return cfg, err
	}
	// Also of a configuration with mistakes: lintLists prints list
	// entries, which may quote them.
	con.AddSecrets(cfg.Secrets()...)
	for _, u := range []string{cfg.StateURL, cfg.SURouterURL, cfg.EventsURL, cfg.APIURL} {
		con.AddSecrets(escape.Credentials(u)...)
	}
	if err != nil {
		reportConfigErrors(con, err)
		lintLists(env, con, cfg, err)
		return cfg, errNotReady
	}
	con.SetVerbose(cfg.Verbose)
	con.SetTerminal(cfg.SummaryFile, cfg.JSON, env.Stderr)
	for _, w := range cfg.Warnings {
		con.Warnf("Input", "%s", w)
	}
	return cfg, nil
}

// prepare reads the process lists, the history file and the state file.
// It makes no network request. It reports every problem itself and
// returns errNotReady; the workspace it opens is closed by the pass's end,
// or here when it returns an error.
func prepare(env Env, con *console.Console, cfg config.Config) (s setup, mem earlier, err error) {
	defer func() {
		if err != nil && s.ws != nil {
			s.ws.Close()
		}
	}()
	s.cfg = cfg

	ws, err := workspace.Open(workspaceRoot(env))
	if err != nil {
		con.Errorf("Workspace", "%v", err)
		return s, mem, errNotReady
	}
	s.ws = ws
	paths, err := workspacePaths(ws, cfg)
	if err != nil {
		reportConfigErrors(con, err)
		return s, mem, errNotReady
	}
	s.statePath, s.reportPath = paths["state-file"], paths["report-file"]
	l, err := readLists(con, ws, cfg, paths)
	if err != nil {
		return s, mem, err
	}
	targets := l.targets
	s.skipped, s.mistyped = l.skipped, l.mistyped
	if cfg.Shard.Enabled() {
		all := len(targets)
		targets = slices.DeleteFunc(targets, func(t processlist.Target) bool { return !cfg.Shard.Holds(t.ProcessID) })
		con.Logf("shard %s: %d of %d processes", cfg.Shard, len(targets), all)
		if len(targets) == 0 {
			con.Warnf("Shard", "shard %s holds none of the %d processes; use fewer shards", cfg.Shard, all)
		}
	}
	s.targets = targets
	for _, t := range targets {
		con.AddSecrets(escape.Credentials(t.StateURL)...)
	}
	s.silenced = l.silenced

	mem = loadEarlier(con, &s, paths["history-file"])
	stateInput, err := ws.Rel(cfg.StateFile)
	if err != nil {
		stateInput = cfg.StateFile // reported with the paths above; never reached
	}
	s.owner = ownerOf(env.Getenv("GITHUB_REPOSITORY"), stateInput)
	manual := env.Getenv("GITHUB_EVENT_NAME") == "workflow_dispatch"
	if err := s.loadState(con, ws, manual); err != nil {
		return s, mem, err
	}
	if l.mistypedInList && !s.narrowed {
		// The mistyped entry may be a process with an open incident: it is
		// held, not resolved as removed, since nothing says it recovered.
		s.narrowed = true
		s.notes = append(s.notes, "a process list has an entry that is not a process: incidents of processes not listed are held, not resolved")
	}
	return s, mem, nil
}

// workspacePaths resolves every path input to a workspace-relative path,
// and checks the files the action writes can be written (missing, or a
// regular file), before any request. Every bad path is reported.
func workspacePaths(ws *workspace.Dir, cfg config.Config) (map[string]string, error) {
	paths := map[string]string{}
	var errs []error
	for _, in := range []struct {
		input, value string
		written      bool
	}{
		{"state-file", cfg.EffectiveStateFile(), true},
		{"report-file", cfg.EffectiveReportFile(), true},
		{"history-file", cfg.EffectiveHistoryFile(), true},
		{"process-ids-file", cfg.ProcessIDsFile, false},
		{"process-map-file", cfg.ProcessMapFile, false},
	} {
		if in.value == "" {
			continue
		}
		rel, err := ws.Rel(in.value)
		if err == nil {
			// config.Load compares the inputs as written; an absolute path
			// inside the workspace is the same file as its relative form.
			for other, p := range paths {
				if p == rel {
					err = fmt.Errorf("names the same file as %s (%s): each file input needs a file of its own", other, rel)
				}
			}
		}
		if err == nil && in.written {
			err = ws.CheckWritable(rel)
		}
		if err != nil {
			errs = append(errs, &config.InputError{Input: in.input, Err: err})
			continue
		}
		paths[in.input] = rel
	}
	return paths, errors.Join(errs...)
}

// reportConfigErrors annotates each configuration problem, titled with the
// input at fault when there is one.
func reportConfigErrors(con *console.Console, err error) {
	for _, e := range unjoin(err) {
		title := "Invalid configuration"
		var ie *config.InputError
		if errors.As(e, &ie) {
			title = "Invalid input: " + ie.Input
		}
		con.Errorf(title, "%v", e)
	}
}

// unjoin is the errors errors.Join joined, or err alone.
func unjoin(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}

// workspaceRoot is the folder the action's files are in: the runner's
// workspace, or the working directory outside Actions.
func workspaceRoot(env Env) string {
	if root := env.Getenv("GITHUB_WORKSPACE"); root != "" {
		return root
	}
	return "."
}
