package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// mdLink is a Markdown link or image target: "](target)" or "](target "title")".
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// prose is a Markdown file without its fenced code blocks, where a "](" is
// code, not a link.
func prose(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fenced := false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// anchors are the fragment names GitHub gives a file's headings: lower
// case, letters, digits, '-' and '_' kept, spaces made '-', the rest dropped;
// a repeated heading gets "-1", "-2", ...
func anchors(t *testing.T, file string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range strings.Split(prose(t, file), "\n") {
		text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !ok || !strings.HasPrefix(line, "#") || len(line)-len(strings.TrimLeft(line, "#")) > 6 {
			continue
		}
		var slug strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				slug.WriteRune('-')
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				slug.WriteRune(r)
			}
		}
		name := slug.String()
		for i := 1; seen[name]; i++ {
			name = slug.String() + "-" + strconv.Itoa(i)
		}
		seen[name] = true
	}
	return seen
}

// docFiles are the Markdown files a reader browses: the README, the two
// top-level notes and every page under docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("docs/*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs pages: %v", err)
	}
	return append([]string{"README.md", "ARCHITECTURE.md", "BENCHMARKS.md"}, pages...)
}

// Every relative link in the README and the docs reaches a file of the
// repository, and every #fragment a heading of its target.
func TestDocsLinks(t *testing.T) {
	t.Parallel()
	links := 0
	for _, file := range docFiles(t) {
		for _, m := range mdLink.FindAllStringSubmatch(prose(t, file), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			path, fragment, _ := strings.Cut(target, "#")
			resolved := file
			if path != "" {
				resolved = filepath.Join(filepath.Dir(file), path)
				if _, err := os.Stat(resolved); err != nil {
					t.Errorf("%s: link to %s: no such file (%s)", file, target, resolved)
					continue
				}
			}
			if fragment != "" && strings.HasSuffix(resolved, ".md") && !anchors(t, resolved)[fragment] {
				t.Errorf("%s: link to %s: %s has no heading #%s", file, target, resolved, fragment)
			}
		}
	}
	if links < 50 {
		t.Errorf("only %d relative links found: is the link pattern still right?", links)
	}
}

// Every page under docs/ is reachable from the README in one click, and so
// is the picture of the summary.
func TestEveryDocsPageIsLinkedFromTheREADME(t *testing.T) {
	t.Parallel()
	var linked []string
	for _, m := range mdLink.FindAllStringSubmatch(prose(t, "README.md"), -1) {
		path, _, _ := strings.Cut(m[1], "#")
		linked = append(linked, filepath.Clean(path))
	}
	pages, _ := filepath.Glob("docs/*.md")
	for _, want := range append(pages, "docs/summary.png") {
		if !slices.Contains(linked, want) {
			t.Errorf("README.md does not link %s", want)
		}
	}
}

// Every example workflow is in the table of docs/workflows.md, with the
// permissions it asks for, and does what the page says they all do: a
// five-minute schedule, a manual run, passes that queue and are never
// cancelled.
func TestEveryExampleIsInTheWorkflowsPage(t *testing.T) {
	t.Parallel()
	page := prose(t, "docs/workflows.md")
	examples, _ := filepath.Glob("docs/examples/*.yml")
	if len(examples) < 2 {
		t.Fatal("no examples found")
	}
	for _, ex := range examples {
		name := filepath.Base(ex)
		row := ""
		for _, line := range strings.Split(page, "\n") {
			if strings.HasPrefix(line, "| [`"+name+"`]") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("docs/workflows.md's table has no row for %s", name)
			continue
		}
		raw, _ := os.ReadFile(ex)
		for _, want := range []string{`cron: "*/5 * * * *"`, "\n  workflow_dispatch:", "concurrency:", "cancel-in-progress: false"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("%s lacks %q, which docs/workflows.md says every example has", name, want)
			}
		}
		_, perms, _ := strings.Cut(string(raw), "\npermissions:\n")
		perms, _, _ = strings.Cut(perms, "\n\n")
		for _, line := range strings.Split(perms, "\n") {
			perm, _, _ := strings.Cut(strings.TrimSpace(line), " #")
			if perm != "" && !strings.Contains(row, "`"+perm+"`") {
				t.Errorf("docs/workflows.md's row of %s does not give its permission %q", name, perm)
			}
		}
	}
}

// The README's dependency list names every module go.mod requires directly,
// and no other.
func TestREADMEDependencies(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var required []string
	inBlock := false
	for _, line := range strings.Split(string(mod), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			inBlock = true
			continue
		case line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !inBlock:
			continue
		}
		if fields := strings.Fields(line); len(fields) >= 2 && !strings.Contains(line, "// indirect") {
			required = append(required, fields[0])
		}
	}
	listed, _ := docTable(t, "README.md", "### Dependencies")
	slices.Sort(required)
	slices.Sort(listed)
	if diff := cmp.Diff(required, listed); diff != "" {
		t.Errorf("README's dependency list differs from go.mod's direct requirements (-go.mod +README):\n%s", diff)
	}
}
