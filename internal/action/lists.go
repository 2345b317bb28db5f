package action

// The process lists: read, each problem reported at its file and line.

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/workspace"
)

// lists is what the process lists say.
type lists struct {
	targets  []processlist.Target
	silenced map[string]bool
	skipped  []string // entries taken otherwise than written: warned
	mistyped []string // entries that name no process checked: the step fails
	// mistypedInList: one of them is in a list of processes to check, so
	// a process may be missing from the lists by mistake.
	mistypedInList bool
}

// readLists reads the process lists (paths: the workspace-relative files,
// from workspacePaths) and reports every problem itself: a list file that
// cannot be read, or lists that leave no process to check, return
// errNotReady.
func readLists(con *console.Console, ws *workspace.Dir, cfg config.Config, paths map[string]string) (lists, error) {
	var l lists
	targets, problems, err := processlist.Load(processlist.Sources{
		Inline: cfg.ProcessIDs, IDsFile: paths["process-ids-file"], MapFile: paths["process-map-file"],
		Read: ws.ReadInput, CheckURL: config.CheckURL, Redact: con.Redact, DefaultStateURL: cfg.StateURL,
	})
	var se *processlist.SourceError
	if errors.As(err, &se) {
		err = &config.InputError{Input: se.Source, Err: missingFile(ws, se, paths[se.Source])}
	}
	if err != nil {
		reportConfigErrors(con, err)
		return l, errNotReady
	}
	silenced, silenceProblems := processlist.ParseList("silenced-process-ids", cfg.SilencedIDs, con.Redact)
	problems = append(problems, silenceProblems...)
	for _, p := range problems {
		if !p.Dropped {
			con.WarnAt(p.File, p.Line, p.Message)
			l.skipped = append(l.skipped, p.String())
			continue
		}
		// A typo must not leave a process silently unwatched: the rest are
		// checked, and the step fails (errMistyped) naming each entry.
		con.ErrorAt(p.File, p.Line, "Invalid input: "+p.Input, p.Message+"; fix it: the step fails until then")
		l.mistyped = append(l.mistyped, p.String())
		l.mistypedInList = l.mistypedInList || p.Input != "silenced-process-ids"
	}
	if len(targets) == 0 {
		reportConfigErrors(con, noProcesses(cfg, len(problems)))
		return l, errNotReady
	}
	l.targets = targets
	l.silenced = map[string]bool{}
	for _, pid := range silenced {
		l.silenced[pid] = true
	}
	return l, nil
}

// listInputs are the inputs that name processes.
var listInputs = []string{"process-ids", "process-ids-file", "process-map-file", "silenced-process-ids"}

// lintLists reads the process lists when other inputs have already failed
// the step, so that one run names every mistake: a first run with a
// mistyped routing key also says which list entries are not process IDs.
// It reports what readLists would, and nothing when a list input is
// itself at fault (config.Load has named it) or its file's path is not
// usable (outside the workspace, or a file the action writes: the run
// after the fix names that, as workspacePaths does).
func lintLists(env Env, con *console.Console, cfg config.Config, loadErr error) {
	// pagerduty-test undecodable ("yes") took its default, false; the run
	// it was meant to be likely reads no list.
	if namesInput(loadErr, listInputs...) || namesInput(loadErr, "pagerduty-test") {
		return
	}
	if cfg.PagerDutyTest || cfg.ProcessIDs == "" && cfg.ProcessIDsFile == "" && cfg.ProcessMapFile == "" {
		return // a pagerduty-test run reads no list
	}
	ws, err := workspace.Open(workspaceRoot(env))
	if err != nil {
		return
	}
	defer ws.Close()
	// The paths as the normal path resolves them: a list file that is
	// also a file the action writes (one named by its absolute path, which
	// config.Load cannot see) is a mistake of its path, not a list to read.
	paths, err := workspacePaths(ws, cfg)
	if namesInput(err, listInputs...) {
		return
	}
	_, _ = readLists(con, ws, cfg, paths) // the step fails already; readLists reported what it found
}

// namesInput reports whether err (joined or not) holds an InputError of
// one of inputs.
func namesInput(err error, inputs ...string) bool {
	for _, e := range unjoin(err) {
		var ie *config.InputError
		if errors.As(e, &ie) && slices.Contains(inputs, ie.Input) {
			return true
		}
	}
	return false
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
