package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
)

// SchedulerTTL bounds how long a remembered scheduler location is asked
// without asking the router again. A process's SU is fixed at spawn, so a
// day is only a bound on a location that went stale while its old SU kept
// answering; a failed answer sends the pass to the router at once anyway.
// Each process's location expires somewhere in the last quarter of the
// bound (by its ID), so a fleet learned in one pass is not re-asked in one.
const SchedulerTTL = 24 * time.Hour

// Scheduler is where a process's scheduler (SU) answers, as the router
// said (its 307's base URL, checked by answer.SchedulerURL), and when.
type Scheduler struct {
	URL     string
	Learned time.Time
}

// Schedulers is the remembered scheduler of each process, by process ID.
type Schedulers map[string]Scheduler

// In the history file the schedulers follow the samples, grouped by SU:
// "schedulers": {"<SU base URL>": {"<pid>": <learned, unix seconds>, ...}}.
// A fleet has a handful of SUs, so each URL is written once. Files
// without the section (written before it existed) read as none known.
// Before the section, "router" names the su-router-url they were learned
// through (the caller's mark of it): locations another router gave are
// not this router's answers, and read as none known.

// Fresh is the remembered scheduler of processID, or "" when none is
// remembered, it fails answer.SchedulerURL, or it expired (learned more
// than its share of SchedulerTTL before now, or after now: a clock that
// went back proves nothing about the location).
func (s Schedulers) Fresh(processID string, now time.Time) string {
	return s[processID].Fresh(processID, now)
}

// Fresh is Schedulers.Fresh for the scheduler remembered for processID.
func (sch Scheduler) Fresh(processID string, now time.Time) string {
	if sch.URL == "" || sch.Learned.After(now) || !now.Before(sch.Learned.Add(ttlOf(processID))) {
		return ""
	}
	base, ok := answer.SchedulerURL(sch.URL)
	if !ok {
		return ""
	}
	return base
}

// ttlOf is SchedulerTTL less up to a quarter of it, fixed per process.
func ttlOf(processID string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(processID))
	return SchedulerTTL - time.Duration(h.Sum32()%1024)*(SchedulerTTL/4)/1024
}

// ParseSchedulers reads the schedulers section of a history file (Parse
// reads its samples). An entry whose URL fails answer.SchedulerURL, or
// whose time is not a positive number of seconds, is dropped: the file is
// in the workspace, where anything may be written to it. It streams the
// file, holding no second copy of the samples it skips. Schedulers
// learned through another router than router read as none.
func ParseSchedulers(raw []byte, router string) (Schedulers, error) {
	s := Schedulers{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return s, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	learnedThrough := ""
	err := eachField(dec, func(key string) error {
		if key == "router" {
			return dec.Decode(&learnedThrough)
		}
		if key != "schedulers" {
			return skipValue(dec)
		}
		if err := parseSchedulers(dec, s); err != nil {
			return fmt.Errorf("schedulers: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if learnedThrough != router {
		return Schedulers{}, nil
	}
	return s, nil
}

func parseSchedulers(dec *json.Decoder, s Schedulers) error {
	return eachField(dec, func(raw string) error {
		base, ok := answer.SchedulerURL(raw)
		return eachField(dec, func(pid string) error {
			var at int64
			if err := dec.Decode(&at); err != nil {
				return fmt.Errorf("process %s: %w", pid, err)
			}
			if ok && at > 0 && at < 1<<40 {
				s[pid] = Scheduler{URL: base, Learned: time.Unix(at, 0).UTC()}
			}
			return nil
		})
	})
}

// skipValue reads past one value, token by token.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// EncodeWith renders the history and the schedulers, learned through
// router (the caller's mark of su-router-url; "" writes none), as one
// file, deterministically (SUs and processes sorted). With no schedulers
// it is Encode.
func (h History) EncodeWith(s Schedulers, router string) []byte {
	if len(s) == 0 {
		return h.Encode()
	}
	// A process's samples take about 200 bytes (an hour of them), its
	// scheduler about 60 more.
	b := h.encode(64 * len(s))
	bySU := map[string][]string{}
	for pid, sch := range s {
		bySU[sch.URL] = append(bySU[sch.URL], pid)
	}
	b = bytes.TrimSuffix(b, []byte("}\n")) // reopen the top-level object
	if router != "" {
		b = append(b, `,"router":`...)
		b = appendJSONString(b, router)
	}
	b = append(b, `,"schedulers":{`...)
	for i, su := range slices.Sorted(maps.Keys(bySU)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, su)
		b = append(b, ':', '{')
		slices.Sort(bySU[su])
		for j, pid := range bySU[su] {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, pid)
			b = append(b, ':')
			b = strconv.AppendInt(b, s[pid].Learned.Unix(), 10)
		}
		b = append(b, '}')
	}
	return append(b, "}}\n"...)
}

func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s) // JSON's quoting, not Go's
	if err != nil {
		panic(err) // a string: cannot fail
	}
	return append(b, q...)
}
