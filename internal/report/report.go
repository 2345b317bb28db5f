// Package report renders one pass for people and for later workflow steps:
// the Markdown job summary, the terminal report, the step outputs and the
// JSON report file.
package report

import (
	"fmt"
	"time"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// Incident is an incident as the outputs show it. Its JSON keys are part of
// the action's interface: later steps parse them.
type Incident struct {
	ProcessID   string    `json:"process_id"`
	Type        string    `json:"type"`
	DedupKey    string    `json:"dedup_key"`
	Severity    string    `json:"severity"`
	SlotsBehind *int64    `json:"slots_behind"`
	StateNonce  *int64    `json:"state_nonce"`
	SUNonce     *int64    `json:"su_nonce"`
	StateURL    string    `json:"state_url"`
	Error       *string   `json:"error"`
	Since       time.Time `json:"since"` // whole seconds, UTC
	// Unconfirmed: the last event for it may not have reached PagerDuty;
	// the next pass sends it again.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
	// PagerDuty is the incident as PagerDuty showed it at the start of the
	// pass (its number, status and link); only with a REST API key.
	PagerDuty *incident.Link `json:"pagerduty,omitempty"`

	// Reason is why the event was sent (opened, rotated, recovered, ...).
	Reason string `json:"-"`
}

// NewIncident joins an incident with this pass's check of its process (nil
// when the process was not checked this pass).
func NewIncident(inc incident.Incident, reason incident.Reason, r *check.Result) Incident {
	out := Incident{
		ProcessID:   inc.ProcessID,
		Type:        string(inc.Type),
		DedupKey:    inc.DedupKey,
		Severity:    string(inc.Severity),
		Since:       inc.Since.UTC().Truncate(time.Second),
		Reason:      string(reason),
		Unconfirmed: inc.Unconfirmed,
	}
	if r == nil {
		return out
	}
	out.StateURL = r.StateURL
	out.StateNonce, out.SUNonce = r.StateNonce, r.SUNonce
	if r.BothRead() && inc.Type != incident.Unreadable {
		n := r.SlotsBehind()
		out.SlotsBehind = &n
	}
	if msg := r.ErrorText(); msg != "" {
		out.Error = &msg
	}
	return out
}

// Failure is an event PagerDuty did not take.
type Failure struct {
	Action   string
	Incident Incident
	Error    string
}

// Pass is everything the report says about one monitoring pass.
type Pass struct {
	Results   []check.Result // every process checked, any order
	Threshold int64
	// Status is every process's outcome, as incident.Classify decided it;
	// every count and status shown reads it.
	Status map[string]incident.Status
	Now    time.Time // when the pass ran, for "open for"
	// Trends is every process's motion over its history, and History the
	// samples it was read from.
	Trends  map[string]trend.Trend
	History map[string][]trend.Sample
	// Deferred: past the threshold, not paged yet (catching up).
	Deferred []string

	Triggered []Incident // new incidents (including a new day's rotation)
	Updated   []Incident // re-triggered because their severity rose
	Resolved  []Incident
	Forgotten []Incident // recovered with auto-resolve off: left to a human
	Open      []Incident // open after this pass
	Failures  []Failure

	SlackStatus      string   // what Slack was told, if Slack is on
	Skipped          []string // input entries not taken as written (warnings)
	Mistyped         []string // input entries that are not processes: not checked, the step fails
	Notes            []string // warnings worth repeating in the summary
	DryRun           bool
	PagerDutyEnabled bool
	StateFile        string
	StateChanged     bool
	ReportFile       string // workspace-relative path of the JSON report
}

// Behind counts processes at or past the threshold (silenced ones not).
func (p Pass) Behind() int { return p.count(incident.StatusBehind) }

// Errors counts processes that could not be checked (silenced ones not).
func (p Pass) Errors() int { return p.count(incident.StatusFailing) }

// Stuck counts processes whose state server is stuck (silenced ones not).
func (p Pass) Stuck() int {
	n := 0
	for pid, t := range p.Trends {
		if t.Class == trend.Stuck && p.Status[pid] != incident.StatusSilenced {
			n++
		}
	}
	return n
}

// NotChecked counts processes the pass ended before checking, or whose
// failure was the configuration's.
func (p Pass) NotChecked() int { return p.count(incident.StatusNotChecked) }

// Misconfigured counts processes not checked because of a configuration
// error (said once, by input).
func (p Pass) Misconfigured() int {
	n := 0
	for _, r := range p.Results {
		if r.Misconfigured != "" {
			n++
		}
	}
	return n
}

func (p Pass) count(s incident.Status) int {
	n := 0
	for _, st := range p.Status {
		if st == s {
			n++
		}
	}
	return n
}

// Count renders "1 process" / "2 processes".
func Count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return fmt.Sprintf("%d %s", n, plural)
}

// troubleParts names what is wrong in a pass ("1 behind", "2 failing"),
// for the headlines.
func troubleParts(p Pass) []string {
	var parts []string
	if n := p.Behind(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d behind", n))
	}
	if n := p.Errors(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failing", n))
	}
	if n, misconfigured := p.NotChecked(), p.Misconfigured(); n > misconfigured {
		parts = append(parts, fmt.Sprintf("%d not checked (pass cut short)", n-misconfigured))
	}
	if n := p.Misconfigured(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not checked (configuration error)", n))
	}
	if n := p.count(incident.StatusLoading); n > 0 {
		parts = append(parts, fmt.Sprintf("%d loading (no reading yet)", n))
	}
	if n := p.stuckWithin(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d stuck within the threshold", n))
	}
	return parts
}

// listNote says, after a headline, how many list entries are not process
// IDs: none of them was checked, and they fail the step.
func listNote(p Pass) string {
	switch n := len(p.Mistyped); n {
	case 0:
		return ""
	case 1:
		return "; 1 list entry is not a process ID"
	default:
		return fmt.Sprintf("; %d list entries are not process IDs", n)
	}
}

// stuckWithin counts the processes within the threshold whose state slot
// stopped while their scheduler advanced: not behind yet, not healthy
// either (stuck-after pages them). Those behind are counted as behind.
func (p Pass) stuckWithin() int {
	n := 0
	for pid, t := range p.Trends {
		if t.Class == trend.Stuck && p.Status[pid] == incident.StatusOK {
			n++
		}
	}
	return n
}

// troubleSince is when a process's trouble began, as far as anything this
// pass knows tells: the oldest of its open incident's start, the moment
// its state slot stopped moving (stuck), and the first of the unbroken run
// of recent samples at or past the threshold. An incident opened a minute
// ago for a process stuck for an hour is an hour's trouble. Zero if
// nothing tells.
func (p Pass) troubleSince(pid string) time.Time {
	var since time.Time
	earlier := func(t time.Time) {
		if !t.IsZero() && (since.IsZero() || t.Before(since)) {
			since = t
		}
	}
	for _, inc := range p.Open {
		if inc.ProcessID == pid {
			earlier(inc.Since)
		}
	}
	if t := p.Trends[pid]; t.Class == trend.Stuck {
		earlier(t.StuckSince)
	}
	if p.Status[pid] == incident.StatusBehind {
		samples := p.History[pid]
		var first time.Time
		for i := len(samples) - 1; i >= 0 && samples[i].SU-samples[i].State >= p.Threshold; i-- {
			first = samples[i].At
		}
		earlier(first)
	}
	return since
}

// troubleFor is troubleSince as an age ("55m", "just now", "–").
func (p Pass) troubleFor(pid string) string {
	return openFor(p.troubleSince(pid), p.Now)
}
