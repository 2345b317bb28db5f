package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// bareQuery finds a control URL with a query outside double quotes: zsh,
// macOS's shell, takes the `?` for a glob and refuses the command ("no
// matches found") where bash passes it on.
var bareQuery = regexp.MustCompile(`(^|[^"])\$CONTROL/[^\s"` + "`" + `]*\?`)

// The commands a person copies, from the control port's root and from
// docs/try-it.md, run as written in zsh too.
func TestCopiedCommandsQuoteTheirQuery(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "try-it.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"the control port's commands": commands, "docs/try-it.md": string(doc)} {
		for _, m := range bareQuery.FindAllString(text, -1) {
			t.Errorf("%s: %q holds a bare ?; quote the URL", name, m)
		}
	}
	if !bareQuery.MatchString("curl -X POST $CONTROL/processes/H/lag?slots=1") {
		t.Error("the check misses a bare query")
	}
}
