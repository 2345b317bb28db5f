package processlist

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/config"
)

const (
	idA = "4hXj_E-5fAKmo4E8KjgQvuDJKAFk9P2grhycVmISDLs"
	idB = "B000000000000000000000000000000000000000000"
	idC = "C000000000000000000000000000000000000000000"
	def = "https://state.forward.computer"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMergesAllSources(t *testing.T) {
	ws := writeFiles(t, map[string]string{
		// The old monitor's format: one ID a line, comments, blank lines.
		"process-ids.txt":  "# production\n" + idA + "\n\n" + idB + "  https://push-1.forward.computer/  # pushed\nnot-an-id\n",
		"process-map.json": `{"` + idC + `": "https://state-2.forward.computer", "` + idB + `": "https://push-1.forward.computer"}`,
	})
	got, problems, err := Load(Sources{
		Inline:          idA + ", " + idC + " # inline comment",
		IDsFile:         "process-ids.txt",
		MapFile:         "process-map.json",
		Read:            reader(ws),
		CheckURL:        config.CheckURL,
		DefaultStateURL: def + "/",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{idA, def},
		{idC, "https://state-2.forward.computer"},
		{idB, "https://push-1.forward.computer"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	wantProblems := []Problem{{Input: "process-ids-file", File: "process-ids.txt", Line: 5, Dropped: true,
		Message: `"not-an-id" is not a process ID (9 characters; a process ID is 43 characters of A-Z a-z 0-9 - _): it is not checked`}}
	if diff := cmp.Diff(wantProblems, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestInlineSeparatorsAndComments(t *testing.T) {
	got, problems, err := Load(Sources{Inline: idA + "\n" + idB + "," + idC + " # " + idA + "x\n# " + idB, DefaultStateURL: def})
	if err != nil || len(problems) != 0 {
		t.Fatalf("err=%v problems=%v", err, problems)
	}
	if len(got) != 3 {
		t.Errorf("got %d targets, want 3: %+v", len(got), got)
	}
}

func TestConflictingStateServersReported(t *testing.T) {
	ws := writeFiles(t, map[string]string{
		"ids.txt":  idA + " https://a.example\n",
		"map.json": `{"` + idA + `": "https://b.example"}`,
	})
	got, problems, err := Load(Sources{IDsFile: "ids.txt", MapFile: "map.json", Read: reader(ws), CheckURL: config.CheckURL, DefaultStateURL: def})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].StateURL != "https://a.example" {
		t.Errorf("first named state server should win, got %q", got[0].StateURL)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0].String(), idA+": state server https://b.example (map.json) ignored; ids.txt:1 already names https://a.example") {
		t.Errorf("problems = %v", problems)
	}
}

func TestBadLinesSkippedWithLineNumbers(t *testing.T) {
	ws := writeFiles(t, map[string]string{"ids.txt": idA + " ftp://x\n" + idB + " a b\n" + idC + "\n"})
	got, problems, err := Load(Sources{IDsFile: "ids.txt", Read: reader(ws), CheckURL: config.CheckURL, DefaultStateURL: def})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Target{{idC, def}}, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	var lines []int
	for _, p := range problems {
		lines = append(lines, p.Line)
	}
	if diff := cmp.Diff([]int{1, 2}, lines); diff != "" {
		t.Errorf("problem lines (-want +got):\n%s (%v)", diff, problems)
	}
}

func TestUnreadableAndMalformedFilesAreInputErrors(t *testing.T) {
	ws := writeFiles(t, map[string]string{"map.json": `["not", "an", "object"]`, "bad-url.json": `{"` + idA + `": 5}`})
	for _, s := range []struct {
		src   Sources
		input string
	}{
		{Sources{IDsFile: "missing.txt", Read: reader(ws), CheckURL: config.CheckURL}, "process-ids-file"},
		{Sources{MapFile: "missing.json", Read: reader(ws), CheckURL: config.CheckURL}, "process-map-file"},
		{Sources{MapFile: "map.json", Read: reader(ws), CheckURL: config.CheckURL}, "process-map-file"},
		{Sources{MapFile: "bad-url.json", Read: reader(ws), CheckURL: config.CheckURL}, "process-map-file"},
	} {
		_, _, err := Load(s.src)
		var se *SourceError
		if !errors.As(err, &se) || se.Source != s.input {
			t.Errorf("Load(%+v) = %v, want a SourceError for %s", s.src, err, s.input)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		idA:                           true,
		strings.Repeat("a", 42):       false,
		strings.Repeat("a", 44):       false,
		strings.Repeat("a", 42) + "=": false,
		strings.Repeat("a", 42) + "/": false,
	} {
		if validID(id) != want {
			t.Errorf("validID(%q) = %v, want %v", id, !want, want)
		}
	}
}

func reader(dir string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
}

// Problems quote what they found, never a URL's credentials.
func TestProblemsNeverQuoteCredentials(t *testing.T) {
	ws := writeFiles(t, map[string]string{
		"ids.txt":  "https://op:hunter22@state.example " + idA + "\n" + idB + " https://a:firstPass@s1.example\n",
		"map.json": `{"` + idB + `": "https://b:secondPass@s2.example"}`,
	})
	_, problems, err := Load(Sources{IDsFile: "ids.txt", MapFile: "map.json", Read: reader(ws), CheckURL: config.CheckURL})
	if err != nil || len(problems) != 2 {
		t.Fatalf("problems %v, %v", problems, err)
	}
	for _, p := range problems {
		for _, secret := range []string{"hunter22", "firstPass", "secondPass"} {
			if strings.Contains(p.String(), secret) {
				t.Errorf("problem %q quotes %s", p, secret)
			}
		}
	}
}

// A mistyped ID is dropped, named with its input and place, and says what is
// wrong with it: its length, or its first character that does not belong.
func TestMistypedIDsSayWhereAndWhy(t *testing.T) {
	long, slash := idA+"x", idB[:20]+"/"+idB[21:]
	ws := writeFiles(t, map[string]string{
		"ids.txt":  idA + "\n# ok\n" + long + "\n",
		"map.json": `{"` + slash + `": "https://state.example"}`,
	})
	got, problems, err := Load(Sources{Inline: idB + " " + idC[:42], IDsFile: "ids.txt", MapFile: "map.json",
		Read: reader(ws), CheckURL: config.CheckURL, DefaultStateURL: def})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Target{{idB, def}, {idA, def}}, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	var said []string
	for _, p := range problems {
		if !p.Dropped {
			t.Errorf("%v not dropped", p)
		}
		said = append(said, p.String())
	}
	want := []string{
		`process-ids: "` + idC[:42] + `" is not a process ID (42 characters; a process ID is 43 characters of A-Z a-z 0-9 - _): it is not checked`,
		`process-ids-file ids.txt:3: "` + long + `" is not a process ID (44 characters; a process ID is 43 characters of A-Z a-z 0-9 - _): it is not checked`,
		`process-map-file map.json: "` + slash + `" is not a process ID ('/' at character 21; a process ID is 43 characters of A-Z a-z 0-9 - _): it is not checked`,
	}
	if diff := cmp.Diff(want, said); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// A URL pasted where a process ID belongs is shown by its host alone: its
// path and query may be a secret (a Slack webhook's token is its path),
// and a long one cut to fit would reach the log as a prefix that no
// redaction of the whole secret recognises.
func TestAURLInTheIDColumnShowsOnlyItsHost(t *testing.T) {
	const token = "Zq8xW2mN4vB6cR1tY3uI5oP7"
	webhook := "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/" + token
	_, problems := ParseList("process-ids", webhook+"\nhttps://hb.example/ping?k=sEcReT77", nil)
	if len(problems) != 2 {
		t.Fatalf("problems %v", problems)
	}
	for _, p := range problems {
		for _, part := range []string{token[:6], "T0AAAAAAA", "sEcReT77", "/ping"} {
			if strings.Contains(p.Message, part) {
				t.Errorf("%q quotes %q", p.Message, part)
			}
		}
	}
	if !strings.HasPrefix(problems[0].Message, `"https://hooks.slack.com/…" is not a process ID (`) {
		t.Errorf("message %q: want the URL shown by its host", problems[0].Message)
	}
}

// An entry too long to quote whole is redacted before it is cut: a secret
// cut first would leave a prefix that no redaction recognises.
func TestALongEntryIsRedactedBeforeItIsCut(t *testing.T) {
	const secret = "Zq8xW2mN4vB6cR1tY3uI5oP7"
	entry := "hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/" + secret // no scheme: not a URL with a host
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "***") }
	for _, src := range []Sources{
		{Inline: entry, Redact: redact},
		{IDsFile: "ids.txt", Read: func(string) ([]byte, error) { return []byte(entry + "\n"), nil }, CheckURL: config.CheckURL, Redact: redact},
		{MapFile: "map.json", Read: func(string) ([]byte, error) { return []byte(`{"` + entry + `": "https://s.example"}`), nil }, CheckURL: config.CheckURL, Redact: redact},
	} {
		_, problems, err := Load(src)
		if err != nil || len(problems) != 1 {
			t.Fatalf("problems %v, %v", problems, err)
		}
		if m := problems[0].Message; strings.Contains(m, secret[:6]) || !strings.Contains(m, `B0BBBBBBB/***"`) {
			t.Errorf("%q: want the secret redacted before the cut", m)
		}
	}
	if _, problems := ParseList("silenced-process-ids", entry, redact); len(problems) != 1 || strings.Contains(problems[0].Message, secret[:6]) {
		t.Errorf("silenced: %v", problems)
	}
}

// An entry cut to be shown is cut between characters: a multi-byte one
// cut in half would be invalid text in the log and the summary.
func TestALongEntryIsCutBetweenCharacters(t *testing.T) {
	msg := invalidID(strings.Repeat("é", 70), orNone(nil))
	if !utf8.ValidString(msg) || !strings.Contains(msg, strings.Repeat("é", 60)+"…") {
		t.Errorf("got %q", msg)
	}
}
