package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"go.yaml.in/yaml/v3"
)

// exampleJobs reads a matrix example as GitHub runs it: one `with:` of the
// action's step per matrix entry, each ${{ }} replaced by the entry's value
// or by secrets[name]. An expression it cannot evaluate fails the test.
func exampleJobs(t *testing.T, workflow string, secrets map[string]string) []map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("docs/examples", workflow))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct{ Include []map[string]string }
			}
			Steps []struct {
				Uses string
				With map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	expr := regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	var jobs []map[string]string
	for _, job := range w.Jobs {
		for _, entry := range job.Strategy.Matrix.Include {
			eval := func(e string) string {
				if name, ok := strings.CutPrefix(e, "matrix."); ok {
					if v, ok := entry[name]; ok {
						return v
					}
				}
				if name, ok := strings.CutPrefix(e, "secrets[matrix."); ok {
					if v, ok := secrets[entry[strings.TrimSuffix(name, "]")]]; ok {
						return v
					}
				}
				t.Fatalf("%s: cannot evaluate ${{ %s }}", workflow, e)
				return ""
			}
			for _, s := range job.Steps {
				if !strings.HasPrefix(s.Uses, "org/nonce-monitor-action@") {
					continue
				}
				with := map[string]string{}
				for k, v := range s.With {
					with[k] = expr.ReplaceAllStringFunc(v, func(m string) string { return eval(expr.FindStringSubmatch(m)[1]) })
				}
				jobs = append(jobs, with)
			}
		}
	}
	return jobs
}

// two-services.yml as copied: the critical processes page one service and
// the rest another, each job with its own routing key, files and grouped
// dedup keys, whether processes are paged one by one or grouped by server;
// and each resolves only what it opened, with the key it opened it with.
func TestTwoServicesExample(t *testing.T) {
	t.Parallel()
	keys := map[string]string{"PAGERDUTY_ROUTING_KEY_CRITICAL": strings.Repeat("c", 32), "PAGERDUTY_ROUTING_KEY": strings.Repeat("r", 32)}
	jobs := exampleJobs(t, "two-services.yml", keys)
	if len(jobs) != 2 {
		t.Fatalf("%d jobs, want 2", len(jobs))
	}
	fleet := aotest.Start()
	defer fleet.Close()
	pd := pagerdutytest.Start()
	defer pd.Close()
	workspace := t.TempDir() // one for both: their files must not collide either
	os.Mkdir(filepath.Join(workspace, "processes"), 0o755)
	// 12 critical and 12 other processes, all on one state server: more
	// than group-threshold (10) in trouble at once is one server incident
	// per job.
	service := map[string]string{} // process → the key that must page it
	for i, list := range []string{"critical", "rest"} {
		var ids []string
		for n := range 12 {
			pid := fmt.Sprintf("%c%042d", "CR"[i], n)
			ids = append(ids, pid)
			service[pid] = keys[map[string]string{"critical": "PAGERDUTY_ROUTING_KEY_CRITICAL", "rest": "PAGERDUTY_ROUTING_KEY"}[list]]
		}
		os.WriteFile(filepath.Join(workspace, "processes", list+".txt"), []byte(strings.Join(ids, "\n")+"\n"), 0o644)
	}
	pass := func(behind func(pid string) int64) {
		t.Helper()
		for pid := range service {
			fleet.Set(pid, 1000-behind(pid), 1000)
		}
		for _, with := range jobs {
			with["state-url"], with["su-router-url"], with["pagerduty-events-url"] = fleet.State.URL, fleet.Router.URL, pd.URL
			if out, err := actionCommand(t, workspace, t.TempDir(), with).CombinedOutput(); err != nil {
				t.Fatalf("job %s: %v\n%s", with["process-ids-file"], err, out)
			}
		}
	}
	// Three critical processes 50 behind (past 25, not 100), then every
	// process 150 behind (grouped), then all recovered.
	pass(func(pid string) int64 {
		if pid[0] == 'C' && pid[len(pid)-2:] < "03" {
			return 50
		}
		return 0
	})
	if len(pd.Open()) != 3 {
		t.Errorf("after the first pass, open: %v; want the 3 critical processes past 25", pd.Open())
	}
	pass(func(string) int64 { return 150 })
	var servers []string
	for _, key := range pd.Open() {
		if strings.HasPrefix(key, "nonce-monitor-server-") {
			servers = append(servers, key)
		}
	}
	if len(servers) != 2 || servers[0] == servers[1] {
		t.Fatalf("grouped incidents open %v: want one per job, under two keys", servers)
	}
	pass(func(string) int64 { return 0 })
	if open := pd.Open(); len(open) != 0 {
		t.Errorf("still open after recovery: %v", open)
	}

	// Every event of an incident carries one routing key: the service of
	// its processes (a resolve under another key is dropped by PagerDuty).
	keyOf := map[string]string{}
	for _, ev := range pd.Accepted() {
		if k, seen := keyOf[ev.DedupKey]; seen && k != ev.RoutingKey {
			t.Errorf("%s sent with two routing keys", ev.DedupKey)
		}
		keyOf[ev.DedupKey] = ev.RoutingKey
		for pid, want := range service {
			if strings.Contains(ev.DedupKey, pid) && ev.RoutingKey != want {
				t.Errorf("%s %s sent to the other service", ev.EventAction, ev.DedupKey)
			}
		}
	}
	for _, key := range servers {
		if keyOf[key] == "" {
			t.Errorf("no event for %s", key)
		}
	}
	if keyOf[servers[0]] == keyOf[servers[1]] {
		t.Errorf("both grouped incidents went to one service")
	}
}
