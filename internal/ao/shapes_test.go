package ao

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

func TestNoMessagesWithSlotZeroIsInStep(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 0, 0)
	f.Break(pid, aotest.OK, aotest.NoMessages)
	r := newClient(f).Check(context.Background(), pid, f.State.URL)
	if !r.BothRead() || r.SlotsBehind() != 0 || r.SUErr != nil {
		t.Fatalf("a process with no messages and state slot 0: checked=%v, err %v; want in step", r.BothRead(), r.ErrorText())
	}
}

func TestNoMessagesPastSlotZeroIsTheSchedulers(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 14204, 0)
	f.Break(pid, aotest.OK, aotest.NoMessages)
	r := newClient(f).Check(context.Background(), pid, f.State.URL)
	var e *check.Error
	if r.BothRead() || check.KindOf(r.SUErr) != check.NoMessages || !strings.Contains(r.ErrorText(), "Latest message not available") ||
		!strings.Contains(r.ErrorText(), "slot 14204") {
		t.Fatalf("got %q; want a scheduler error naming the SU's text and the slot", r.ErrorText())
	}
	if asError(r.SUErr, &e); e.Blame != answer.Host {
		t.Errorf("blame %q, want the scheduler's (host)", e.Blame)
	}
}

func asError(err error, e **check.Error) bool {
	x, ok := err.(*check.Error)
	*e = x
	return ok
}

// A 10 MiB message before the assignment: the nonce is read, and the body
// is streamed past, never held. Not parallel: it measures the process's
// allocations, and parallel tests run only after it.
func TestHugeLatestIsStreamed(t *testing.T) {
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 14204, 14204)
	f.Break(pid, aotest.OK, aotest.Huge)
	c := newClientTimeout(f, 60*time.Second)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := c.Check(context.Background(), pid, f.State.URL)
	runtime.ReadMemStats(&after)
	if !r.BothRead() || *r.SUNonce != 14204 {
		t.Fatalf("nonce not read: %s", r.ErrorText())
	}
	// Allocations of the whole check, stand-in included, stay far below
	// the 10 MiB it streamed.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > aotest.HugeData/2 {
		t.Errorf("the check allocated %d bytes for a %d-byte message: the body was held", alloc, aotest.HugeData)
	}
}

func TestReadLatest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{string(aotest.LatestBody(pid, "7", 100)), ""},
		{`{"message":null,"assignment":{"tags":[{"name":"Nonce","value":"7"}]}}`, `{"assignment":{"tags":[{"name":"Nonce","value":"7"}]}}`},
		{` { "message" : {"data":"a\"}{]"} , "assignment" : {"tags":[{"name":"Nonce","value":"7"}],"n":-1.5e3,"x":true} } `,
			`{"assignment":{"tags":[{"name":"Nonce","value":"7"}],"n":-1.5e3,"x":true}}`},
		{`{"message":{"data":"x"}}`, `{}`},
		{`<html>oops</html>`, `<html>oops</html>`},
		{`{"message":{"data":"unterminated`, `{"message":{"data":"unterminated`},
	} {
		got, err := readLatest(strings.NewReader(tc.body))
		if err != nil {
			t.Fatalf("readLatest(%.40q): %v", tc.body, err)
		}
		if tc.want == "" {
			if n, bad := parseNonce("", got); bad != nil || n != 7 {
				t.Errorf("readLatest then parseNonce of the real shape = %d, %v", n, bad)
			}
			continue
		}
		if string(got) != tc.want {
			t.Errorf("readLatest(%.40q) = %s, want %s", tc.body, got, tc.want)
		}
	}
	big := `{"message":null,"assignment":{"data":"` + strings.Repeat("a", maxAssignment) + `"}}`
	if got, _ := readLatest(strings.NewReader(big)); bytes.Contains(got, []byte("assignment\":")) && len(got) > keptPrefix {
		t.Errorf("an assignment past %d bytes was kept whole", maxAssignment)
	}
}

// An SU behind the router is its own host: one that refuses connections
// is the SU's failure, named by its host, and the router stays up.
func TestSUBehindTheRouterIsItsOwnHost(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadSU := "http://" + l.Addr().String()
	l.Close()
	f.Set(pid, 5, 5)
	f.PlaceOn(pid, deadSU)
	hosts := retryhttp.NewHosts(4)
	c := newClient(f)
	c.HTTP.Hosts = hosts
	r := c.Check(context.Background(), pid, f.State.URL)
	if check.KindOf(r.SUErr) != check.Unreachable || !strings.Contains(r.ErrorText(), "scheduler "+l.Addr().String()+": unreachable") {
		t.Fatalf("got %q; want the SU's own host unreachable", r.ErrorText())
	}
	if hosts.Down(strings.TrimPrefix(f.Router.URL, "http://")) {
		t.Error("the router answered (307): it must not be charged with its SU's failure")
	}
}

// A process the node has not loaded (it computes before answering) times
// out while the node answers the others: the node is loading it. The
// read is never retried: a retry would restart the computation, or read
// the partial slot it kept.
func TestTimeoutOnAnAnsweringNodeIsLoading(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	const loading = "LOADINGxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	f.Set(pid, 5, 5)
	f.Set(loading, 9, 20)
	f.LoadsSlowly(loading, 7)
	c := newClient(f) // an answer is never late
	c.HTTP.MaxRetries = 3
	c.HTTP.Hosts = retryhttp.NewHosts(4)
	if r := c.Check(context.Background(), pid, f.State.URL); !r.BothRead() {
		t.Fatalf("healthy process: %s", r.ErrorText())
	}
	c.HTTP.Timeout = 200 * time.Millisecond // the loading process never answers
	r := c.Check(context.Background(), loading, f.State.URL)
	if !r.Loading() || r.BothRead() || r.StateNonce != nil || !strings.Contains(r.ErrorText(), "loading: the node answers other requests") {
		t.Fatalf("got %q (%s); want the process loading, no slot", r.ErrorText(), check.KindOf(r.StateErr))
	}
	// The node kept the slot its abandoned computation reached: read
	// again, it answers it at once. That is what the monitor must not
	// take for progress (the action reads it against its note).
	if again := c.Check(context.Background(), loading, f.State.URL); again.StateNonce == nil || *again.StateNonce != 7 {
		t.Errorf("after the abandoned computation: %s, want the partial slot 7", again.ErrorText())
	}
}

// The node answers a failed computation 500 once, to the request that ran
// it, and the last good slot after: the check reports the failure with
// the node's reason and the slot it kept, never the stale 200 as health.
func TestACrashIsSeenOnceAndKeptAsTheFailure(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 3, 3)
	f.CrashAt(pid, 2)
	r := newClient(f).Check(context.Background(), pid, f.State.URL)
	if check.KindOf(r.StateErr) != check.Failing || r.BothRead() || r.SlotSeen == nil || *r.SlotSeen != 1 {
		t.Fatalf("got %q, slot seen %v; want failing with last good slot 1", r.ErrorText(), r.SlotSeen)
	}
	for _, want := range []string{"{rt_crash_on_purpose,2}", "the last slot it kept is 1"} {
		if !strings.Contains(r.ErrorText(), want) {
			t.Errorf("%q does not say %q", r.ErrorText(), want)
		}
	}
	// Crashing at slot 0 keeps nothing: every read fails again.
	f.CrashAt(pid, 0)
	r = newClient(f).Check(context.Background(), pid, f.State.URL)
	if check.KindOf(r.StateErr) != check.Failing || r.SlotSeen != nil || !strings.Contains(r.ErrorText(), "no slot of this process computed") {
		t.Errorf("crash at 0: %q, slot seen %v", r.ErrorText(), r.SlotSeen)
	}
}

// -1 is a real slot: a process the node holds with nothing computed yet.
// With the scheduler's "no messages" it is in step.
func TestSlotMinusOneIsInStep(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, -1, 0)
	f.Break(pid, aotest.OK, aotest.NoMessages)
	r := newClient(f).Check(context.Background(), pid, f.State.URL)
	if !r.BothRead() || *r.StateNonce != -1 || r.SlotsBehind() != 0 {
		t.Fatalf("got %q, state %v; want in step at -1", r.ErrorText(), r.StateNonce)
	}
	f.Break(pid, aotest.OK, aotest.OK) // one message scheduled, none computed
	if r := newClient(f).Check(context.Background(), pid, f.State.URL); !r.BothRead() || r.SlotsBehind() != 1 {
		t.Errorf("state -1, nonce 0: %q, %d behind; want 1 behind", r.ErrorText(), r.SlotsBehind())
	}
}

// Recheck asks again only the sides that got no answer.
func TestRecheckAsksOnlyWhatGotNoAnswer(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 5, 9)
	c := newClient(f)
	c.HTTP.MaxRetries = 0
	f.StateDown(true)
	r := c.Check(context.Background(), pid, f.State.URL)
	if !check.NoAnswer(r.StateErr) || r.SUNonce == nil {
		t.Fatalf("state down: %q", r.ErrorText())
	}
	f.StateDown(false)
	router, su := f.Requests("router"), f.Requests("su")
	r = c.Recheck(context.Background(), r, f.State.URL, Where{})
	if !r.BothRead() || r.SlotsBehind() != 4 {
		t.Fatalf("rechecked: %q", r.ErrorText())
	}
	if f.Requests("router") != router || f.Requests("su") != su {
		t.Errorf("the scheduler, which answered, was asked again")
	}
}
