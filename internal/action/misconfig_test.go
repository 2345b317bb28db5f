package action

import (
	"bytes"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
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

// Lists that name no process: the error names the inputs that were set,
// and says whether they listed nothing or only entries that are not IDs.
func TestNoProcessesNamesTheInputsSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  config.Config
		bad  int
		want string
	}{
		{config.Config{Inputs: config.Inputs{ProcessIDsFile: "ids.txt"}}, 0, "input process-ids-file: no process to check: it lists none"},
		{config.Config{Inputs: config.Inputs{ProcessIDsFile: "ids.txt", ProcessIDs: "x"}}, 1,
			"input process-ids, process-ids-file: no process to check: they list none but 1 entry that is not a process ID"},
	} {
		if got := noProcesses(tc.cfg, tc.bad).Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// Every host name of a pass unresolved reads like every input mistyped at
// once; it is as likely a machine whose DNS resolves no outside names, and
// the pass says so once. One host unresolved beside another that answered
// is that host's input alone.
func TestNoHostResolvedMaySayTheMachinesDNS(t *testing.T) {
	t.Parallel()
	noSuchHost := func(ep check.Endpoint, url string) misconfiguration {
		return misconfiguration{input: "state-url", url: url, endpoint: ep, kind: check.NoSuchHost, processes: []int{0}}
	}
	state := noSuchHost(check.StateServer, "https://state.forward.computer")
	router := noSuchHost(check.Scheduler, "https://su-router.ao-testnet.xyz")
	for _, tc := range []struct {
		name  string
		found []misconfiguration
		hint  bool
	}{
		{"both hosts unresolved", []misconfiguration{state, router}, true},
		{"one host unresolved", []misconfiguration{state}, false},
		{"one unresolved, one answering alike", []misconfiguration{state, {input: "su-router-url", url: "https://su.example.com",
			endpoint: check.Scheduler, kind: check.NotFound, processes: []int{0}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			con := console.New(&out, func(string) string { return "" })
			sayMisconfigured(con, tc.found)
			con.Flush()
			hint := strings.Contains(out.String(), "No host name of this pass resolved (https://state.forward.computer, https://su-router.ao-testnet.xyz)")
			if hint != tc.hint || strings.Count(out.String(), "does not exist") != countKind(tc.found, check.NoSuchHost) {
				t.Errorf("hint %v, want %v:\n%s", hint, tc.hint, out.String())
			}
		})
	}
}

func countKind(found []misconfiguration, k check.Kind) int {
	n := 0
	for _, m := range found {
		if m.kind == k {
			n++
		}
	}
	return n
}
