package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
)

// buildContext says whether Docker sends a file (slash-separated, relative
// to the context's root) with the build, by the repository's .dockerignore
// and Docker's own matching (moby/patternmatcher).
func buildContext(t *testing.T) func(name string) bool {
	t.Helper()
	f, err := os.Open(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return func(name string) bool {
		excluded, err := pm.MatchesOrParentMatches(name)
		if err != nil {
			t.Fatal(err)
		}
		return !excluded
	}
}

// The build context is exactly what `go build .` reads: the module files
// and the Go files of the packages main depends on. Nothing else in the
// repository is sent.
func TestDockerignoreKeepsOnlyTheSource(t *testing.T) {
	t.Parallel()
	sent := buildContext(t)
	out, err := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, _ := os.Getwd()
	need := []string{"go.mod", "go.sum"}
	for _, abs := range strings.Fields(string(out)) {
		rel, _ := filepath.Rel(root, abs)
		need = append(need, filepath.ToSlash(rel))
	}
	tracked, err := exec.Command("git", "ls-files").Output()
	if err != nil {
		t.Skip("not a git checkout:", err)
	}
	var context []string
	for _, name := range strings.Split(strings.TrimSpace(string(tracked)), "\n") {
		if sent(name) {
			context = append(context, name)
		}
	}
	slices.Sort(need)
	for _, n := range need {
		if !sent(n) {
			t.Errorf("%s is needed by the build and left out of the context", n)
		}
	}
	// Packages main does not import (cmd/, the stand-ins) may be sent while
	// they are Go files of internal/; nothing that is not Go source may be.
	for _, name := range context {
		if !slices.Contains(need, name) && !(strings.HasPrefix(name, "internal/") && strings.HasSuffix(name, ".go")) {
			t.Errorf("%s is in the build context but the build does not read it", name)
		}
	}
}

// Every file a pass writes into the workspace stays out of the build
// context, whatever the inputs name it: a `uses: ./` step after a pass
// must not rebuild the image because the state or history file changed.
func TestDockerignoreKeepsWhatAPassWritesOut(t *testing.T) {
	t.Parallel()
	sent := buildContext(t)
	fleet := aotest.Start()
	defer fleet.Close()
	pd := pagerdutytest.Start()
	defer pd.Close()
	const lagging = "L000000000000000000000000000000000000000000"
	fleet.Set(lagging, 14000, 14204)
	workspace := t.TempDir()
	for _, with := range []map[string]string{
		{}, // the default names
		{"shard": "1/2"},
		{"state-file": "monitor/state.prod.json", "report-file": "monitor/report.prod.json", "history-file": "monitor/history.prod.json"},
		{"state-file": "internal/state.json", "report-file": "internal/ao/report.json", "history-file": "internal/history.go.json"},
	} {
		with["process-ids"] = lagging
		with["su-router-url"], with["state-url"] = fleet.Router.URL, fleet.State.URL
		with["pagerduty-events-url"], with["pagerduty-routing-key"] = pd.URL, "R0123456789abcdefghijklmnopqrstu"
		os.MkdirAll(filepath.Join(workspace, "monitor"), 0o755)
		os.MkdirAll(filepath.Join(workspace, "internal/ao"), 0o755)
		// A corrupt state file is kept as a .corrupt copy beside it.
		state := with["state-file"]
		if state == "" {
			state = ".pagerduty-state.json"
		}
		os.WriteFile(filepath.Join(workspace, state), []byte("not json"), 0o644)
		if out, err := actionCommand(t, workspace, t.TempDir(), with).CombinedOutput(); err != nil {
			t.Fatalf("pass with %v: %v\n%s", with, err, out)
		}
	}
	var written []string
	filepath.WalkDir(workspace, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(workspace, path)
			written = append(written, filepath.ToSlash(rel))
		}
		return nil
	})
	want := []string{
		".nonce-monitor-history.json", ".nonce-monitor-history.shard-1-of-2.json", ".nonce-monitor-report.json",
		".nonce-monitor-report.shard-1-of-2.json", ".pagerduty-state.json", ".pagerduty-state.json.corrupt",
		".pagerduty-state.shard-1-of-2.json", "internal/ao/report.json", "internal/history.go.json", "internal/state.json",
		"internal/state.json.corrupt", "monitor/history.prod.json", "monitor/report.prod.json", "monitor/state.prod.json",
		"monitor/state.prod.json.corrupt",
	}
	if diff := cmp.Diff(want, written); diff != "" {
		t.Errorf("the passes wrote other files than expected (-want +got):\n%s", diff)
	}
	for _, name := range written {
		if sent(name) {
			t.Errorf("%s, written by a pass, is in the build context", name)
		}
	}
}
