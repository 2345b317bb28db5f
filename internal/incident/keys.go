package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// MaxDedupKey is the longest dedup key PagerDuty accepts (Events API v2).
const MaxDedupKey = 255

// DedupKey is the PagerDuty dedup key of a process incident (subject is a
// process ID, 43 characters) on now's UTC day. The date makes incidents
// rotate daily, as the old monitor did. Grouped incidents use GroupKey.
func DedupKey(t Type, subject string, now time.Time) string {
	return fmt.Sprintf("nonce-monitor-%s-%s-%s", t, subject, now.UTC().Format("20060102"))
}

// GroupKey is the dedup key of a grouped incident: its type, the host it is
// about, the job that owns it (so two shards, or two jobs watching one
// server, never share a key and never resolve each other's page) and now's
// UTC day. It is at most MaxDedupKey characters for any host: a host too
// long to fit is shortened to a prefix and a stable hash of the whole host,
// so every pass of one job computes the same key. job "" (one job, default
// state file) gives the key earlier versions used.
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
	return DedupKey(t, subject, now)
}

// sameDay reports whether an incident was opened on now's UTC day: its key
// is today's, whatever format an earlier version gave it.
func sameDay(inc Incident, now time.Time) bool {
	return inc.Since.UTC().Format("20060102") == now.UTC().Format("20060102")
}
