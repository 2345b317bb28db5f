// Package ao reads the two nonces of an AO process: the latest slot a state
// server computed, and the latest nonce its scheduler assigned. What it
// found is a check.Result, the pass's own type.
package ao

import (
	"errors"
	"fmt"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

func answerError(ep check.Endpoint, host string, v answer.Verdict, attempts int) *check.Error {
	detail := v.Detail
	if attempts > 1 {
		detail += fmt.Sprintf(" (after %d attempts)", attempts)
	}
	return &check.Error{Endpoint: ep, Host: host, Kind: v.Kind, Blame: v.Blame, Detail: detail}
}

func transportError(ep check.Endpoint, host string, err error) error {
	v := answer.OfError(err)
	e := &check.Error{Endpoint: ep, Host: host, Kind: v.Kind, Blame: v.Blame, Detail: v.Detail + attemptsSuffix(err), Err: err}
	var down *retryhttp.HostDownError
	var na *retryhttp.NoAnswerError
	switch {
	case errors.As(err, &down):
		e.Detail = "down: not asked, after earlier requests of this pass got no answer"
	case ep == check.StateServer && errors.As(err, &na) && na.HostAnswering:
		e = e.AsLoading()
	}
	return e
}

func attemptsSuffix(err error) string {
	var na *retryhttp.NoAnswerError
	if errors.As(err, &na) && na.Attempts > 1 {
		return fmt.Sprintf(" (after %d attempts)", na.Attempts)
	}
	return ""
}
