package action

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/org/nonce-monitor-action/internal/config"
)

func TestExitStatus(t *testing.T) {
	cause := errors.New("HTTP 401")
	joined := errors.Join(failed(errRESTRefused, cause), errCutShort, failed(errStateNotSaved, nil))
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"a pass that went fine", nil, 0},
		{"--help", fmt.Errorf("flags: %w", config.ErrHelp), 0},
		{"one failure", errUndelivered, 1},
		{"no cause, no failure", failed(errStateNotSaved, nil), 0},
		{"several, joined", joined, 1},
	} {
		if got := exitStatus(tc.err); got != tc.want {
			t.Errorf("%s: exitStatus = %d, want %d", tc.name, got, tc.want)
		}
	}
	// Each failure stays visible through the join, with its cause.
	for _, kind := range []error{errRESTRefused, errCutShort, cause} {
		if !errors.Is(joined, kind) {
			t.Errorf("joined failures lost %v", kind)
		}
	}
	if errors.Is(joined, errUndelivered) || errors.Is(joined, errStateNotSaved) {
		t.Error("joined failures claim one that did not happen")
	}
}

// A pass returns each failure that applies, of its kind, and no other.
func TestPassFailuresAreTyped(t *testing.T) {
	t.Parallel()
	kinds := map[string]error{
		"not ready": errNotReady, "cut short": errCutShort, "undelivered": errUndelivered,
		"state not saved": errStateNotSaved, "misconfigured": errMisconfigured, "REST refused": errRESTRefused,
		"fail-on": errFindings, "publish": errPublish,
	}
	for _, tc := range []struct {
		name  string
		setup func(h *harness)
		in    map[string]string
		want  []string
	}{
		{"a pass that went fine", nil, nil, nil},
		{"PagerDuty rejects the event", func(h *harness) { h.pd.FailNext(400) }, nil, []string{"undelivered"}},
		{"the intent cannot be recorded", nil, map[string]string{"state-file": "no-such-dir/state.json"}, []string{"state not saved", "undelivered"}},
		{"fail-on behind", nil, map[string]string{"fail-on": "behind"}, []string{"fail-on"}},
		{"a bad input", nil, map[string]string{"concurrency": "0"}, []string{"not ready"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.fleet.Set(pidA, 0, 60) // behind: one trigger
			if tc.setup != nil {
				tc.setup(h)
			}
			in := map[string]string{"process-ids": pidA}
			for k, v := range tc.in {
				in[k] = v
			}
			r := h.run(in)
			var got []string
			for name, kind := range kinds {
				if errors.Is(r.failures, kind) {
					got = append(got, name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("failures %v (%v), want %v", got, r.failures, tc.want)
			}
			if want := min(len(tc.want), 1); r.exit != want {
				t.Errorf("exit %d, want %d", r.exit, want)
			}
		})
	}
}
