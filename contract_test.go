package main

// The contract between the stand-in state server (aotest) and a real
// HyperBEAM node: the same cases, read the same way from both, must show
// the same things (status, the headers that matter, the body, and how the
// answers change over time). Without the real node (NONCE_MONITOR_REALNODE
// unset) only the stand-in is held to the cases; in CI both are, so the
// stand-in cannot drift from the node. docs/ao-endpoints.md says the same
// in words.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/testkit/realnodetest"
)

// shape is what a read showed, in the terms the monitor relies on.
type shape struct {
	GaveUp      bool // the reader gave up before an answer
	Status      int
	Slot        *int64 // the body, when it is a whole number
	Body        string // what the body starts with, when it is not
	ContentType bool   // a Content-Type was sent
	Chunked     bool   // no Content-Length: the body was chunked
	Signed      bool   // the node's HTTP message signature
	AOTypes     bool   // the node's ao-types header
	Unavailable bool   // an unavailable header naming the process
}

// read is one request of a case and the shape it must show: want, or
// check for a shape that varies (a partial slot).
type read struct {
	path    string // "" for the process's at-slot
	givesUp bool   // the reader gives up after a moment, as a monitor's request times out
	want    shape
	check   func(got shape, earlier []shape) error
}

type contractCase struct {
	name  string
	stand func(f *aotest.Fleet) string // sets the stand-in up; the process to read
	real  func(t *testing.T, n *realnodetest.Node) string
	reads []read
}

// Process IDs for the stand-in; unknownPID is held by neither.
const (
	standPID   = "Contract00000000000000000000000000000000000"
	unknownPID = "Unknown0Process0Nobody0Has00000000000000000"
)

// standing sets the stand-in's process up with set.
func standing(set func(f *aotest.Fleet, pid string)) func(f *aotest.Fleet) string {
	return func(f *aotest.Fleet) string { set(f, standPID); return standPID }
}

func unknown(*aotest.Fleet) string { return unknownPID }

func slotShape(n int64) shape {
	return shape{Status: 200, Slot: &n, Chunked: true, Signed: true, AOTypes: true}
}

var (
	failedShape   = shape{Status: 500, Body: "Oops! Something went wrong.", Chunked: true, AOTypes: true}
	notFoundShape = shape{Status: 404, Body: "Message necessary to resolve request not found: ", Chunked: true, Signed: true, AOTypes: true, Unavailable: true}
)

func contractCases() []contractCase {
	return []contractCase{
		{
			name:  "a process computed to its last slot",
			stand: standing(func(f *aotest.Fleet, pid string) { f.Set(pid, 3, 3) }),
			real:  func(t *testing.T, n *realnodetest.Node) string { return n.New(t, "test", 3) },
			reads: []read{{want: slotShape(3)}},
		},
		{
			name:  "a process the node holds with nothing computed: -1",
			stand: standing(func(f *aotest.Fleet, pid string) { f.Set(pid, -1, 0) }),
			real:  func(t *testing.T, n *realnodetest.Node) string { return n.New(t, "unscheduled", 0) },
			reads: []read{{want: slotShape(-1)}},
		},
		{
			name:  "a process with no messages: 0",
			stand: standing(func(f *aotest.Fleet, pid string) { f.Set(pid, 0, 0) }),
			real:  func(t *testing.T, n *realnodetest.Node) string { return n.New(t, "empty", 0) },
			reads: []read{{want: slotShape(0)}},
		},
		{
			name:  "a process the node does not hold: its own 404, naming it",
			stand: unknown,
			real:  func(*testing.T, *realnodetest.Node) string { return unknownPID },
			reads: []read{{want: notFoundShape}},
		},
		{
			name: "a computation that fails at slot 2: 500 once, then the last good slot",
			stand: standing(func(f *aotest.Fleet, pid string) {
				f.Set(pid, 3, 3)
				f.CrashAt(pid, 2)
			}),
			real:  func(t *testing.T, n *realnodetest.Node) string { return n.New(t, "crash-at-slot-2", 3) },
			reads: []read{{want: failedShape}, {want: slotShape(1)}, {want: slotShape(1)}},
		},
		{
			name: "a computation that fails at slot 0: 500 every time",
			stand: standing(func(f *aotest.Fleet, pid string) {
				f.Set(pid, 3, 3)
				f.CrashAt(pid, 0)
			}),
			real:  func(t *testing.T, n *realnodetest.Node) string { return n.New(t, "crash-at-slot-0", 3) },
			reads: []read{{want: failedShape}, {want: failedShape}},
		},
		{
			name: "a computation its reader gave up on keeps the slot it reached, answered at once after",
			stand: standing(func(f *aotest.Fleet, pid string) {
				f.Set(pid, 20, 20)
				f.LoadsSlowly(pid, 2)
			}),
			real: func(t *testing.T, n *realnodetest.Node) string {
				n.SlowMs(t, 1000) // 20 s for 20 slots: far past the reader's patience
				return n.New(t, "slow", 20)
			},
			reads: []read{
				{givesUp: true, want: shape{GaveUp: true}},
				{check: partialSlot},
				{check: sameAsBefore},
			},
		},
		{
			name:  "the node's address: a cheap 'is it up'",
			stand: unknown,
			real:  func(*testing.T, *realnodetest.Node) string { return unknownPID },
			reads: []read{{path: "/~meta@1.0/info/address", check: answered}},
		},
	}
}

// partialSlot: the slot an abandoned computation reached, below the end.
func partialSlot(got shape, _ []shape) error {
	if got.Status != 200 || got.Slot == nil || *got.Slot < 0 || *got.Slot >= 20 || !got.Signed || got.ContentType {
		return errors.New("want the node's 200 with a partial slot in [0, 20)")
	}
	return nil
}

// sameAsBefore: once a slot is cached, a read never computes further.
func sameAsBefore(got shape, earlier []shape) error {
	last := earlier[len(earlier)-1]
	if got.Slot == nil || last.Slot == nil || *got.Slot != *last.Slot {
		return errors.New("want the same slot as the read before: a read never computes further")
	}
	return nil
}

func answered(got shape, _ []shape) error {
	if got.Status != 200 || !got.Signed {
		return errors.New("want the node's signed 200")
	}
	return nil
}

func TestStandInSpeaksAsTheRealNode(t *testing.T) {
	t.Run("stand-in", func(t *testing.T) {
		for _, tc := range contractCases() {
			t.Run(tc.name, func(t *testing.T) {
				f := aotest.Start()
				defer f.Close()
				// The stand-in answers at once, or never.
				checkReads(t, f.State.URL, tc.stand(f), tc.reads, 100*time.Millisecond)
			})
		}
	})
	t.Run("real node", func(t *testing.T) {
		n := realnodetest.Get(t)
		for _, tc := range contractCases() {
			t.Run(tc.name, func(t *testing.T) {
				// A slow process takes 20 s; any other answer comes in
				// well under 2 s on an idle node.
				checkReads(t, n.URL, tc.real(t, n), tc.reads, 2*time.Second)
			})
		}
	})
}

// checkReads reads pid at base as reads say; a read that gives up does so
// after patience.
func checkReads(t *testing.T, base, pid string, reads []read, patience time.Duration) {
	t.Helper()
	var seen []shape
	for i, r := range reads {
		u := base + "/" + pid + "~process@1.0/compute/at-slot"
		if r.path != "" {
			u = base + r.path
		}
		timeout := time.Minute
		if r.givesUp {
			timeout = patience
		}
		got := readShape(t, u, pid, timeout)
		switch {
		case r.check != nil:
			if err := r.check(got, seen); err != nil {
				t.Errorf("read %d: %v; got %+v", i+1, err, describe(got))
			}
		case !sameShape(r.want, got):
			t.Errorf("read %d: got %+v, want %+v", i+1, describe(got), describe(r.want))
		}
		seen = append(seen, got)
	}
}

func readShape(t *testing.T, u, pid string, timeout time.Duration) shape {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return shape{GaveUp: true}
		}
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if errors.Is(err, context.DeadlineExceeded) {
		return shape{GaveUp: true}
	}
	s := shape{
		Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type") != "",
		Chunked: resp.ContentLength < 0, Signed: resp.Header.Get("Signature") != "",
		AOTypes: resp.Header.Get("Ao-Types") != "", Unavailable: resp.Header.Get("Unavailable") == pid,
	}
	text := strings.TrimSpace(string(body))
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		s.Slot = &n
	} else {
		s.Body = text
	}
	return s
}

// sameShape compares got with want; want.Body is a prefix.
func sameShape(want, got shape) bool {
	if !strings.HasPrefix(got.Body, want.Body) || (want.Body == "") != (got.Body == "") {
		return false
	}
	if (want.Slot == nil) != (got.Slot == nil) || (want.Slot != nil && *want.Slot != *got.Slot) {
		return false
	}
	want.Body, got.Body, want.Slot, got.Slot = "", "", nil, nil
	return want == got
}

func describe(s shape) string {
	out := strconv.Itoa(s.Status)
	if s.GaveUp {
		return "gave up"
	}
	if s.Slot != nil {
		out += " slot " + strconv.FormatInt(*s.Slot, 10)
	} else if s.Body != "" {
		out += " " + strconv.Quote(s.Body[:min(len(s.Body), 60)])
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{s.ContentType, "content-type"}, {s.Chunked, "chunked"}, {s.Signed, "signed"}, {s.AOTypes, "ao-types"}, {s.Unavailable, "unavailable"}} {
		if f.on {
			out += " " + f.name
		}
	}
	return out
}
