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

// A remembered location is believed only while it behaves: a pass asks
// it directly (one round trip), and asks the router too, at the same
// time, once every RecheckEvery. The SU a process has moved from can go
// on answering /latest for it with a nonce that no longer moves, so a
// location is re-checked however well it answers. Which pass re-checks a
// process is fixed by its ID (a phase within the hour), so a fleet learned
// in one pass is re-checked over the hour that follows, about
// N × (pass interval / RecheckEvery) processes a pass: 1/12 of the fleet
// at five-minute runs. Evidence that a location went stale (package ao:
// the state slot ahead of its nonce, its nonce still while the state slot
// moves) sends a check to the router within the pass, whatever the time.
const RecheckEvery = time.Hour

// SchedulerTTL bounds how long a location the router has not named again
// is asked at all: one the router stopped confirming (it is down, or names
// another SU whose nonce is lower) is dropped a day after the router last
// named it, and the router alone is asked.
const SchedulerTTL = 24 * time.Hour

// Scheduler is where a process's scheduler (SU) answers, as the router
// said (its 307's base URL, checked by answer.SchedulerURL), and when the
// router last named it.
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

// Ask is where to ask for processID's nonce at now: base is the
// remembered SU ("" for none: none is remembered, it fails
// answer.SchedulerURL, the router last named it SchedulerTTL or more
// before now, or after now: a clock that went back proves nothing about
// the location), and recheck says the router is to be asked too: the
// process's re-check falls between the router's last naming and now.
func (s Schedulers) Ask(processID string, now time.Time) (base string, recheck bool) {
	return s[processID].Ask(processID, now)
}

// Ask is Schedulers.Ask for the scheduler remembered for processID.
func (sch Scheduler) Ask(processID string, now time.Time) (base string, recheck bool) {
	if sch.URL == "" || sch.Learned.After(now) || !now.Before(sch.Learned.Add(SchedulerTTL)) {
		return "", false
	}
	base, ok := answer.SchedulerURL(sch.URL)
	if !ok {
		return "", false
	}
	return base, recheckRound(processID, now) > recheckRound(processID, sch.Learned)
}

// recheckRound numbers the RecheckEvery-long rounds of processID, each
// starting at its phase (a hash of the ID, in whole seconds of the hour):
// a process is re-checked at the first pass of each round, wherever in
// the round it was last named.
func recheckRound(processID string, t time.Time) int64 {
	h := fnv.New32a()
	h.Write([]byte(processID))
	every := int64(RecheckEvery / time.Second)
	phase := int64(h.Sum32()) % every
	n := t.Unix() - phase
	if n < 0 { // floor, for a time before 1970 (a forged file)
		return (n+1)/every - 1
	}
	return n / every
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
