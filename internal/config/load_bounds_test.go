package config

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestShards(t *testing.T) {
	cfg, err := Load([]string{"--shard", "2/4"}, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shard != (Shard{2, 4}) || cfg.EffectiveStateFile() != ".pagerduty-state.shard-2-of-4.json" {
		t.Errorf("shard %v, state file %s", cfg.Shard, cfg.EffectiveStateFile())
	}
	cfg.StateFile = "custom.json"
	if cfg.EffectiveStateFile() != "custom.json" {
		t.Error("an explicit state-file must be kept")
	}
	// Every process falls in exactly one shard, and the split is even enough.
	counts := make([]int, 4)
	for i := range 4000 {
		pid := fmt.Sprintf("%043d", i)
		in := 0
		for s := 1; s <= 4; s++ {
			if (Shard{s, 4}).Holds(pid) {
				in++
				counts[s-1]++
			}
		}
		if in != 1 {
			t.Fatalf("%s is in %d shards", pid, in)
		}
	}
	for s, n := range counts {
		if n < 800 || n > 1200 {
			t.Errorf("shard %d holds %d of 4000", s+1, n)
		}
	}
	if !(Shard{}).Holds("anything") {
		t.Error("no shard must hold everything")
	}
}

func TestNumbersAreBase10Only(t *testing.T) {
	base := map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true"}
	load := func(k, v string) (Config, error) {
		e := map[string]string{k: v}
		for k, v := range base {
			e[k] = v
		}
		return Load(nil, env(e), io.Discard)
	}
	cfg, err := load("INPUT_CONCURRENCY", "010")
	if err != nil || cfg.Concurrency != 10 {
		t.Errorf("010 = %d, %v; want ten", cfg.Concurrency, err)
	}
	for _, v := range []string{"0x10", "1_000", "1e3", "0o10", "0b1", "10.0", "ten"} {
		if _, err := load("INPUT_CONCURRENCY", v); err == nil || !strings.Contains(err.Error(), "is not a whole number (base 10") {
			t.Errorf("concurrency %q: %v", v, err)
		}
		if _, err := load("INPUT_PAGERDUTY-SEVERITY-THRESHOLD", v); err == nil {
			t.Errorf("severity threshold %q accepted", v)
		}
	}
	if _, err := load("INPUT_SHARD", "0x1/4"); err == nil {
		t.Error("shard 0x1/4 accepted")
	}
}

func TestDurationsAreBounded(t *testing.T) {
	for input, cases := range map[string]map[string]bool{
		"REQUEST-TIMEOUT": {"1ns": false, "99ms": false, "100ms": true, "5m": true, "87600h": false},
		"PASS-TIMEOUT":    {"1s": false, "10s": true, "4m": true, "6h": true, "7h": false},
	} {
		for v, ok := range cases {
			_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true", "INPUT_" + input: v}), io.Discard)
			if ok != (err == nil) {
				t.Errorf("%s=%s: err = %v, want ok=%v", input, v, err, ok)
			}
			if err != nil && (!strings.Contains(err.Error(), "input "+strings.ToLower(input)+": ") || !strings.Contains(err.Error(), " is out of range")) {
				t.Errorf("%s=%s: %v", input, v, err)
			}
		}
	}
}

func TestEveryBadInputIsReportedInOneRun(t *testing.T) {
	_, err := Load(nil, env(map[string]string{
		"INPUT_PROCESS-IDS":     "x",
		"INPUT_CONCURRENCY":     "lots",
		"INPUT_REQUEST-TIMEOUT": "soon",
		"INPUT_MAX-RETRIES":     "0x3",
		"INPUT_DRY-RUN":         "perhaps",
		"INPUT_FAIL-ON":         "sometimes",
		"INPUT_GROUP-THRESHOLD": "-1",
		"INPUT_PASS-TIMEOUT":    "1ns",
	}), io.Discard)
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not a joined list", err)
	}
	var named []string
	for _, e := range joined.Unwrap() {
		var ie *InputError
		if !errors.As(e, &ie) {
			t.Errorf("%v names no input", e)
			continue
		}
		named = append(named, ie.Input)
	}
	want := []string{"dry-run", "fail-on", "concurrency", "request-timeout", "max-retries", "group-threshold", "pass-timeout"}
	if diff := cmp.Diff(want, named, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("inputs named (-want +got):\n%s\n%v", diff, err)
	}
}

func TestErrorsNeverQuoteURLCredentials(t *testing.T) {
	_, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true",
		"INPUT_STATE-URL": "ftp://operator:hunter22@state.example", "INPUT_SU-ROUTER-URL": "https://tok3n@router.example/?q=1"}), io.Discard)
	if err == nil || strings.Contains(err.Error(), "hunter22") || strings.Contains(err.Error(), "tok3n") ||
		!strings.Contains(err.Error(), "input state-url") || !strings.Contains(err.Error(), "input su-router-url") {
		t.Fatalf("error = %v", err)
	}
}

// The terminal flags are flags, not inputs: they set their own fields, and
// none takes an input's name (a flag and an input of one name would be
// two truths).
func TestTerminalFlags(t *testing.T) {
	cfg, err := Load([]string{"--process-ids", "abc", "--dry-run", "--summary-file", "s.md", "--json", "--verbose"}, env(nil), io.Discard)
	if err != nil || cfg.SummaryFile != "s.md" || !cfg.JSON || !cfg.Verbose {
		t.Errorf("terminal flags: %v, %+v", err, cfg)
	}
	inputs := map[string]bool{}
	for _, s := range Specs() {
		inputs[s.Name] = true
	}
	for _, f := range TerminalFlags {
		if inputs[f.Name] {
			t.Errorf("--%s is both an input and a terminal flag", f.Name)
		}
	}
}

func TestAPITokenIsSecretAndWarnsOverPlainHTTP(t *testing.T) {
	token := "u+SecretRestToken123"
	cfg, err := Load(nil, env(map[string]string{"INPUT_PROCESS-IDS": "x", "INPUT_DRY-RUN": "true",
		"INPUT_PAGERDUTY-API-TOKEN": token, "INPUT_PAGERDUTY-SERVICE-ID": "PSVC123", "INPUT_PAGERDUTY-API-URL": "http://pd.internal"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !isSecret("pagerduty-api-token") {
		t.Error("pagerduty-api-token is not a secret input")
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "pagerduty-api-url uses plain http") || strings.Contains(cfg.Warnings[0], token) {
		t.Errorf("warnings %q, want one about plain http that does not quote the token", cfg.Warnings)
	}
}
