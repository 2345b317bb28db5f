package incident

// Status is what one pass found for one process. Classify decides it; the
// outputs and their counts, the report file, the job summary, Slack,
// fail-on and Decide all read it, so "behind" means one thing everywhere.
type Status string

const (
	StatusOK     Status = "ok"
	StatusBehind Status = "behind" // at or past the threshold
	// StatusFailing: a nonce could not be read.
	StatusFailing Status = "error"
	// StatusNotChecked: the pass ended before this process's check did.
	StatusNotChecked Status = "not-checked"
	// StatusLoading: the state server was loading the process: its slot
	// is no evidence this pass (CheckLoading).
	StatusLoading Status = "loading"
	// StatusSilenced: in maintenance. Checked and shown, but counted as
	// neither behind nor failing, never paged, never announced, and it
	// never fails the step, whatever its nonces say.
	StatusSilenced Status = "silenced"
)

// Classify decides the status of a process from its observation and a
// threshold in slots (PagerDuty's, or Slack's own).
func Classify(o Observation, threshold int64) Status {
	switch {
	case o.Silenced:
		return StatusSilenced
	case o.Check == CheckInterrupted:
		return StatusNotChecked
	case o.Check == CheckLoading:
		return StatusLoading
	case o.Check != CheckRead:
		return StatusFailing
	case o.SlotsBehind >= threshold:
		return StatusBehind
	}
	return StatusOK
}
