package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// MaxDedupKey is the longest dedup key PagerDuty accepts (Events API v2).
const MaxDedupKey = 255

// DedupKey is the PagerDuty dedup key "nonce-monitor-{type}-{subject}-{day}"
// on now's UTC day. The date makes incidents rotate daily, as the old
// monitor did. Process incidents use ProcessKey and grouped ones GroupKey,
// which put the job's Owner in the subject.
func DedupKey(t Type, subject string, now time.Time) string {
	return fmt.Sprintf("nonce-monitor-%s-%s-%s", t, subject, now.UTC().Format("20060102"))
}

// ownerLen is the length of an Owner tag: "j" and 8 hex digits.
const ownerLen = 9

// Owner is a job's identity in the dedup keys it sends: "j" and the first 8
// hex digits of the SHA-256 of identity (the shell gives the repository
// and the state-file input, which together make a job). The same on every
// pass and every shard of the job, and unlike any other job's, so a job
// can tell its own alerts among a shared service's.
func Owner(identity string) string {
	sum := sha256.Sum256([]byte(identity))
	return "j" + hex.EncodeToString(sum[:4])
}

// validOwner reports whether s is an Owner tag.
func validOwner(s string) bool {
	if len(s) != ownerLen || s[0] != 'j' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ProcessKey is the dedup key of a process incident (pid: a process ID,
// 43 characters) sent by the job owner: "nonce-monitor-{type}-{pid}-{owner}-{day}",
// 85 characters at most. owner "" gives the key versions before job
// identities sent (and every state file written then still holds).
func ProcessKey(t Type, pid, owner string, now time.Time) string {
	if owner == "" {
		return DedupKey(t, pid, now)
	}
	return DedupKey(t, pid+"-"+owner, now)
}

// GroupKey is the dedup key of a grouped incident: its type, the host it is
// about, the job that owns it (its layout and Owner, so that two shards, or
// two jobs watching one server, never share a key and never resolve each
// other's page) and now's UTC day. It is at most MaxDedupKey characters for
// any host: a host too long to fit is shortened to a prefix and a stable
// hash of the whole host, so every pass of one job computes the same key.
// job "" gives the key of one job before job identities.
func GroupKey(t Type, host, job string, now time.Time) string {
	owner := host
	if job != "" {
		owner = host + "-" + job
	}
	key := DedupKey(t, owner, now)
	if len(key) <= MaxDedupKey {
		return key
	}
	sum := sha256.Sum256([]byte(host))
	tag := "~" + hex.EncodeToString(sum[:8])
	over := len(key) - MaxDedupKey + len(tag)
	short := host[:max(len(host)-over, 0)] + tag
	if job != "" {
		short += "-" + job
	}
	key = DedupKey(t, short, now)
	if len(key) > MaxDedupKey { // only a job label too long to fit: never from the shell
		key = key[:MaxDedupKey]
	}
	return key
}

// keyOf is the key a subject's incident of type t has on now's day.
func keyOf(t Type, subject string, now time.Time, p Policy) string {
	if t.Grouped() {
		return GroupKey(t, subject, p.Job, now)
	}
	return ProcessKey(t, subject, p.Owner, now)
}

// fromEarlierDay reports whether an incident was opened on a UTC day before
// now's: its key is not today's, whatever format an earlier version gave
// it, and it is due to rotate. One opened on a later day (a runner's clock
// that stepped back across midnight) is today's as far as this pass can
// tell: rotating it back to the day before would resolve it and page
// again under a key PagerDuty already resolved, and again when the clock
// comes right.
func fromEarlierDay(inc Incident, now time.Time) bool {
	return inc.Since.UTC().Format("20060102") < now.UTC().Format("20060102")
}
