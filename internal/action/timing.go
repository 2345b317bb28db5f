package action

import (
	"time"

	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// Timing is how long a pass waits between things. Its zero value is the
// production timing; tests shorten it per pass, so they can run in
// parallel without sharing package variables.
type Timing struct {
	// FirstBackoff is the first retry wait (default 1 s); it doubles each
	// retry.
	FirstBackoff time.Duration
	// DeliveryGrace is how long events may still be sent after the pass
	// was cut short (default 5 s, inside the ten seconds Docker gives a
	// container between SIGTERM and SIGKILL).
	DeliveryGrace time.Duration
	// ProgressEvery is how often a long pass says how far it got (default
	// 5 s): Actions logs show no progress bars.
	ProgressEvery time.Duration
	// ProgressTicks, if set, replaces the ProgressEvery ticker: each value
	// received logs one progress line (tests tick it by hand).
	ProgressTicks <-chan time.Time
	// RetryClock, if set, is the clock retries wait on (backoff,
	// Retry-After); tests pass one whose waits end at once.
	RetryClock retryhttp.Clock
}

func (t Timing) withDefaults() Timing {
	t.FirstBackoff = orDuration(t.FirstBackoff, time.Second)
	t.DeliveryGrace = orDuration(t.DeliveryGrace, 5*time.Second)
	t.ProgressEvery = orDuration(t.ProgressEvery, 5*time.Second)
	return t
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
