package action

// What a state server said of a process in earlier passes, against which
// this pass's read of it is evidence (docs/ao-endpoints.md). A node answers
// a failed computation with 500 once, then the last good slot: that slot,
// read again, is the failure still standing. A node the monitor's own
// request made compute a process, and then left, keeps the slot it
// reached: that slot, read again, is the node still loading, not its
// progress. The notes live in the history file.

import (
	"errors"
	"fmt"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/history"
	"github.com/org/nonce-monitor-action/internal/trend"
)

// abandonedFor bounds how long a slot the monitor's own abandoned request
// left is read as the node loading: past it, a node that computed nothing
// further for that long is read as it stands, behind or not, whoever
// started its last computation.
const abandonedFor = time.Hour

// minHung is how many processes of a state server must time out, in this
// pass and the one before without leaving a slot, with none of its reads
// answered, for the server to be stuck rather than loading them.
const minHung = 2

// readAgainstNotes reads each result against its process's note (in
// mem, with the samples earlier passes read), in place, and returns the
// notes the next pass reads against. results are in target order. A
// narrowed pass keeps the notes of processes it does not list.
func readAgainstNotes(results []check.Result, mem earlier, now time.Time, narrowed bool) history.Notes {
	notes := mem.notes
	next := history.Notes{}
	if narrowed {
		for pid, n := range notes {
			next[pid] = n
		}
	}
	hung := hungHosts(results, notes)
	for i := range results {
		if hung[escape.Host(results[i].StateURL)] && results[i].Loading() {
			// Not loading: the node computes nothing (hungHosts).
			n, ok := notes[results[i].ProcessID]
			next[results[i].ProcessID] = nodeStuck(&results[i], n, ok, now)
			continue
		}
		if n, keep := readAgainst(&results[i], notes, now, mem.samples[results[i].ProcessID]); keep {
			next[results[i].ProcessID] = n
		} else {
			delete(next, results[i].ProcessID)
		}
	}
	return next
}

// hungHosts are the state servers on which every read of this pass timed
// out (loading), at least minHung of them for processes whose reads timed
// out the pass before too, without leaving a slot. A node loading
// processes it had not computed abandons each computation when the read
// gives up and keeps the slot it reached, which the next read gets at
// once (docs/ao-endpoints.md): a node that answers none of them again,
// while it answers its address (the second look), computes nothing. It is
// in trouble, not loading.
func hungHosts(results []check.Result, notes history.Notes) map[string]bool {
	type tally struct{ again, other int }
	hosts := map[string]*tally{}
	for _, r := range results {
		if r.NotChecked() {
			continue
		}
		host := escape.Host(r.StateURL)
		t := hosts[host]
		if t == nil {
			t = &tally{}
			hosts[host] = t
		}
		n, had := notes[r.ProcessID]
		switch {
		case !r.Loading():
			t.other++ // an answer (or a host down: not loading either)
		case had && n.Kind == history.Abandoned && !n.SlotKnown:
			t.again++
		}
	}
	hung := map[string]bool{}
	for host, t := range hosts {
		if t.other == 0 && t.again >= minHung {
			hung[host] = true
		}
	}
	return hung
}

// nodeStuck turns a read that timed out on a node that answers no read
// (hungHosts) into the server's failure, and returns the note that keeps
// when its reads began to time out.
func nodeStuck(r *check.Result, n history.Note, had bool, now time.Time) history.Note {
	next := history.Note{Kind: history.Abandoned, Since: now}
	if had && n.Kind == history.Abandoned && !n.Since.After(now) {
		next.Since = n.Since
	}
	r.StateErr = &check.Error{Endpoint: check.StateServer, Host: escape.Host(r.StateURL), Kind: check.Failing, Blame: answer.Host,
		Detail: fmt.Sprintf("the node computes nothing: it answers, but every read of its processes has timed out since %s, none leaving a slot (a node loading them would answer the slot it reached)",
			next.Since.UTC().Format(time.RFC3339))}
	return next
}

// readAgainst is readAgainstNotes for one result r, its note in notes if
// it has one, and the samples earlier passes read of it. It returns the
// note to keep, if any.
func readAgainst(r *check.Result, notes history.Notes, now time.Time, samples []trend.Sample) (history.Note, bool) {
	n, had := notes[r.ProcessID]
	var e *check.Error
	switch {
	case r.NotChecked():
		return n, had
	case check.KindOf(r.StateErr) == check.Failing && errors.As(r.StateErr, &e):
		// Failing now: the node's own answer, and its reason.
		next := history.Note{Kind: history.Failed, Since: now, Reason: e.Detail}
		if r.SlotSeen != nil {
			next.Slot, next.SlotKnown = *r.SlotSeen, true
		}
		if had && n.Kind == history.Failed && n.SlotKnown == next.SlotKnown && n.Slot == next.Slot && !n.Since.After(now) {
			next.Since = n.Since // the same failure, still standing
		}
		return next, true
	case r.Loading():
		// The monitor's request just gave up on a computation it started.
		next := history.Note{Kind: history.Abandoned, Since: now}
		if had && n.Kind == history.Abandoned && !n.Since.After(now) {
			next.Since = n.Since
		}
		if now.Sub(next.Since) >= abandonedFor {
			neverLoaded(r, next, now)
		}
		return next, true
	case !had || r.StateNonce == nil:
		return n, had
	}
	slot := *r.StateNonce
	if r.SUNonce != nil && slot >= *r.SUNonce {
		// In step: the node computed everything scheduled. Nothing is
		// failing or loading, whatever was said before.
		return n, false
	}
	switch n.Kind {
	case history.Failed:
		if n.SlotKnown && slot > n.Slot {
			return n, false // computed past the failure: the read is evidence again
		}
		if !n.SlotKnown {
			n.Slot, n.SlotKnown = slot, true
		}
		stillFailing(r, n, slot)
		return n, true
	case history.Abandoned:
		if (n.SlotKnown && slot > n.Slot) || now.Sub(n.Since) >= abandonedFor || n.Since.After(now) {
			return n, false // computed further, or left too long: read as it stands
		}
		if !n.SlotKnown && hadComputed(samples, n.Since, slot) {
			// The node answered this slot, or one below, before the read
			// gave up: it had the process computed, and a read of it
			// computes nothing, so nothing was abandoned. The timeout
			// was the node's slowness; the slot is its own (a process
			// stuck there is stuck, not loading).
			return n, false
		}
		n.Slot, n.SlotKnown = slot, true
		stillLoading(r, n, slot, now)
		return n, true
	}
	return n, false
}

// hadComputed reports whether the latest sample before since read a
// computed slot (0 or more: -1 is none) of at most slot: the node had the
// process computed then, and has not lost it since (a cache wiped since
// would have it answer less).
func hadComputed(samples []trend.Sample, since time.Time, slot int64) bool {
	for i := len(samples) - 1; i >= 0; i-- {
		if samples[i].At.Before(since) {
			return samples[i].State >= 0 && samples[i].State <= slot
		}
	}
	return false
}

// stillFailing turns a read of the last good slot after a failed
// computation into the failure it still is.
func stillFailing(r *check.Result, n history.Note, slot int64) {
	r.SlotSeen, r.StateNonce = &slot, nil
	r.StateErr = &check.Error{Endpoint: check.StateServer, Host: escape.Host(r.StateURL), Kind: check.Failing, Blame: answer.Process,
		Detail: fmt.Sprintf("still failing: the node has computed nothing past slot %d since its computation failed (%s): %s",
			n.Slot, n.Since.UTC().Format(time.RFC3339), n.Reason)}
}

// neverLoaded turns a read that timed out again, on a node answering
// others, into the failure it is once that has lasted abandonedFor: the
// node does not load the process.
func neverLoaded(r *check.Result, n history.Note, now time.Time) {
	r.StateErr = &check.Error{Endpoint: check.StateServer, Host: escape.Host(r.StateURL), Kind: check.Failing, Blame: answer.Process,
		Detail: fmt.Sprintf("not loaded: for %s every read of this process timed out while the node answered others (since %s)",
			now.Sub(n.Since).Round(time.Minute), n.Since.UTC().Format(time.RFC3339))}
}

// stillLoading turns a read of the slot the monitor's own abandoned request
// left into the loading it still is.
func stillLoading(r *check.Result, n history.Note, slot int64, now time.Time) {
	r.SlotSeen, r.StateNonce = &slot, nil
	r.StateErr = &check.Error{Endpoint: check.StateServer, Host: escape.Host(r.StateURL), Kind: check.Loading,
		Detail: fmt.Sprintf("loading: slot %d so far; nothing has computed past it since the monitor's request that started the computation gave up, %s ago",
			slot, now.Sub(n.Since).Round(time.Second))}
}
