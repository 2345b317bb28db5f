package action

import (
	"errors"
	"testing"

	"github.com/org/nonce-monitor-action/internal/ao"
	"github.com/org/nonce-monitor-action/internal/incident"
)

func TestCheckOf(t *testing.T) {
	n := int64(7)
	for _, tc := range []struct {
		name string
		r    ao.Result
		want incident.Check
	}{
		{"both nonces read", ao.Result{StateNonce: &n, SUNonce: &n}, incident.CheckRead},
		{"one nonce unread", ao.Result{StateNonce: &n, SUErr: errors.New("down")}, incident.CheckFailed},
		{"cut short", ao.Result{Interrupted: true}, incident.CheckInterrupted},
		{"misconfigured host, whatever it read", ao.Result{StateNonce: &n, SUNonce: &n, Misconfigured: "su-router-url"}, incident.CheckInterrupted},
		{"the node was loading it", ao.Result{SUNonce: &n, StateErr: &ao.Error{Kind: ao.Loading}}, incident.CheckLoading},
	} {
		if got := checkOf(tc.r); got != tc.want {
			t.Errorf("%s: checkOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}
