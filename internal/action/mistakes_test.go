package action

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// A mistyped process ID fails the step, after the rest were checked and
// paged as usual: an error names the entry, its input and line. Nothing is
// paged for the typo, and the incident of the process it was meant to be
// is held, not resolved as removed.
func TestMistypedProcessIDFailsTheStepAfterCheckingTheRest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 100, 100)
	h.fleet.Set(pidB, 14129, 14204) // 75 behind
	h.fleet.Set(pidC, 1, 1)
	ids := filepath.Join(h.ws, "process-ids.txt")
	write := func(text string) {
		if err := os.WriteFile(ids, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(pidA + "\n" + pidB + "\n")
	if r := h.run(map[string]string{"process-ids": "", "process-ids-file": "process-ids.txt"}); r.exit != 0 {
		t.Fatalf("first pass: exit %d\n%s", r.exit, r.stdout)
	}
	opened := []string{key(incident.Mismatch, pidB)}
	if diff := cmp.Diff(opened, h.pd.Open()); diff != "" {
		t.Fatalf("first pass opened (-want +got):\n%s", diff)
	}

	// B's line gets a character too many; C is added, 75 behind too.
	h.fleet.Set(pidC, 14129, 14204)
	write("# watched\n" + pidA + "\n" + pidB + "x\n" + pidC + "\n")
	r := h.run(map[string]string{"process-ids": "", "process-ids-file": "process-ids.txt"})
	if r.exit != 1 || !errors.Is(r.failures, errMistyped) {
		t.Fatalf("exit %d, failures %v: want 1 and a mistyped entry\n%s", r.exit, r.failures, r.stdout)
	}
	want := "::error file=process-ids.txt,line=3,title=Invalid input%3A process-ids-file::\"" + pidB +
		"x\" is not a process ID (44 characters; a process ID is 43 characters of A-Z a-z 0-9 - _): it is not checked; fix it: the step fails until then"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("no annotation %q in:\n%s", want, r.stdout)
	}
	if !strings.Contains(r.summary, "### ❌ Not processes: not checked\n\nThese entries are not process IDs; the step fails until they are fixed.\n\n- process-ids-file process-ids.txt:3: \"") {
		t.Errorf("the summary does not lead with the entry:\n%s", r.summary)
	}
	if r.outputs["checked-count"] != "2" {
		t.Errorf("checked-count %s, want 2 (the rest were checked)", r.outputs["checked-count"])
	}
	// C paged as usual; B's incident held (nothing says it recovered).
	wantOpen := []string{key(incident.Mismatch, pidB), key(incident.Mismatch, pidC)}
	if diff := cmp.Diff(wantOpen, h.pd.Open()); diff != "" {
		t.Errorf("PagerDuty open (-want +got):\n%s", diff)
	}
	if n := len(h.pd.Accepted()); n != 2 {
		t.Errorf("%d events accepted in all, want 2 (B's trigger, C's trigger): nothing for the typo", n)
	}

	// A typo inline, and one in the silenced list: each named by its input.
	r = h.run(map[string]string{"process-ids": pidA + ", " + pidC[:42], "silenced-process-ids": "C0-not-an-id"})
	for _, want := range []string{
		"::error title=Invalid input%3A process-ids::\"" + pidC[:42] + "\" is not a process ID (42 characters;",
		"::error title=Invalid input%3A silenced-process-ids::\"C0-not-an-id\" is not a process ID (12 characters;",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	if r.exit != 1 {
		t.Errorf("exit %d, want 1", r.exit)
	}
}

// A list file that is not there says where it was looked for, which input
// named it, and how to fix it; nothing is requested.
func TestMissingListFileSaysWhereItLooked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ input, shape string }{
		{"process-ids-file", "one process ID per line"},
		{"process-map-file", `a JSON object {"<process ID>": "<state server URL>"}`},
	} {
		t.Run(tc.input, func(t *testing.T) {
			h := newHarness(t)
			r := h.run(map[string]string{"process-ids": "", tc.input: "lists/watched"})
			want := "::error title=Invalid input%3A " + tc.input + "::input " + tc.input + ": lists/watched is not in the workspace: looked for " +
				filepath.Join(h.ws, "lists/watched") + ". Create it there (" + tc.shape + "; in a workflow, commit it to the repository and check the repository out before this step with actions/checkout)"
			if !strings.Contains(r.stdout, want) {
				t.Errorf("no %q in:\n%s", want, r.stdout)
			}
			if r.exit != 1 || h.fleet.Requests("state")+h.pd.Requests() != 0 {
				t.Errorf("exit %d after %d requests: want 1 after none", r.exit, h.fleet.Requests("state")+h.pd.Requests())
			}
		})
	}
}

// A first run with two mistakes names both: a routing key of the wrong
// shape fails the step before any request, and the lists' mistyped
// entries, or a missing list file, are named in the same run, not one run
// later.
func TestOneRunNamesTheRoutingKeyAndTheListMistakes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"mistyped entries", map[string]string{"process-ids": pidC[:42], "process-ids-file": "process-ids.txt"}, []string{
			"::error title=Invalid input%3A process-ids::\"" + pidC[:42] + "\" is not a process ID (42 characters;",
			"::error file=process-ids.txt,line=2,title=Invalid input%3A process-ids-file::\"" + pidB + "x\" is not a process ID",
		}},
		{"a missing list file", map[string]string{"process-ids": pidA, "process-map-file": "lists/map.json"}, []string{
			"::error title=Invalid input%3A process-map-file::input process-map-file: lists/map.json is not in the workspace",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if err := os.WriteFile(filepath.Join(h.ws, "process-ids.txt"), []byte(pidA+"\n"+pidB+"x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.inputs["pagerduty-routing-key"] = "Bearer abc"
			r := h.run(tc.inputs)
			for _, want := range append(tc.want, "::error title=Invalid input%3A pagerduty-routing-key::") {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("no %q in:\n%s", want, r.stdout)
				}
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if strings.Contains(line, "Bearer abc") && !strings.HasPrefix(line, "::add-mask::") {
					t.Errorf("the routing key is printed: %s", line)
				}
			}
			if r.exit != 1 || h.fleet.Requests("state")+h.pd.Requests() != 0 {
				t.Errorf("exit %d after %d requests: want 1 after none", r.exit, h.fleet.Requests("state")+h.pd.Requests())
			}
		})
	}
}

// A list input that is itself wrong is named once, by the configuration:
// the lists are not read again to say it twice; nor are they read for a
// run that would not read them.
func TestAListInputAtFaultIsNamedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(map[string]string{"pagerduty-routing-key": "Bearer abc", "process-ids": "", "process-ids-file": "", "process-map-file": ""})
	if n := strings.Count(r.stdout, "title=Invalid input%3A process-ids::"); n != 1 {
		t.Errorf("process-ids named %d times, want 1:\n%s", n, r.stdout)
	}
	// A pagerduty-test run reads no list: its entries are not its mistakes;
	// nor are they of one whose pagerduty-test is not a boolean ("yes":
	// read as its default, false, it was most likely meant to be one).
	for _, test := range []string{"true", "yes"} {
		r = h.run(map[string]string{"pagerduty-routing-key": "Bearer abc", "pagerduty-test": test, "process-ids": pidC[:42]})
		if !strings.Contains(r.stdout, "title=Invalid input%3A pagerduty-routing-key::") || strings.Contains(r.stdout, "title=Invalid input%3A process-ids::") {
			t.Errorf("pagerduty-test %s with a bad key: want the key named and the list not read:\n%s", test, r.stdout)
		}
	}
}

// The credentials of a URL input (state-url's password) are kept out of
// the log on the failing path as on the normal one: the lists read there
// may quote them.
func TestAURLInputsCredentialsAreNotPrintedWhenAnotherInputIsWrong(t *testing.T) {
	t.Parallel()
	for _, key := range []string{routingKey, "Bearer abc"} {
		h := newHarness(t)
		r := h.run(map[string]string{
			"state-url":             strings.Replace(h.fleet.State.URL, "://", "://alice:hunter2pw@", 1),
			"process-ids":           pidA + "\nalice:hunter2pw", // the password pasted as an entry
			"pagerduty-routing-key": key,
		})
		if !strings.Contains(r.stdout, "title=Invalid input%3A process-ids::") {
			t.Errorf("routing key %q: the pasted entry is not named:\n%s", key, r.stdout)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.Contains(line, "hunter2pw") && !strings.HasPrefix(line, "::add-mask::") {
				t.Errorf("routing key %q: state-url's password is printed: %s", key, line)
			}
		}
	}
}

// A list file that is also the state file, named once by its absolute path
// (config.Load compares the inputs as written and sees no clash), is not a
// list: the normal path names the clash (workspacePaths) and reads
// nothing, so a run with a bad routing key must not read the state file's
// JSON as mistyped process IDs.
func TestAListFileThatIsTheStateFileIsNotReadAsAList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	statePath := filepath.Join(h.ws, ".pagerduty-state.json")
	if err := os.WriteFile(statePath, []byte("{\n  \"version\": 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{"process-ids": pidA, "process-ids-file": statePath}
	r := h.run(inputs)
	if !strings.Contains(r.stdout, "title=Invalid input%3A process-ids-file::input process-ids-file: names the same file as state-file") {
		t.Fatalf("the normal path does not name the clash:\n%s", r.stdout)
	}
	inputs["pagerduty-routing-key"] = "Bearer abc"
	r = h.run(inputs)
	if strings.Contains(r.stdout, "file=.pagerduty-state.json") || strings.Contains(r.stdout, "is not a process ID") {
		t.Errorf("the state file was read as a process list:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "title=Invalid input%3A pagerduty-routing-key::") || r.exit != 1 {
		t.Errorf("exit %d: want 1 and the routing key named:\n%s", r.exit, r.stdout)
	}
}

// A secret pasted into a list (the REST API key in process-ids, a likely
// slip between inputs) is kept out of the job summary, where it is
// written Markdown-escaped: "y_Nb…" as "y\_Nb…".
func TestASecretPastedIntoAListIsNotInTheSummary(t *testing.T) {
	t.Parallel()
	const apiKey = "y_NbAkKc66ryYTWUXYEu" // the shape of PagerDuty's own example key
	h := newHarness(t)
	r := h.run(map[string]string{
		"process-ids":          pidA + "\n" + apiKey,
		"pagerduty-api-token":  apiKey,
		"pagerduty-service-id": "PABCDEF",
	})
	if !strings.Contains(r.summary, "Not processes") {
		t.Fatalf("the entry is not named in the summary:\n%s", r.summary)
	}
	for _, out := range []struct{ name, text string }{{"log", r.stdout}, {"summary", r.summary}} {
		for _, line := range strings.Split(out.text, "\n") {
			if strings.Contains(line, "NbAkKc66ryYTWUXYEu") && !strings.HasPrefix(line, "::add-mask::") {
				t.Errorf("the API key is in the %s: %s", out.name, line)
			}
		}
	}
}

// An entry too long to quote whole is cut to 60 characters: a secret in
// it (here the Slack webhook, pasted without its scheme) must be redacted
// before the cut, or a prefix of it that no redaction recognises reaches
// the log and the summary.
func TestALongEntryIsRedactedBeforeItIsCut(t *testing.T) {
	t.Parallel()
	const token = "Zq8xW2mN4vB6cR1tY3uI5oP7"
	hook := "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/" + token
	for _, key := range []string{routingKey, "Bearer abc"} { // the normal path, and lintLists'
		h := newHarness(t)
		r := h.run(map[string]string{
			"process-ids":           pidA + "\n" + strings.TrimPrefix(hook, "https://"),
			"slack-webhook-url":     hook,
			"pagerduty-routing-key": key,
		})
		if !strings.Contains(r.stdout, "title=Invalid input%3A process-ids::") {
			t.Fatalf("key %q: the entry is not named:\n%s", key, r.stdout)
		}
		for _, out := range []struct{ name, text string }{{"log", r.stdout}, {"summary", r.summary}} {
			for _, line := range strings.Split(out.text, "\n") {
				if strings.Contains(line, token[:6]) && !strings.HasPrefix(line, "::add-mask::") {
					t.Errorf("key %q: part of the webhook's token is in the %s: %s", key, out.name, line)
				}
			}
		}
	}
}

// A list file that is a symbolic link the action will not follow (out of
// the workspace, or to nothing) says so, and where it leads: not "path
// escapes from parent", nor "not in the workspace" of a link that is.
func TestAListFileThatLinksOutSaysSo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, target string }{{"out", "/etc/hostname"}, {"dangling", "lists/gone.txt"}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if err := os.Symlink(tc.target, filepath.Join(h.ws, "ids.txt")); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{routingKey, "Bearer abc"} {
				r := h.run(map[string]string{"process-ids": "", "process-ids-file": "ids.txt", "pagerduty-routing-key": key})
				want := "::error title=Invalid input%3A process-ids-file::input process-ids-file: cannot read ids.txt: ids.txt is a symbolic link to " + tc.target
				if !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "escapes from parent") || strings.Contains(r.stdout, "is not in the workspace") {
					t.Errorf("key %q: want %q in:\n%s", key, want, r.stdout)
				}
			}
		})
	}
}
