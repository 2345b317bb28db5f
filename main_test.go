package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/report"
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
