package action

import (
	"errors"
	"fmt"
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
