package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/inputs.md and the README's inputs table from config")

// docs/inputs.md is generated from config.Inputs and its docs, and so is
// the README's inputs table: a change to an input shows in both, or this
// fails (rerun with -update and review the diff).
func TestInputsPage(t *testing.T) {
	page := config.InputsPage()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok := strings.Cut(string(readme), "\n## Inputs\n")
	start := strings.Index(rest, "| input | default | meaning |\n")
	if !ok || start < 0 {
		t.Fatal("README has no inputs table under ## Inputs")
	}
	end := start + strings.Index(rest[start:], "\n\n") + 1
	if *updateDocs {
		os.WriteFile("docs/inputs.md", []byte(page), 0o644)
		readme = []byte(head + "\n## Inputs\n" + rest[:start] + config.InputsTable() + rest[end:])
		os.WriteFile("README.md", readme, 0o644)
		return
	}
	got, err := os.ReadFile("docs/inputs.md")
	if err != nil {
		t.Fatalf("%v (rerun with -update to create it)", err)
	}
	if diff := cmp.Diff(page, string(got)); diff != "" {
		t.Errorf("docs/inputs.md is not what config generates (-config +file); rerun with -update:\n%s", diff)
	}
	if diff := cmp.Diff(config.InputsTable(), rest[start:end]); diff != "" {
		t.Errorf("README's inputs table is not what config generates (-config +README); rerun with -update:\n%s", diff)
	}
}

// Every input has its meaning written, and a secret input's says so, a
// ranged input's gives its range.
func TestEveryInputIsDocumented(t *testing.T) {
	t.Parallel()
	for _, s := range config.Specs() {
		doc := strings.ToLower(s.Doc)
		switch {
		case s.Doc == "":
			t.Errorf("input %s has no doc in internal/config/inputdocs.go", s.Name)
		case strings.Contains(doc, "secret") != s.Secret:
			t.Errorf("the doc of %s calls it secret: %v; declared secret: %v", s.Name, !s.Secret, s.Secret)
		}
		if lo, hi, _, ok := s.Bounds(); ok && !strings.Contains(s.Doc, lo+" to "+hi) {
			t.Errorf("the doc of %s does not give its range (%s to %s)", s.Name, lo, hi)
		}
	}
}
