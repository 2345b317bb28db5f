package state

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// A file a newer version wrote: its unknown fields and incident types are
// kept and written back; what this version knows is used.
func TestNewerVersionIsReadAndKept(t *testing.T) {
	key := incident.DedupKey(incident.Mismatch, pid, opened)
	body := `{
  "version": 2,
  "incidents": [
    {"process_id": "` + pid + `", "type": "mismatch", "dedup_key": "` + key + `", "severity": "error", "since": "2026-11-23T10:00:00Z", "incident_number": 42, "html_url": "https://x.pagerduty.com/incidents/Q1"},
    {"process_id": "B` + pid[1:] + `", "type": "lagging", "dedup_key": "nonce-monitor-lagging-b", "severity": "warning", "since": "2026-11-23T10:00:00Z"}
  ],
  "escalations": {"policy": "P1"}
}
`
	path := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(path, []byte(body), 0o644)
	l, err := Load(at(t, path))
	if err != nil || l.Warning != "" || len(l.Dropped) != 0 {
		t.Fatalf("Load = %v, warning %q, dropped %v", err, l.Warning, l.Dropped)
	}
	if got := l.State.Open[key].Extra["incident_number"]; string(got) != "42" {
		t.Errorf("unknown incident field: %s", got)
	}
	if got := l.State.Open["nonce-monitor-lagging-b"].Type; got != "lagging" {
		t.Errorf("unknown incident type not kept: %+v", l.State.Open)
	}
	out := string(EncodeWith(l.Header, l.State, l.Slack))
	for _, want := range []string{`"version": 2`, `"incident_number": 42`, `"html_url": "https://x.pagerduty.com/incidents/Q1"`, `"type": "lagging"`, `"escalations": {`, `"policy": "P1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("written back without %s:\n%s", want, out)
		}
	}
	again, err := parse([]byte(out))
	if err != nil || len(again.dropped) != 0 {
		t.Fatalf("re-read: %v %v", err, again.dropped)
	}
	if diff := cmp.Diff(l.State, again.state, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-first +again):\n%s", diff)
	}
}

// One broken entry drops that entry alone.
func TestBrokenEntryDropsAlone(t *testing.T) {
	good := sample()
	var entries []string
	for _, inc := range good.Open {
		entries = append(entries, string(encodeIncident(inc)))
	}
	entries = append(entries,
		`{"process_id": "p", "type": "server", "dedup_key": "k", "severity": "critical", "since": "2026-11-23T10:00:00Z"}`,
		`{"process_id": "p", "type": "mismatch", "dedup_key": "`+strings.Repeat("k", 256)+`", "severity": "error", "since": "2026-11-23T10:00:00Z"}`,
		`{"process_id": 7}`,
		`"not an object"`,
	)
	var resolving []string
	for _, inc := range good.Resolving {
		resolving = append(resolving, string(encodeIncident(inc)))
	}
	resolving = append(resolving, `{"type": "mismatch"}`)
	body := fmt.Sprintf(`{"version": 1, "incidents": [%s], "resolving": [%s], "failing": {"C%s": 2, "p": 0}, "slack": [1]}`,
		strings.Join(entries, ","), strings.Join(resolving, ","), pid[1:])
	path := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(path, []byte(body), 0o644)
	l, err := Load(at(t, path))
	if err != nil || l.Warning != "" {
		t.Fatalf("Load = %v, %q", err, l.Warning)
	}
	if diff := cmp.Diff(good, l.State, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the good entries (-want +got):\n%s", diff)
	}
	if len(l.Dropped) != 7 {
		t.Errorf("dropped %d entries, want 7 (4 incidents, 1 resolving, 1 count, slack): %v", len(l.Dropped), l.Dropped)
	}
}

// Whatever Decide produces, the reader reads back as it was (a property over
// random passes).
func TestRoundTripOverDecide(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	pids := make([]string, 30)
	for i := range pids {
		pids[i] = fmt.Sprintf("%c%042d", 'a'+i%3, i)
	}
	hosts := []string{"state-a.test", strings.Repeat("h", 240) + ".test:8443", "state-c.test"}
	policy := incident.Policy{
		Threshold: 50, ResolveThreshold: 20, Levels: []incident.Level{{Severity: "critical", MinSlots: 100}, {Severity: "warning", MinSlots: 0}},
		AutoResolve: true, ErrorThreshold: 2, GroupThreshold: 4,
		SchedulerHost: "su.test", StuckAfter: 10 * time.Minute, Job: "shard-2-of-3",
	}
	st := incident.NewState()
	now := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	for pass := range 200 {
		now = now.Add(time.Duration(1+rng.IntN(20)) * time.Minute)
		var obs []incident.Observation
		for i, p := range pids {
			o := incident.Observation{ProcessID: p, Server: hosts[i%len(hosts)], Check: incident.CheckRead, SlotsBehind: int64(rng.IntN(150))}
			switch rng.IntN(6) {
			case 0:
				o.Check, o.StateFailed = incident.CheckFailed, true
			case 1:
				o.Check, o.SchedulerFailed = incident.CheckFailed, true
			case 2:
				o.Trend = trend.Trend{Class: trend.Stuck, StuckSince: now.Add(-time.Hour)}
			}
			obs = append(obs, o)
		}
		plan := incident.Decide(st, obs, now, policy)
		// Deliver some events only, as a real pass may.
		next := st.Clone()
		for _, ev := range plan.Events {
			if rng.IntN(4) > 0 {
				next.Apply(ev)
			} else {
				next.Intend(ev)
			}
		}
		next.Failing = plan.Next.Failing
		h := Header{Shard: "2/3", Lists: "process-ids-file=ids.txt"}
		p, err := parse(EncodeWith(h, next, nil))
		if err != nil || len(p.dropped) > 0 {
			t.Fatalf("pass %d: the reader refused what was written: %v %v", pass, err, p.dropped)
		}
		if diff := cmp.Diff(normalize(next), p.state, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("pass %d: round trip (-wrote +read):\n%s", pass, diff)
		}
		if p.header.Shard != h.Shard || p.header.Lists != h.Lists {
			t.Fatalf("pass %d: header %+v", pass, p.header)
		}
		st = next
	}
}
