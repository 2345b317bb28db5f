package action

import (
	"testing"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/processlist"
)

// A host name DNS says does not exist is the configuration's at once, even
// for a single process, and names the input; a single unknown process
// (one 404) is only that process's.
func TestAHostThatDoesNotExistIsTheConfigurations(t *testing.T) {
	t.Parallel()
	n := int64(5)
	noSuchHost := func(ep check.Endpoint, host string) error {
		return &check.Error{Endpoint: ep, Host: host, Kind: check.NoSuchHost, Blame: answer.Config, Detail: "no such host"}
	}
	for _, tc := range []struct {
		name      string
		stateURL  string
		result    check.Result
		wantInput string // "" for none
	}{
		{"state-url", "https://state.exmaple.com", check.Result{ProcessID: pidA, StateURL: "https://state.exmaple.com", SUNonce: &n,
			StateErr: noSuchHost(check.StateServer, "state.exmaple.com")}, "state-url"},
		{"a process map's host", "https://state.example.com", check.Result{ProcessID: pidA, StateURL: "https://push-9.exmaple.com", SUNonce: &n,
			StateErr: noSuchHost(check.StateServer, "push-9.exmaple.com")}, "the process list or process map (the state server URLs it names)"},
		{"su-router-url", "https://state.example.com", check.Result{ProcessID: pidA, StateURL: "https://state.example.com", StateNonce: &n,
			SUErr: noSuchHost(check.Scheduler, "su-router.exmaple.com")}, "su-router-url"},
		{"one unknown process is that process's", "https://state.example.com", check.Result{ProcessID: pidA, StateURL: "https://state.example.com", SUNonce: &n,
			StateErr: &check.Error{Endpoint: check.StateServer, Host: "state.example.com", Kind: check.NotFound, Blame: answer.Config}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			targets := []processlist.Target{{ProcessID: pidA, StateURL: tc.result.StateURL}}
			found := findMisconfigured([]check.Result{tc.result}, targets, tc.stateURL, "https://su-router.exmaple.com")
			switch {
			case tc.wantInput == "" && len(found) != 0:
				t.Errorf("misconfigured %+v, want none", found)
			case tc.wantInput != "" && (len(found) != 1 || found[0].input != tc.wantInput):
				t.Errorf("misconfigured %+v, want one naming %q", found, tc.wantInput)
			}
		})
	}
}
