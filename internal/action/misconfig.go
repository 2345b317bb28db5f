package action

// Configuration errors, said once: when every process on one host fails the
// same way, in a way that points at configuration (404 everywhere, answers
// that are not from an AO server), the input is wrong, not the processes.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/processlist"
	"github.com/org/nonce-monitor-action/internal/report"
)

// minMisconfigured is how many processes must answer alike before the
// answer is the configuration's: one unknown process is just unknown. A
// host name that does not exist is the configuration's at once.
const minMisconfigured = 2

// misconfiguration is one host whose every process failed alike.
type misconfiguration struct {
	input, url string // the input at fault, and the URL without credentials
	endpoint   check.Endpoint
	kind       check.Kind
	detail     string // the first process's failure
	processes  []int  // indexes into the results
}

// findMisconfigured groups the failures that point at configuration by
// endpoint and host, and keeps the hosts on which every process (that was
// checked at all) failed that way, with the same kind. noneResolved says
// that no host of the pass answered or failed otherwise: every one's name
// failed to resolve.
func findMisconfigured(results []check.Result, targets []processlist.Target, stateURL, routerURL string) (found []misconfiguration, noneResolved bool) {
	type key struct {
		ep   check.Endpoint
		host string
	}
	groups := map[key]*misconfiguration{}
	var order []key
	spoilt := map[key]bool{} // a host that answered some process, or failed it otherwise
	note := func(k key, i int, err error, raw string) {
		var e *check.Error
		if !errors.As(err, &e) || e.Blame != answer.Config {
			spoilt[k] = true
			return
		}
		g, ok := groups[k]
		if !ok {
			g = &misconfiguration{endpoint: k.ep, url: escape.URL(raw), kind: e.Kind, detail: e.Error()}
			groups[k] = g
			order = append(order, k)
		}
		if g.kind != e.Kind {
			spoilt[k] = true
		}
		g.processes = append(g.processes, i)
	}
	for i, r := range results {
		if r.Interrupted {
			continue
		}
		stateHost := key{check.StateServer, escape.Host(r.StateURL)}
		note(stateHost, i, r.StateErr, targets[i].StateURL)
		if r.SUErr != nil {
			if e := (*check.Error)(nil); errors.As(r.SUErr, &e) && e.Host == escape.Host(routerURL) {
				note(key{check.Scheduler, e.Host}, i, r.SUErr, routerURL)
				continue
			}
		}
		spoilt[key{check.Scheduler, escape.Host(routerURL)}] = true
	}
	noneResolved = len(spoilt) == 0 && len(order) > 0
	for _, k := range order {
		noneResolved = noneResolved && groups[k].kind == check.NoSuchHost
		g := groups[k]
		if spoilt[k] || (len(g.processes) < minMisconfigured && g.kind != check.NoSuchHost) {
			continue
		}
		g.input = "su-router-url"
		if k.ep == check.StateServer {
			g.input = "state-url"
			if escape.Host(stateURL) != k.host {
				g.input = "the process list or process map (the state server URLs it names)"
			}
		}
		found = append(found, *g)
	}
	return found, noneResolved
}

// markMisconfigured marks the processes of each misconfigured host so they
// page nothing of their own: the failure is the configuration's, not theirs.
func markMisconfigured(results []check.Result, found []misconfiguration) {
	for _, m := range found {
		for _, i := range m.processes {
			results[i].Misconfigured = fmt.Sprintf("%s %s", m.input, m.url)
		}
	}
}

// sayMisconfigured reports each misconfiguration once, as an error naming
// the input and the URL. When no host name of the pass resolved (two or
// more), it says too that the cause may be the machine's DNS rather than
// the inputs: a machine offline, or behind a resolver that knows no
// outside names, hears "no such name" for every host, which reads like
// every input mistyped at once.
func sayMisconfigured(con *console.Console, found []misconfiguration, noneResolved bool) {
	var unresolved []string
	for _, m := range found {
		if !slices.Contains(unresolved, m.url) {
			unresolved = append(unresolved, m.url)
		}
	}
	if noneResolved && len(unresolved) >= 2 {
		// A warning: the console writes it after the errors it explains.
		con.Warnf("DNS", "No host name of this pass resolved (%s): if this machine is offline, or its DNS resolves no outside names, the inputs named above may be right. On a GitHub-hosted runner, check them.",
			strings.Join(unresolved, ", "))
	}
	for _, m := range found {
		n := report.Count(len(m.processes), "process", "processes")
		if m.kind == check.NoSuchHost {
			con.Errorf("Configuration", "%s: the host of %s %s does not exist (DNS says no such name; %s not checked): check %s. First: %s",
				m.input, m.endpoint, m.url, n, m.input, m.detail)
			continue
		}
		con.Errorf("Configuration", "%s: %s %s answered every one of its %s the same way (%s), which no real %s does: check %s. First: %s",
			m.input, m.endpoint, m.url, n, m.kind, m.endpoint, m.input, m.detail)
	}
}
