package action

import (
	"errors"
	"fmt"

	"github.com/org/nonce-monitor-action/internal/config"
)

// Why a pass fails its step. run returns every one that applies, joined,
// each already reported on the console where it arose; Main turns them
// into the exit status in one place (exitStatus).
var (
	// errNotReady: the inputs, the workspace or a file read before the
	// first request is unusable; nothing was checked.
	errNotReady = errors.New("not ready")
	// errCutShort: pass-timeout or SIGTERM ended the checks early.
	errCutShort = errors.New("pass cut short")
	// errUndelivered: PagerDuty did not confirm every event.
	errUndelivered = errors.New("events not delivered")
	// errStateNotSaved: the state file could not record the intent or
	// the outcome.
	errStateNotSaved = errors.New("state file not saved")
	// errMisconfigured: a host failed every process alike, pointing at
	// configuration.
	errMisconfigured = errors.New("misconfigured")
	// errMistyped: an entry of a process list is not a process (a
	// mistyped ID); the rest were checked.
	errMistyped = errors.New("process list entry is not a process")
	// errRESTRefused: PagerDuty's REST API refused the key or service.
	errRESTRefused = errors.New("PagerDuty REST API key refused")
	// errFindings: what the pass found fails the step, as fail-on asks.
	errFindings = errors.New("fail-on")
	// errPublish: the summary or the outputs could not be written.
	errPublish = errors.New("outputs not written")
	// errTestEvent: the PagerDuty test event was not accepted.
	errTestEvent = errors.New("PagerDuty test event failed")
)

// failed marks err (already reported) as a failure of the given kind; nil
// when err is.
func failed(kind error, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", kind, err)
}

// exitStatus is the step's exit status for what run returned: 0 for a
// pass that went fine (or --help), 1 for any failure.
func exitStatus(err error) int {
	if err == nil || errors.Is(err, config.ErrHelp) {
		return 0
	}
	return 1
}
