package processlist

import (
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/config"
)

// Whatever the files hold, the parsers never panic, return only valid IDs
// and report every line they skip with its line number.
func FuzzParseIDsFile(f *testing.F) {
	f.Add("# ids\n" + idA + "\n\n" + idB + " https://push-1.forward.computer\nbad\n")
	f.Add(idA + "," + idB + "\r\n")
	f.Add("\x00\xff" + idA + " ftp://x y")
	f.Fuzz(func(t *testing.T, text string) {
		entries, problems := parseIDsFile("ids.txt", []byte(text), vet{config.CheckURL, orNone(nil)})
		lines := strings.Count(text, "\n") + 1
		for _, e := range entries {
			if !validID(e.ProcessID) {
				t.Fatalf("accepted invalid ID %q", e.ProcessID)
			}
		}
		for _, p := range problems {
			if p.Line < 1 || p.Line > lines || p.Message == "" {
				t.Fatalf("problem without a usable line: %+v", p)
			}
		}
		targets, _ := merge(entries, def)
		seen := map[string]bool{}
		for _, tg := range targets {
			if seen[tg.ProcessID] {
				t.Fatalf("%s listed twice after merging", tg.ProcessID)
			}
			seen[tg.ProcessID] = true
		}
	})
}

func FuzzParseMapFile(f *testing.F) {
	f.Add(`{"` + idA + `": "https://state-2.forward.computer"}`)
	f.Add(`{"x": 1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, text string) {
		entries, _, err := parseMapFile("map.json", []byte(text), vet{config.CheckURL, orNone(nil)})
		if err != nil {
			return
		}
		for _, e := range entries {
			if !validID(e.ProcessID) || e.StateURL == "" {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}

func FuzzParseList(f *testing.F) {
	f.Add(idA + "\n" + idB + ", " + idC + " # comment")
	f.Fuzz(func(t *testing.T, text string) {
		ids, _ := ParseList("process-ids", text, nil)
		for _, id := range ids {
			if !validID(id) {
				t.Fatalf("accepted invalid ID %q", id)
			}
		}
	})
}
