package action

import (
	"testing"

	"github.com/org/nonce-monitor-action/internal/config"
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
