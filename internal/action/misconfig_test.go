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
			found, _ := findMisconfigured([]check.Result{tc.result}, targets, tc.stateURL, "https://su-router.exmaple.com")
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
// the pass says so once. Hosts unresolved beside one that answered (the
// router, here) are those inputs' alone: no word of the machine's DNS.
func TestNoHostResolvedMaySayTheMachinesDNS(t *testing.T) {
	t.Parallel()
	const stateURL, routerURL = "https://state.forward.computer", "https://su-router.ao-testnet.xyz"
	n := int64(5)
	noSuchHost := func(ep check.Endpoint, host string) error {
		return &check.Error{Endpoint: ep, Host: host, Kind: check.NoSuchHost, Blame: answer.Config, Detail: "no such host"}
	}
	stateDown := noSuchHost(check.StateServer, "state.forward.computer")
	mapDown := noSuchHost(check.StateServer, "push-9.exmaple.com")
	routerDown := noSuchHost(check.Scheduler, "su-router.ao-testnet.xyz")
	for _, tc := range []struct {
		name    string
		results []check.Result
		targets []processlist.Target
		hint    string // "" for none
	}{
		{"no host resolved", []check.Result{{ProcessID: pidA, StateURL: stateURL, StateErr: stateDown, SUErr: routerDown}},
			[]processlist.Target{{ProcessID: pidA, StateURL: stateURL}},
			"No host name of this pass resolved (https://state.forward.computer, https://su-router.ao-testnet.xyz)"},
		{"only state-url unresolved", []check.Result{{ProcessID: pidA, StateURL: stateURL, StateErr: stateDown, SUNonce: &n}},
			[]processlist.Target{{ProcessID: pidA, StateURL: stateURL}}, ""},
		{"two map hosts unresolved, the router answering", []check.Result{
			{ProcessID: pidA, StateURL: stateURL, StateErr: stateDown, SUNonce: &n},
			{ProcessID: pidB, StateURL: "https://push-9.exmaple.com", StateErr: mapDown, SUNonce: &n}},
			[]processlist.Target{{ProcessID: pidA, StateURL: stateURL}, {ProcessID: pidB, StateURL: "https://push-9.exmaple.com"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, noneResolved := findMisconfigured(tc.results, tc.targets, stateURL, routerURL)
			var out bytes.Buffer
			con := console.New(&out, func(string) string { return "" })
			sayMisconfigured(con, found, noneResolved)
			con.Flush()
			said := strings.Contains(out.String(), "No host name of this pass resolved")
			if said != (tc.hint != "") || (tc.hint != "" && !strings.Contains(out.String(), tc.hint)) ||
				strings.Count(out.String(), "does not exist") != len(found) {
				t.Errorf("want hint %q:\n%s", tc.hint, out.String())
			}
		})
	}
}
