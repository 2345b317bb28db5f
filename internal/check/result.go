// Package check is what checking one AO process found: the latest slot its
// state server computed and the latest nonce its scheduler assigned, or
// why either could not be read, classified. The ao client produces it;
// every stage of a pass reads it (the shell's observations, Slack, the
// report), so it belongs to none of them. Pure: no I/O.
package check

import (
	"net/url"
	"strings"
	"time"
)

// Result is one process's check.
type Result struct {
	ProcessID  string
	StateURL   string // credential-free
	StateNonce *int64 // latest slot the state server computed (-1: none yet)
	SUNonce    *int64 // latest nonce the scheduler assigned
	StateErr   error
	SUErr      error
	// SlotSeen is a slot the state server answered that is not evidence
	// of its progress: the last slot it kept when a computation failed,
	// or the slot a computation abandoned by the monitor's own request
	// reached (docs/ao-endpoints.md). nil: none.
	SlotSeen *int64
	Duration time.Duration
	// Interrupted: the pass was cut short (deadline or cancellation)
	// before this check finished, so its failure says nothing about the
	// process. It is reported as not checked.
	Interrupted bool
	// Scheduler is the process's SU base URL to remember (checked by
	// answer.SchedulerURL: http(s), no credentials, bounded), "" for none:
	// the router answered itself, its redirect was not of the usual
	// shape, or it said the process is not there.
	Scheduler string
	// SchedulerFromRouter: the router named Scheduler in this check (it is
	// confirmed now); otherwise Scheduler is the remembered one, kept.
	SchedulerFromRouter bool
	// RouterAsked: the check asked the router (none remembered, the
	// remembered SU failed or was due for its re-check, or what it said
	// cannot be the process's current scheduler).
	RouterAsked bool
	// Misconfigured names the input (and credential-free URL) at fault
	// when every process on a host failed alike in a way that points at
	// configuration: the pass says so once, and the failure says nothing
	// about the process. It is reported as not checked.
	Misconfigured string
}

// NotChecked reports whether the check says nothing about the process:
// the pass was cut short, or the configuration is at fault. Its nonces,
// if any were read, are not evidence either way.
func (r Result) NotChecked() bool { return r.Interrupted || r.Misconfigured != "" }

// Loading reports whether the state server was computing the process when
// it was read: the read is no evidence of its progress, either way.
func (r Result) Loading() bool { return KindOf(r.StateErr) == Loading }

// BothRead reports whether both nonces were read. A check can have both
// and still be NotChecked (the pass was cut short after it read them).
func (r Result) BothRead() bool { return r.StateNonce != nil && r.SUNonce != nil }

// SlotsBehind is |su - state|, the distance the monitor alerts on. It is 0
// unless both nonces were read.
func (r Result) SlotsBehind() int64 {
	if !r.BothRead() {
		return 0
	}
	d := *r.SUNonce - *r.StateNonce
	if d < 0 {
		return -d
	}
	return d
}

// ErrorText is the failures as one line, or "".
func (r Result) ErrorText() string {
	var parts []string
	for _, err := range []error{r.StateErr, r.SUErr} {
		if err != nil {
			parts = append(parts, err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// ExplorerURL links a process on an AO explorer.
func ExplorerURL(processID string) string {
	return "https://www.ao.link/#/entity/" + url.PathEscape(processID)
}
