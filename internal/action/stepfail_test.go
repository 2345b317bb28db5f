package action

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

func TestConfigErrorsFailBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for name, extra := range map[string]map[string]string{
		"missing routing key":  {"pagerduty-routing-key": ""},
		"negative threshold":   {"pagerduty-severity-threshold": "-1"},
		"bad duration":         {"request-timeout": "soon"},
		"not a number":         {"concurrency": "many"},
		"no valid process":     {"process-ids": "nope, also-nope"},
		"unreadable file":      {"process-ids-file": "missing.txt"},
		"malformed map":        {"process-map-file": "ids.txt"},
		"unreadable state":     {"state-file": "."},
		"unknown fail-on mode": {"fail-on": "always"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte("not json"), 0o644)
			r := h.run(extra)
			if r.exit != 1 {
				t.Errorf("exit %d, want 1", r.exit)
			}
			if h.fleet.Requests("state")+h.fleet.Requests("router")+h.pd.Requests() != 0 {
				t.Errorf("a network request was made before the configuration was validated")
			}
			if !strings.Contains(r.stdout, "::error title=") {
				t.Errorf("no error annotation:\n%s", r.stdout)
			}
		})
	}
}

func TestErrorAnnotationNamesTheInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(map[string]string{"concurrency": "many"})
	if !strings.Contains(r.stdout, `::error title=Invalid input%3A concurrency::input concurrency: "many" is not a whole number`) {
		t.Errorf("annotation does not name the input:\n%s", r.stdout)
	}
}

func TestFailOn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		failOn  string
		behind  bool
		failing bool
		exit    int
	}{
		{"never", true, true, 0},
		{"error", true, false, 0},
		{"error", false, true, 1},
		{"behind", false, true, 0},
		{"behind", true, false, 1},
	} {
		h := newHarness(t)
		h.fleet.Set(pidA, 0, 0)
		if tt.behind {
			h.fleet.Set(pidA, 0, 99)
		}
		h.fleet.Set(pidB, 0, 0)
		if tt.failing {
			h.fleet.Break(pidB, aotest.Status500, aotest.OK)
		}
		r := h.run(map[string]string{"process-ids": pidA + "," + pidB, "fail-on": tt.failOn, "max-retries": "0"})
		if r.exit != tt.exit {
			t.Errorf("fail-on %s, behind=%v failing=%v: exit %d, want %d", tt.failOn, tt.behind, tt.failing, r.exit, tt.exit)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.pd.FailNext(400) // a failure report is where a key would most likely leak
	r := h.run(map[string]string{"process-ids": pidA})
	if !strings.HasPrefix(r.stdout, "::add-mask::"+routingKey+"\n") {
		t.Errorf("the routing key is not masked before anything else is printed:\n%.200s", r.stdout)
	}
	rest := strings.TrimPrefix(r.stdout, "::add-mask::"+routingKey+"\n")
	for where, text := range map[string]string{"log": rest, "summary": r.summary, "outputs": strings.Join(mapValues(r.outputs), "\n"), "state file": h.stateFile()} {
		if strings.Contains(text, routingKey) {
			t.Errorf("the routing key appears in the %s", where)
		}
	}
}

func mapValues(m map[string]string) []string {
	var v []string
	for _, s := range m {
		v = append(v, s)
	}
	return v
}

func TestAnnotationsAreCappedAtTenPerType(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for i := range 15 {
		ids = append(ids, strings.Repeat("x", 40)+string(rune('a'+i))) // 41 characters: invalid
	}
	h.fleet.Set(pidA, 1, 1)
	r := h.run(map[string]string{"process-ids": pidA + "\n" + strings.Join(ids, "\n")})
	if n := strings.Count(r.stdout, "::error "); n != 10 {
		t.Errorf("%d error annotations, want 10", n)
	}
	if !strings.Contains(r.stdout, "6 more errors not shown as annotations") {
		t.Errorf("the tenth error should sum up the rest:\n%s", r.stdout)
	}
}
