package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/report"
	"github.com/org/nonce-monitor-action/internal/testkit/ghatest"
	"go.yaml.in/yaml/v3"
)

// The test binary doubles as the action: with this variable set it runs
// the real main, so the runner-contract test execs exactly what ships.
const runAsMain = "NONCE_MONITOR_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMain) == "1" {
		os.Args = os.Args[:1] // the runner passes no args: action.yml has none
		main()
		return
	}
	os.Exit(m.Run())
}

type actionYML struct {
	Name        string
	Description string
	Branding    struct{ Icon, Color string }
	Inputs      yaml.Node
	Outputs     yaml.Node
	Runs        struct {
		Using string
		Image string
		Args  []string
	}
}

type ymlInput struct {
	Name, Description, Default string
	HasDefault                 bool
}

// readActionYML returns action.yml and its inputs and outputs in file order.
func readActionYML(t *testing.T) (actionYML, []ymlInput, []string) {
	t.Helper()
	raw, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionYML
	if err := yaml.Unmarshal(raw, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	var inputs []ymlInput
	for i := 0; i+1 < len(a.Inputs.Content); i += 2 {
		var in struct {
			Description string
			Default     *string
		}
		if err := a.Inputs.Content[i+1].Decode(&in); err != nil {
			t.Fatal(err)
		}
		y := ymlInput{Name: a.Inputs.Content[i].Value, Description: in.Description}
		if in.Default != nil {
			y.Default, y.HasDefault = *in.Default, true
		}
		inputs = append(inputs, y)
	}
	var outputs []string
	for i := 0; i+1 < len(a.Outputs.Content); i += 2 {
		outputs = append(outputs, a.Outputs.Content[i].Value)
	}
	return a, inputs, outputs
}

// docTable returns the first column and, if present, the second column of
// the Markdown table under heading (a whole line, "# Inputs" or "## Outputs")
// in the file, up to the next "## " heading, with backticks removed.
func docTable(t *testing.T, file, heading string) (names, seconds []string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut("\n"+string(raw), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no %q section", file, heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		names = append(names, strings.Trim(cells[0], "| `"))
		second := strings.Trim(cells[1], "`")
		if second == `""` {
			second = ""
		}
		seconds = append(seconds, second)
	}
	if len(names) == 0 {
		t.Fatalf("%s has no table under %q", file, heading)
	}
	return names, seconds
}

// One source of truth: the Go Inputs struct. action.yml and the table of
// docs/inputs.md must declare the same inputs, in the same order, with the
// same defaults.
func TestInputsAgree(t *testing.T) {
	t.Parallel()
	type nameDefault struct{ Name, Default string }
	var fromGo []nameDefault
	for _, s := range config.Specs() {
		fromGo = append(fromGo, nameDefault{s.Name, s.Default})
	}
	_, inputs, _ := readActionYML(t)
	var fromYML []nameDefault
	for _, in := range inputs {
		if !in.HasDefault || strings.TrimSpace(in.Description) == "" {
			t.Errorf("action.yml input %s needs a description and an explicit default", in.Name)
		}
		fromYML = append(fromYML, nameDefault{in.Name, in.Default})
	}
	if diff := cmp.Diff(fromGo, fromYML); diff != "" {
		t.Errorf("action.yml inputs differ from the Go configuration (-go +action.yml):\n%s", diff)
	}
	names, defaults := docTable(t, "docs/inputs.md", "# Inputs")
	var fromPage []nameDefault
	for i := range names {
		fromPage = append(fromPage, nameDefault{names[i], defaults[i]})
	}
	if diff := cmp.Diff(fromGo, fromPage); diff != "" {
		t.Errorf("docs/inputs.md's table differs from the Go configuration (-go +docs):\n%s", diff)
	}
}

// The inputs page calls an input secret exactly when its field is declared
// secret (config.Spec.Secret), and gives the range declared on a bounded one.
func TestInputsPageSecretsAndRangesAgree(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("docs/inputs.md")
	if err != nil {
		t.Fatal(err)
	}
	section, _, _ := strings.Cut(string(raw), "\n## ")
	says, rows := map[string]bool{}, map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if cells := strings.SplitN(line, " | ", 3); strings.HasPrefix(line, "| `") && len(cells) == 3 {
			name := strings.Trim(cells[0], "| `")
			says[name], rows[name] = strings.Contains(strings.ToLower(cells[2]), "secret"), cells[2]
		}
	}
	for _, s := range config.Specs() {
		if says[s.Name] != s.Secret {
			t.Errorf("docs/inputs.md's row of %s calls it secret: %v; declared secret: %v", s.Name, says[s.Name], s.Secret)
		}
		if lo, hi, _, ok := s.Bounds(); ok && !strings.Contains(rows[s.Name], lo+" to "+hi) {
			t.Errorf("docs/inputs.md's row of %s does not give its range (%s to %s, as declared)", s.Name, lo, hi)
		}
	}
}

// The flags that are not inputs are documented in docs/outputs.md (where
// a terminal run is), and are not in the inputs table or action.yml
// (TestInputsAgree holds those to the inputs alone).
func TestTerminalFlagsAreDocumented(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile("docs/outputs.md")
	if err != nil {
		t.Fatal(err)
	}
	_, terminal, _ := strings.Cut(string(page), "\n## On a terminal\n")
	for _, f := range config.TerminalFlags {
		if !strings.Contains(terminal, "`--"+f.Name) {
			t.Errorf("docs/outputs.md's *On a terminal* does not document the --%s flag", f.Name)
		}
	}
}

func TestOutputsAgree(t *testing.T) {
	t.Parallel()
	_, _, outputs := readActionYML(t)
	if diff := cmp.Diff(report.OutputNames, outputs); diff != "" {
		t.Errorf("action.yml outputs differ from the code (-code +action.yml):\n%s", diff)
	}
	names, _ := docTable(t, "docs/outputs.md", "## Outputs")
	if diff := cmp.Diff(report.OutputNames, names); diff != "" {
		t.Errorf("docs/outputs.md's outputs table differs from the code (-code +docs):\n%s", diff)
	}
}

func TestActionMetadata(t *testing.T) {
	t.Parallel()
	a, _, _ := readActionYML(t)
	if a.Name == "" || a.Description == "" || a.Branding.Icon == "" || a.Branding.Color == "" {
		t.Errorf("action.yml needs name, description and branding: %+v", a)
	}
	if a.Runs.Using != "docker" || a.Runs.Image != "Dockerfile" {
		t.Errorf("runs = %+v, want using: docker, image: Dockerfile", a.Runs)
	}
}

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

// The README's workflow is the one actionlint checks in CI, byte for byte.
func TestREADMEWorkflowIsTheCheckedExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("docs/examples/minimal.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```") {
		t.Error("README's workflow differs from docs/examples/minimal.yml; copy the example into the README")
	}
}
