package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/inputs.md from config")

// docs/inputs.md is generated from config.Inputs and its docs: a change to
// an input shows there, or this fails (rerun with -update and review the
// diff). The README holds no inputs table, only links to the page.
func TestInputsPage(t *testing.T) {
	page := config.InputsPage()
	if *updateDocs {
		if err := os.WriteFile("docs/inputs.md", []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("docs/inputs.md")
	if err != nil {
		t.Fatalf("%v (rerun with -update to create it)", err)
	}
	if diff := cmp.Diff(page, string(got)); diff != "" {
		t.Errorf("docs/inputs.md is not what config generates (-config +file); rerun with -update:\n%s", diff)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(readme), "| input | default | meaning |") {
		t.Error("README.md has an inputs table: the inputs live in docs/inputs.md only (one generated copy)")
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
