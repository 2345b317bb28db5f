package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// stepScript is the run: script of the named step of a workflow in
// docs/examples, as users copy it.
func stepScript(t *testing.T, workflow, step string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("docs/examples", workflow))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Jobs map[string]struct {
			Steps []struct{ Name, Run string }
		}
	}
	if err := yaml.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			if s.Name == step {
				return s.Run
			}
		}
	}
	t.Fatalf("%s has no step %q", workflow, step)
	return ""
}

// The commit step of commit-state.yml (docs/workflows.md), run as
// written against a local origin: the pass's state file reaches the branch
// however the branch moved, and when it cannot, the step fails loudly and
// keeps the file.
func TestCommitStateNeverLosesAPassState(t *testing.T) {
	for _, tool := range []string{"git", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool, "is not installed")
		}
	}
	script := stepScript(t, "commit-state.yml", "Commit the state file")
	const stateFile = ".pagerduty-state.json"

	for _, tc := range []struct {
		name        string
		ignored     bool                             // .gitignore lists the state file, not yet committed
		meanwhile   func(t *testing.T, other string) // before the step runs, after the checkout
		rejectPush  bool
		wantExit    int
		wantState   string
		wantOther   string // main.txt on the branch
		wantLogHave string
	}{
		{name: "nobody pushed", wantState: "pass", wantOther: "code"},
		{name: "someone pushed code", wantState: "pass", wantOther: "code 2",
			meanwhile: func(t *testing.T, other string) { commitFile(t, other, "main.txt", "code 2") }},
		{name: "someone edited the state file", wantState: "pass", wantOther: "code",
			wantLogHave: "::warning::" + stateFile + " changed on main while this pass ran",
			meanwhile:   func(t *testing.T, other string) { commitFile(t, other, stateFile, "by hand") }},
		{name: "every push rejected", rejectPush: true, wantExit: 1, wantState: "before", wantOther: "code",
			wantLogHave: "::error::could not push " + stateFile + " to main after 5 attempts"},
		// The old monitor's guide has the state file in .gitignore.
		{name: "gitignored, first commit", ignored: true, wantState: "pass", wantOther: "code"},
		{name: "gitignored, someone pushed code", ignored: true, wantState: "pass", wantOther: "code 2",
			meanwhile: func(t *testing.T, other string) { commitFile(t, other, "main.txt", "code 2") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("HOME", dir) // no user git configuration
			t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			origin := filepath.Join(dir, "origin.git")
			git(t, dir, "init", "-q", "--bare", "-b", "main", origin)
			seed := clone(t, origin, filepath.Join(dir, "seed"))
			commitFile(t, seed, "main.txt", "code")
			if tc.ignored {
				commitFile(t, seed, ".gitignore", stateFile+"\n.nonce-monitor-*.json")
			} else {
				commitFile(t, seed, stateFile, "before")
			}
			checkout := clone(t, origin, filepath.Join(dir, "run"))
			if tc.meanwhile != nil {
				tc.meanwhile(t, clone(t, origin, filepath.Join(dir, "other")))
			}
			if tc.rejectPush {
				hook := filepath.Join(origin, "hooks", "pre-receive")
				if err := os.WriteFile(hook, []byte("#!/bin/sh\necho protected branch >&2\nexit 1\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			// The pass wrote its state; the step runs. Its back-off sleeps
			// are skipped: a `sleep` that returns at once comes first in PATH.
			os.WriteFile(filepath.Join(checkout, stateFile), []byte("pass\n"), 0o644)
			bin, temp := filepath.Join(dir, "bin"), filepath.Join(dir, "runner-temp")
			os.Mkdir(bin, 0o755)
			os.Mkdir(temp, 0o755)
			os.WriteFile(filepath.Join(bin, "sleep"), []byte("#!/bin/sh\nexit 0\n"), 0o755)
			cmd := exec.Command("bash", "-c", script)
			cmd.Dir = checkout
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "RUNNER_TEMP="+temp,
				"STATE_FILE="+stateFile, "BRANCH=main", "GITHUB_RUN_ID=42")
			out, _ := cmd.CombinedOutput()
			if got := cmd.ProcessState.ExitCode(); got != tc.wantExit {
				t.Fatalf("exit %d, want %d:\n%s", got, tc.wantExit, out)
			}
			if tc.wantLogHave != "" && !strings.Contains(string(out), tc.wantLogHave) {
				t.Errorf("log lacks %q:\n%s", tc.wantLogHave, out)
			}
			if got := show(t, origin, stateFile); got != tc.wantState {
				t.Errorf("state file on the branch = %q, want %q", got, tc.wantState)
			}
			if got := show(t, origin, "main.txt"); got != tc.wantOther {
				t.Errorf("main.txt on the branch = %q, want %q (another commit was lost)", got, tc.wantOther)
			}
			if tc.wantExit != 0 {
				// What the artifact step uploads.
				if kept, err := os.ReadFile(filepath.Join(temp, "state-file")); err != nil || string(kept) != "pass\n" {
					t.Errorf("the pass's state file was not kept for the artifact: %q, %v", kept, err)
				}
			}
		})
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func clone(t *testing.T, origin, dir string) string {
	t.Helper()
	git(t, filepath.Dir(dir), "clone", "-q", origin, dir)
	git(t, dir, "config", "user.name", "someone")
	git(t, dir, "config", "user.email", "someone@example.com")
	return dir
}

func commitFile(t *testing.T, repo, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(repo, name), []byte(content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "add", name)
	git(t, repo, "commit", "-q", "-m", "someone: "+name)
	git(t, repo, "push", "-q", "origin", "HEAD:main")
}

func show(t *testing.T, origin, name string) string {
	t.Helper()
	return git(t, origin, "show", "main:"+name)
}

// Every place a user copies a commit of the state file from adds it with
// -f: the old monitor's guide lists the state file in .gitignore, and a
// plain `git add` of an ignored file fails the step.
func TestEveryCopiedCommitForcesTheStateFile(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("docs/examples/*.yml")
	docs, _ := filepath.Glob("docs/*.md")
	files = append(append(files, docs...), "README.md")
	adds := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if !strings.Contains(line, "git add") || !strings.Contains(strings.ToLower(line), "state") {
				continue
			}
			adds++
			if !strings.Contains(line, "git add -f") {
				t.Errorf("%s:%d: %q fails when .gitignore lists the state file: use git add -f", f, i+1, strings.TrimSpace(line))
			}
		}
	}
	if adds == 0 {
		t.Error("no git add of the state file found: the commit example moved?")
	}
}
