package main

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The layering rules of ARCHITECTURE.md, held by the import graph of the
// production code (tests may import what they like).
func TestLayersPointOneWay(t *testing.T) {
	t.Parallel()
	const module = "github.com/org/nonce-monitor-action/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, module) {
				imports[pkg] = append(imports[pkg], strings.TrimPrefix(imp, module))
			}
		}
	}
	onlyShell := map[string]bool{"internal/config": true, "internal/console": true, "internal/workspace": true}
	fake := func(p string) bool { return p == "internal/fakeworld" || strings.HasPrefix(p, "internal/fakeworld/") }
	testKit := func(p string) bool { return strings.HasPrefix(p, "internal/testkit/") }
	// Each integration speaks to one thing outside (a service, a file, the
	// runner's report); what passes between them is the domain's (check,
	// incident, trend), never another integration's type.
	integrations := map[string]bool{"internal/ao": true, "internal/pagerduty": true, "internal/slack": true, "internal/state": true,
		"internal/report": true, "internal/processlist": true, "internal/history": true}

	var broken []string
	for pkg, deps := range imports {
		for _, dep := range deps {
			switch {
			case onlyShell[dep] && pkg != "internal/action" && !(dep == "internal/config" && strings.HasPrefix(pkg, "cmd/")):
				broken = append(broken, pkg+" imports "+dep+": only the shell (internal/action) may")
			case pkg == "internal/incident" && dep != "internal/trend":
				broken = append(broken, "the core (internal/incident) imports "+dep+"; it may import only the pure internal/trend")
			case pkg == "internal/check" && dep != "internal/answer":
				broken = append(broken, "the check result (internal/check) imports "+dep+"; it may import only the pure internal/answer")
			case fake(dep) && !fake(pkg) && !strings.HasPrefix(pkg, "cmd/"):
				broken = append(broken, pkg+" imports the stand-in "+dep+": only tests, cmd/bench and cmd/standins may")
			case fake(pkg) && !fake(dep):
				broken = append(broken, "the stand-in "+pkg+" imports "+dep+": it stands for a service, not for the action's client of it")
			case testKit(dep):
				broken = append(broken, pkg+" imports the test helper "+dep+": only tests may")
			case integrations[pkg] && integrations[dep]:
				broken = append(broken, pkg+" imports "+dep+" sideways")
			}
		}
	}
	sort.Strings(broken)
	for _, b := range broken {
		t.Error(b)
	}
	if len(imports["internal/action"]) == 0 {
		t.Fatal("the import graph is empty: this test checks nothing")
	}
}
