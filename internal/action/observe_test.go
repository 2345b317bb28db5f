package action

import (
	"errors"
	"testing"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
)

func TestCheckOf(t *testing.T) {
	n := int64(7)
	for _, tc := range []struct {
		name string
		r    check.Result
		want incident.Check
	}{
		{"both nonces read", check.Result{StateNonce: &n, SUNonce: &n}, incident.CheckRead},
		{"one nonce unread", check.Result{StateNonce: &n, SUErr: errors.New("down")}, incident.CheckFailed},
		{"cut short", check.Result{Interrupted: true}, incident.CheckInterrupted},
		{"misconfigured host, whatever it read", check.Result{StateNonce: &n, SUNonce: &n, Misconfigured: "su-router-url"}, incident.CheckInterrupted},
		{"the node was loading it", check.Result{SUNonce: &n, StateErr: &check.Error{Kind: check.Loading}}, incident.CheckLoading},
	} {
		if got := checkOf(tc.r); got != tc.want {
			t.Errorf("%s: checkOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}
