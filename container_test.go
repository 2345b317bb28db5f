package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/testkit/ghatest"
)

// GitHub's rules for container actions, checked on the Dockerfile's text
// since no Docker engine runs here.
func TestDockerfileFollowsTheRules(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var from, entrypoints []string
	var instructions []string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		instructions = append(instructions, strings.ToUpper(instr))
		switch strings.ToUpper(instr) {
		case "FROM":
			for _, f := range strings.Fields(rest) {
				if !strings.HasPrefix(f, "--") {
					from = append(from, f)
					break
				}
			}
		case "ENTRYPOINT":
			entrypoints = append(entrypoints, rest)
		}
	}
	if len(from) < 2 {
		t.Errorf("want a multi-stage build, found FROM %v", from)
	}
	pinned := regexp.MustCompile(`^[\w./-]+(:[\w.-]*\d[\w.-]*)?(@sha256:[0-9a-f]{64})?$`)
	for _, image := range from {
		if image == "scratch" {
			continue
		}
		if !pinned.MatchString(image) || !strings.ContainsAny(image, ":@") || strings.HasSuffix(image, ":latest") {
			t.Errorf("base image %q is not pinned to a version", image)
		}
	}
	for _, instr := range instructions {
		if instr == "USER" {
			t.Error("Dockerfile sets USER: GitHub requires container actions to run as root")
		}
	}
	text := string(raw)
	for _, must := range []string{"CGO_ENABLED=0", "-trimpath", "ca-certificates"} {
		if !strings.Contains(text, must) {
			t.Errorf("Dockerfile lacks %q", must)
		}
	}
	if len(entrypoints) != 1 || !regexp.MustCompile(`^\["/[^"]+"`).MatchString(entrypoints[0]) {
		t.Errorf("ENTRYPOINT %v must be exec form with an absolute path", entrypoints)
	}
	// The entrypoint must be what the build stage produced.
	if len(entrypoints) == 1 {
		bin := strings.Trim(strings.SplitN(entrypoints[0], `"`, 3)[1], `"`)
		if !strings.Contains(text, "COPY --from=build /out/nonce-monitor "+bin) {
			t.Errorf("ENTRYPOINT %s is not the binary copied from the build stage", bin)
		}
	}
	if _, err := os.Stat(".dockerignore"); err != nil {
		t.Errorf(".dockerignore: %v", err)
	}
	// A `# syntax=` directive makes BuildKit pull a frontend image on every
	// build. `FROM --platform=$BUILDPLATFORM` builds only with BuildKit: the
	// classic builder (DOCKER_BUILDKIT=0) fails on the empty value
	// ("failed to parse platform"), and podman on a bare "linux" fallback.
	if regexp.MustCompile(`(?im)^#\s*syntax\s*=`).MatchString(text) {
		t.Error("Dockerfile has a # syntax= directive: every BuildKit build would pull a frontend image")
	}
	if m := regexp.MustCompile(`(?im)^FROM\s+--platform\S*`).FindString(text); m != "" {
		t.Errorf("%s: the classic builder or podman cannot build it; the build stage runs on the platform being built", m)
	}
}

// The runner contract: run the real binary as the runner runs the container:
// every input declared in action.yml as INPUT_<NAME> with hyphens kept and
// defaults applied, the workspace as working directory, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, no arguments.
func TestRunnerContract(t *testing.T) {
	t.Parallel()
	fleet := aotest.Start()
	defer fleet.Close()
	pd := pagerdutytest.Start()
	defer pd.Close()
	const healthy, lagging = "4hXj_E-5fAKmo4E8KjgQvuDJKAFk9P2grhycVmISDLs", "L000000000000000000000000000000000000000000"
	fleet.Set(healthy, 14204, 14204)
	fleet.Set(lagging, 14000, 14204)

	workspace, files := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(workspace, "process-ids.txt"), []byte("# ids\n"+healthy+"\n"+lagging+" "+fleet.State.URL+"\n"), 0o644)

	with := map[string]string{ // the workflow's `with:`
		"process-ids-file":      "process-ids.txt",
		"su-router-url":         fleet.Router.URL,
		"pagerduty-events-url":  pd.URL,
		"pagerduty-routing-key": "R0123456789abcdefghijklmnopqrstu",
		"state-url":             fleet.State.URL,
	}
	_, _, declaredOutputs := readActionYML(t)
	cmd := actionCommand(t, workspace, files, with)
	stdout, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("action failed: %v\n%s", err, stdout)
	}

	rawOutputs, _ := os.ReadFile(filepath.Join(files, "set_output_1"))
	outputs, err := ghatest.ParseOutputs(string(rawOutputs))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range declaredOutputs {
		if _, ok := outputs[name]; !ok {
			t.Errorf("output %s declared in action.yml was not set", name)
		}
	}
	for name, want := range map[string]string{"checked-count": "2", "behind-count": "1", "triggered-count": "1", "state-changed": "true", "state-file": ".pagerduty-state.json"} {
		if outputs[name] != want {
			t.Errorf("output %s = %q, want %q", name, outputs[name], want)
		}
	}
	summary, _ := os.ReadFile(filepath.Join(files, "step_summary_1"))
	if !strings.Contains(string(summary), "## 🔴 Nonce monitor: 1 behind of 2 processes") {
		t.Errorf("job summary:\n%s", summary)
	}
	stateFile, err := os.ReadFile(filepath.Join(workspace, ".pagerduty-state.json"))
	if err != nil || !strings.Contains(string(stateFile), "nonce-monitor-mismatch-"+lagging) {
		t.Errorf("state file in the workspace: %v\n%s", err, stateFile)
	}
	if strings.Contains(string(stateFile)+string(summary)+string(rawOutputs), with["pagerduty-routing-key"]) {
		t.Error("the routing key leaked into the state file, summary or outputs")
	}
	if got := pd.Accepted(); len(got) != 1 || got[0].ClientURL != "https://github.com/acme/ao/actions/runs/77" {
		t.Errorf("PagerDuty received %+v", got)
	}
}

// actionCommand is the action as the runner starts it: the real main, every
// action.yml input as INPUT_<NAME> (hyphens kept, defaults applied), the
// workspace as the working directory, fresh file-command files.
func actionCommand(t *testing.T, workspace, files string, with map[string]string) *exec.Cmd {
	t.Helper()
	env := []string{
		runAsMain + "=1",
		"GITHUB_ACTIONS=true", "CI=true", "HOME=" + t.TempDir(),
		"GITHUB_WORKSPACE=" + workspace,
		"GITHUB_OUTPUT=" + filepath.Join(files, "set_output_1"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(files, "step_summary_1"),
		"GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=acme/ao", "GITHUB_RUN_ID=77",
	}
	_, inputs, _ := readActionYML(t)
	for _, in := range inputs {
		v, ok := with[in.Name]
		if !ok {
			v = in.Default
		}
		env = append(env, "INPUT_"+strings.ToUpper(strings.ReplaceAll(in.Name, " ", "_"))+"="+v)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env, cmd.Dir = env, workspace
	return cmd
}
