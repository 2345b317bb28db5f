package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// docs/try-it.md, as a newcomer follows it: the stand-ins start, the two
// lines they print are pasted, then every shell block after the marker is
// run in order, `go run .` being the action built once. The incident
// opens, PagerDuty and Slack show what they received, and it resolves.
func TestTryItWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool, "is not installed")
		}
	}
	root, _ := filepath.Abs("../..")
	doc, err := os.ReadFile(filepath.Join(root, "docs/try-it.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, walk, ok := strings.Cut(string(doc), "by TestTryItWalkthrough")
	if !ok {
		t.Fatal("docs/try-it.md lost the marker of the blocks this test runs")
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(walk, -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 4 {
		t.Fatalf("%d shell blocks after the marker, want the walkthrough's", len(blocks))
	}

	bin := filepath.Join(t.TempDir(), "nonce-monitor")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s, err := start("127.0.0.1", "127.0.0.1", 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	printed := pasteable(s.inputs, s.workspace, s.story.describe(), time.Hour)
	var paste []string
	for _, line := range strings.Split(printed, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "export CONTROL=") || strings.HasPrefix(t, "pass() {") {
			paste = append(paste, t)
		}
	}
	if len(paste) != 2 {
		t.Fatalf("the stand-ins print %d lines to paste, want 2:\n%s", len(paste), printed)
	}
	script := "set -euo pipefail\n" +
		// The doc's `go run .` is the action, built above.
		`go() { if [ "$1 $2" = "run ." ]; then shift 2; "` + bin + `" "$@"; else command go "$@"; fi; }` + "\n" +
		strings.Join(paste, "\n") + "\n" + strings.Join(blocks, "echo '--- next block'\n")
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"1 behind, 1 failing of 3 processes",
		"PagerDuty: sent 2 triggers; 2 incidents open",
		`"summary": "Process L000000000000000000000000000000000000000000 is 204 slots behind`,
		`"texts": [`,
		"PagerDuty: sent 1 resolve; 1 incident open",
		`"event_action": "resolve"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the walkthrough's output lacks %q:\n%s", want, text)
		}
	}
	if open := s.pd.Open(); len(open) != 1 || !strings.Contains(open[0], "nonce-monitor-error-"+Failing) {
		t.Errorf("PagerDuty holds %v open at the end; want the failing process's error incident alone", open)
	}
	if _, err := os.Stat(filepath.Join(s.workspace, ".pagerduty-state.json")); err != nil {
		t.Errorf("the passes did not write in the stand-ins' workspace: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, ".pagerduty-state.json")); err == nil {
		t.Errorf("a pass wrote its state file into the repository")
	}
}
