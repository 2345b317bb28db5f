package action

import (
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// Two spellings of one state file are one job: its keys must not change
// because a workflow wrote "./" in front of the name.
func TestJobIdentityReadsTheStateFileAsAPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b string }{
		{"s.json", "./s.json"},
		{"state/s.json", "state//s.json"},
		{".pagerduty-state.json", "./.pagerduty-state.json"},
	} {
		if a, b := ownerOf("acme/mon", tc.a), ownerOf("acme/mon", tc.b); a != b {
			t.Errorf("ownerOf(%q) = %q, ownerOf(%q) = %q; want one job", tc.a, a, tc.b, b)
		}
		a, b := legacyJobID(config.Config{Inputs: config.Inputs{StateFile: tc.a}}), legacyJobID(config.Config{Inputs: config.Inputs{StateFile: tc.b}})
		if a != b {
			t.Errorf("legacyJobID(%q) = %q, legacyJobID(%q) = %q; want one job", tc.a, a, tc.b, b)
		}
	}
	if legacyJobID(config.Config{Inputs: config.Inputs{StateFile: "./.pagerduty-state.json"}}) != "" {
		t.Error("the default state file, spelled with ./, is not the one default job")
	}
}

// A job is a repository and a state file: another repository, or another
// state file in the same one, is another job; a shard is the same job's.
func TestJobIdentity(t *testing.T) {
	t.Parallel()
	base := ownerOf("acme/mon", ".pagerduty-state.json")
	for name, other := range map[string]string{
		"another repository": ownerOf("other/mon", ".pagerduty-state.json"),
		"another state file": ownerOf("acme/mon", "server-1.json"),
		"no repository":      ownerOf("", ".pagerduty-state.json"),
	} {
		if other == base {
			t.Errorf("%s has the same owner %s", name, base)
		}
	}
	sharded := config.Config{Inputs: config.Inputs{StateFile: ".pagerduty-state.json", Shard: config.Shard{Index: 2, Count: 4}}}
	if got, want := groupJob(sharded, base), "shard-2-of-4-"+base; got != want {
		t.Errorf("groupJob = %q, want %q", got, want)
	}
}

// The listing asks about unconfirmed events first, then resolves to
// confirm, then the rest; each group's order turns with the pass, so a
// listing whose time runs out reaches every key within a few passes.
func TestKeysToCheckPutTheUrgentFirstAndTurn(t *testing.T) {
	t.Parallel()
	mk := func(pid string, unconfirmed bool) incident.Incident {
		return incident.Incident{ProcessID: pid, Type: incident.Mismatch, DedupKey: "k-" + pid, Unconfirmed: unconfirmed}
	}
	st := incident.NewState()
	for _, inc := range []incident.Incident{mk("a", false), mk("b", false), mk("c", false), mk("u", true)} {
		st.Open[inc.DedupKey] = inc
	}
	st.Resolving["k-r"] = mk("r", false)
	first := keysToCheck(st, day1)
	if first[0] != "k-u" || first[1] != "k-r" || len(first) != 5 {
		t.Fatalf("keysToCheck = %v, want the unconfirmed, then the resolving, then the rest", first)
	}
	seenFirst := map[string]bool{}
	for i := range 3 {
		seenFirst[keysToCheck(st, day1.Add(time.Duration(i)*5*time.Minute))[2]] = true
	}
	if len(seenFirst) != 3 {
		t.Errorf("over three passes the rest start with %v, want each of the three in turn", seenFirst)
	}
}
