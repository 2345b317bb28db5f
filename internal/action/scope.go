package action

// Whose incidents a pass may adopt from PagerDuty, and which of its own
// keys it asks PagerDuty about.

import (
	"slices"
	"sort"
	"time"

	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// scope is what this job adopts from PagerDuty: the keys it sent (its
// Owner is in them), for the processes this layout holds (a shard's own,
// listed or not: an unlisted one was removed, and is resolved as such) and
// the servers it watches, from this layout or an earlier one (another
// shard count), never a sibling shard's; and, unless its state file was
// written since job identities (it holds every such key the job still
// had open), keys from before them that it would itself have sent: a
// listed process's, a grouped one under its legacy job. A pass that sees
// part of the fleet (narrowed), or that has no state file recording its
// lists (lost, or new: a manual run's hand-picked list looks like the
// job's own), adopts only the processes it lists, and the latter holds the
// grouped incidents it adopts: an unlisted process's incident is adopted,
// and a group it cannot see whole resolved, by the next pass.
func (p *pass) scope() incident.Scope {
	s, cfg := p.in, p.cfg
	listed := map[string]bool{}
	hosts := []string{escape.Host(cfg.SURouterURL)}
	for _, t := range s.targets {
		listed[t.ProcessID] = true
		hosts = append(hosts, escape.Host(t.StateURL))
	}
	slices.Sort(hosts)
	listsKnown := s.loaded.Header.Lists != ""
	scope := incident.Scope{
		Owner: s.owner, Job: groupJob(cfg, s.owner), LegacyJob: legacyJobID(cfg), Hosts: slices.Compact(hosts),
		Listed: func(pid string) bool { return listed[pid] }, HoldGroups: !listsKnown,
		// Processes is recorded since job identities: such a file holds
		// every key from before them this job still had open.
		LegacyHeld: s.loaded.Header.Processes != "",
	}
	if cfg.Shard.Enabled() {
		scope.Shards = cfg.Shard.Count
	}
	switch {
	case s.narrowed || !listsKnown:
		scope.Holds = scope.Listed
	case cfg.Shard.Enabled():
		scope.Holds = cfg.Shard.Holds
	}
	return scope
}

// keysToCheck are the dedup keys the state holds, in the order the
// listing asks PagerDuty about those it does not show open: unconfirmed
// events first (their outcome is unknown), then accepted resolves not yet
// seen done, then the rest. Within each, the order turns with every
// five-minute pass, so that a listing whose time runs out before the last
// key still reaches every key within a few passes.
func keysToCheck(st incident.State, now time.Time) []string {
	var unconfirmed, resolving, rest []string
	for key, inc := range st.Open {
		if inc.Unconfirmed {
			unconfirmed = append(unconfirmed, key)
		} else {
			rest = append(rest, key)
		}
	}
	for key := range st.Resolving {
		if _, open := st.Open[key]; !open {
			resolving = append(resolving, key)
		}
	}
	turn := int(now.Unix() / 300)
	var out []string
	for _, keys := range [][]string{unconfirmed, resolving, rest} {
		sort.Strings(keys)
		if n := len(keys); n > 0 {
			k := turn % n
			out = append(out, slices.Concat(keys[k:], keys[:k])...)
		}
	}
	return out
}
