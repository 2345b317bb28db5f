package action

// Everything read before the first network request: the inputs, the
// workspace paths, the process lists, the history and the state file.

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
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
	if err != nil {
		reportConfigErrors(con, err)
		return cfg, errNotReady
	}
	con.AddSecrets(cfg.Secrets()...)
	con.SetVerbose(cfg.Verbose)
	con.SetTerminal(cfg.SummaryFile, cfg.JSON, env.Stderr)
	for _, u := range []string{cfg.StateURL, cfg.SURouterURL, cfg.EventsURL, cfg.APIURL} {
		con.AddSecrets(escape.Credentials(u)...)
	}
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

	root := env.Getenv("GITHUB_WORKSPACE")
	if root == "" {
		root = "."
	}
	ws, err := workspace.Open(root)
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
	targets, problems, err := processlist.Load(processlist.Sources{
		Inline: cfg.ProcessIDs, IDsFile: paths["process-ids-file"], MapFile: paths["process-map-file"],
		Read: ws.ReadInput, CheckURL: config.CheckURL, DefaultStateURL: cfg.StateURL,
	})
	var se *processlist.SourceError
	if errors.As(err, &se) {
		err = &config.InputError{Input: se.Source, Err: missingFile(ws, se, paths[se.Source])}
	}
	if err != nil {
		reportConfigErrors(con, err)
		return s, mem, errNotReady
	}
	silenced, silenceProblems := processlist.ParseList("silenced-process-ids", cfg.SilencedIDs)
	problems = append(problems, silenceProblems...)
	listMistyped := false
	for _, p := range problems {
		if !p.Dropped {
			con.WarnAt(p.File, p.Line, p.Message)
			s.skipped = append(s.skipped, p.String())
			continue
		}
		// A typo must not leave a process silently unwatched: the rest are
		// checked, and the step fails (errMistyped) naming each entry.
		con.ErrorAt(p.File, p.Line, "Invalid input: "+p.Input, p.Message+"; fix it: the step fails until then")
		s.mistyped = append(s.mistyped, p.String())
		listMistyped = listMistyped || p.Input != "silenced-process-ids"
	}
	if len(targets) == 0 {
		reportConfigErrors(con, noProcesses(cfg, len(problems)))
		return s, mem, errNotReady
	}
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
	s.silenced = map[string]bool{}
	for _, pid := range silenced {
		s.silenced[pid] = true
	}

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
	if listMistyped && !s.narrowed {
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

// missingFile says, for a list file that does not exist, where it was
// looked for and how to put it there; any other failure as it is.
func missingFile(ws *workspace.Dir, se *processlist.SourceError, rel string) error {
	if !errors.Is(se.Err, fs.ErrNotExist) {
		return se.Err
	}
	shape, instead := "one process ID per line", "list the IDs in process-ids instead"
	if se.Source == "process-map-file" {
		shape, instead = `a JSON object {"<process ID>": "<state server URL>"}`, "use process-ids-file or process-ids instead"
	}
	return fmt.Errorf("%s is not in the workspace: looked for %s. Create it there (%s; in a workflow, commit it to the "+
		"repository and check the repository out before this step with actions/checkout), fix the path (relative to the "+
		"workspace), or %s", rel, ws.Abs(rel), shape, instead)
}

// reportConfigErrors annotates each configuration problem, titled with the
// input at fault when there is one.
func reportConfigErrors(con *console.Console, err error) {
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		title := "Invalid configuration"
		var ie *config.InputError
		if errors.As(e, &ie) {
			title = "Invalid input: " + ie.Input
		}
		con.Errorf(title, "%v", e)
	}
}

// noProcesses is the error of lists that name no process to check, naming
// the inputs that were set (process-ids when none was).
func noProcesses(cfg config.Config, bad int) error {
	var set []string
	for _, in := range []struct{ name, value string }{
		{"process-ids", cfg.ProcessIDs}, {"process-ids-file", cfg.ProcessIDsFile}, {"process-map-file", cfg.ProcessMapFile},
	} {
		if strings.TrimSpace(in.value) != "" {
			set = append(set, in.name)
		}
	}
	if len(set) == 0 {
		return &config.InputError{Input: "process-ids", Err: errors.New("no process to check: set process-ids, process-ids-file or process-map-file")}
	}
	why := "it lists none"
	if len(set) > 1 {
		why = "they list none"
	}
	if bad > 0 {
		why += fmt.Sprintf(" but %s not a process ID", report.Count(bad, "entry that is", "entries that are"))
	}
	return &config.InputError{Input: strings.Join(set, ", "), Err: fmt.Errorf("no process to check: %s", why)}
}
