package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
)

// docs/examples/run-loop.sh as operating.md tells to run it, with `docker`
// a stand-in that runs the action built here the way the image runs it:
// the volume as the working directory, only the --env variables passed,
// the arguments after the image as the entrypoint's. Two passes share the
// state directory: the first opens an incident, the second resolves it.
func TestRunLoopRecipe(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "nonce-monitor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	shim := `#!/usr/bin/env bash
set -euo pipefail
[ "$1" = run ] || { echo "docker shim: only run" >&2; exit 2; }; shift
vol= wd= envs=()
while [ $# -gt 0 ]; do
  case $1 in
    --rm) shift ;;
    --volume) vol=$2; shift 2 ;;
    --workdir) wd=$2; shift 2 ;;
    --env) envs+=("$2=${!2}"); shift 2 ;;
    -*) echo "docker shim: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ "$wd" = "${vol#*:}" ] || { echo "docker shim: workdir $wd is not the volume" >&2; exit 2; }
shift # the image
cd "${vol%%:*}"
# Inputs the pass needs to reach the stand-ins, as a test adds them.
exec env -i "${envs[@]}" "PATH=$PATH" "` + bin + `" "$@" $STANDIN_FLAGS
`
	os.WriteFile(filepath.Join(dir, "docker"), []byte(shim), 0o755)

	fleet := aotest.Start()
	defer fleet.Close()
	pd := pagerdutytest.Start()
	defer pd.Close()
	const lagging = "L000000000000000000000000000000000000000000"
	fleet.Set(lagging, 1000, 1200)
	state := filepath.Join(dir, "state")
	os.Mkdir(state, 0o755)
	os.WriteFile(filepath.Join(state, "process-ids.txt"), []byte(lagging+"\n"), 0o644)
	// sleep returns at once (the loop's wait is not the test's), and says
	// it was called with the recipe's interval.
	os.WriteFile(filepath.Join(dir, "sleep"), []byte("#!/bin/sh\n[ \"$1\" = 60 ] || exit 3\ntouch "+filepath.Join(dir, "slept")+"\n"), 0o755)

	run := func(passes string) string {
		cmd := exec.Command("bash", "docs/examples/run-loop.sh")
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "STATE_DIR="+state, "IMAGE=nonce-monitor:test",
			"PASSES="+passes, "PAGERDUTY_ROUTING_KEY=R0123456789abcdefghijklmnopqrstu",
			"STANDIN_FLAGS=--state-url "+fleet.State.URL+" --su-router-url "+fleet.Router.URL+" --pagerduty-events-url "+pd.URL)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run-loop.sh: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run("1")
	if open := pd.Open(); len(open) != 1 || !strings.Contains(open[0], lagging) {
		t.Fatalf("after the first pass PagerDuty holds %v open:\n%s", open, out)
	}
	fleet.Set(lagging, 1200, 1200)
	out = run("2")
	if open := pd.Open(); len(open) != 0 {
		t.Errorf("after the process recovered, PagerDuty still holds %v open:\n%s", open, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "slept")); err != nil {
		t.Error("the loop never waited between passes")
	}
	for _, f := range []string{".pagerduty-state.json", ".nonce-monitor-history.json", ".nonce-monitor-report.json"} {
		if _, err := os.Stat(filepath.Join(state, f)); err != nil {
			t.Errorf("%s not kept in the state directory: %v", f, err)
		}
	}
	if strings.Contains(out, "R0123456789abcdefghijklmnopqrstu") {
		t.Error("the routing key was printed")
	}
}
