package incident

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Scope is what one job may adopt from PagerDuty: only keys it sent itself
// (its Owner is in them), from this layout or an earlier one, and keys from
// before job identities that it would itself have sent. Another job's
// keys, a sibling shard's, other integrations' look-alikes and the test
// event's are left to their owners.
type Scope struct {
	// Owner is Policy.Owner: this job's keys carry it (see Owner).
	Owner string
	// Job is Policy.Job: this layout's grouped keys carry it (GroupKey).
	Job string
	// Shards is this layout's shard count (0: one job). A grouped key of
	// this Owner under another count is an earlier layout's, adopted; one
	// under this count and another shard is a sibling's, left alone.
	Shards int
	// LegacyJob is the job earlier versions put in this layout's grouped
	// keys (before job identities), adopted as this job's.
	LegacyJob string
	// LegacyHeld: the state file was written by a version with job
	// identities, which kept every key from before them it held open; a
	// key of that pattern the file does not hold is not this job's (it
	// resolved it, or another sender uses the pattern: the JavaScript
	// monitor, a look-alike) and is never adopted. False when the file is
	// missing or an earlier version's: then such a key is adopted as the
	// job's for a process it lists, or a server it watches.
	LegacyHeld bool
	// Hosts are the hosts this job groups under: its state servers and
	// its scheduler router, as Observation.Server and
	// Policy.SchedulerHost name them. A grouped key is recognised only as
	// GroupKey of one of them, since a key's subject holds the job and a
	// long host may be shortened to a hash.
	Hosts []string
	// Holds says whether a process is this job's (a shard's own); nil
	// holds every process.
	Holds func(processID string) bool
	// Listed says whether this pass lists a process; nil lists every one.
	// A key from before job identities names no job: it is adopted only
	// for a process this pass lists.
	Listed func(processID string) bool
	// HoldGroups: this pass cannot tell whether it sees a group whole (no
	// state file records the job's lists: a manual run's hand-picked list
	// looks like the job's own), so an adopted grouped incident is not
	// resolved this pass (see Fit); the next pass decides it.
	HoldGroups bool
}

// Recognize reads back a key this job sent, or would have sent before job
// identities: its type, subject and UTC day (as Since).
func (s Scope) Recognize(key string) (Incident, bool) {
	inc, owner, ok := ParseDedupKey(key)
	if !ok {
		return Incident{}, false
	}
	if !inc.Type.Grouped() {
		held := s.Holds == nil || s.Holds(inc.ProcessID)
		listed := s.Listed == nil || s.Listed(inc.ProcessID)
		if held && (owner == s.Owner || owner == "" && listed && !s.LegacyHeld) {
			return inc, true
		}
		return Incident{}, false
	}
	for _, job := range s.groupJobs(inc.Server) {
		for _, h := range s.Hosts {
			if GroupKey(inc.Type, h, job, inc.Since) == key {
				inc.Server = h
				return inc, true
			}
		}
	}
	return Incident{}, false
}

// shardLayout is the layout a grouped key's subject may end with.
var shardLayout = regexp.MustCompile(`-shard-([1-9][0-9]{0,3})-of-([1-9][0-9]{0,3})$`)

// groupJobs lists the jobs a grouped key with this subject (host, layout,
// owner) may be this job's under: this layout's, its legacy one, and an
// earlier layout of the same Owner (another shard count; never a sibling
// shard of this layout).
func (s Scope) groupJobs(subject string) []string {
	jobs := []string{s.Job}
	if !s.LegacyHeld {
		jobs = append(jobs, s.LegacyJob)
	}
	rest, mine := strings.CutSuffix(subject, "-"+s.Owner)
	if !mine || s.Owner == "" {
		return jobs
	}
	if s.Shards != 0 {
		jobs = append(jobs, s.Owner) // the layout of one job
	}
	if m := shardLayout.FindStringSubmatch(rest); m != nil && m[2] != fmt.Sprint(s.Shards) {
		jobs = append(jobs, fmt.Sprintf("shard-%s-of-%s-%s", m[1], m[2], s.Owner))
	}
	return jobs
}

// ParseDedupKey reads back a key DedupKey, ProcessKey or GroupKey made: its
// type, subject and UTC day (as Since), and the Owner a process key names
// ("" for a key from before job identities; a grouped key's subject keeps
// its job). Keys this monitor cannot have made (another integration's, the
// test event's, a process incident's whose subject is not a process ID)
// are not ok.
func ParseDedupKey(key string) (inc Incident, owner string, ok bool) {
	const prefix, dateLen = "nonce-monitor-", len("-20060102")
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || len(rest) <= dateLen {
		return Incident{}, "", false
	}
	day, err := time.Parse("-20060102", rest[len(rest)-dateLen:])
	if err != nil {
		return Incident{}, "", false
	}
	typ, subject, ok := strings.Cut(rest[:len(rest)-dateLen], "-")
	t := Type(typ)
	switch t {
	case Mismatch, Unreadable, Stuck, Server, Scheduler:
	default:
		return Incident{}, "", false
	}
	if !ok || subject == "" || DedupKey(t, subject, day) != key {
		return Incident{}, "", false
	}
	inc = Incident{Type: t, DedupKey: key, Since: day}
	if t.Grouped() {
		inc.Server = subject
		return inc, "", true
	}
	pid := subject
	if len(subject) == pidLen+1+ownerLen && subject[pidLen] == '-' && validOwner(subject[pidLen+1:]) {
		pid, owner = subject[:pidLen], subject[pidLen+1:]
	}
	if !processID(pid) {
		return Incident{}, "", false
	}
	inc.ProcessID = pid
	return inc, owner, true
}

// pidLen is the length of a process ID.
const pidLen = 43

// processID reports whether s can be a process ID (an Arweave transaction
// ID: 43 characters of base64url), the only subject a process incident's
// key has. Another integration's key with this monitor's prefix is not
// adopted, resolved or shown as a process.
func processID(s string) bool {
	if len(s) != pidLen {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
