package ao

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// The parsers face whatever a gateway sends: they must never panic, and
// every failure must be classified.
func FuzzParseNonce(f *testing.F) {
	f.Add([]byte(aotest.LatestBody(pid, "14204", 0)))
	f.Add([]byte(`{"assignment":{"tags":[{"name":"Nonce","value":" 7 "}]}}`))
	f.Add([]byte(`{"message":null,"assignment":{"tags":[{"name":"Nonce","value":"7"}]}}`))
	f.Add([]byte(`<html>`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		// Through the stream reader, as the client reads it.
		reduced, err := readLatest(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("readLatest failed on a complete body: %v", err)
		}
		n, bad := parseNonce("", reduced)
		checkParse(t, n, bad)
	})
}

func FuzzParseSlot(f *testing.F) {
	f.Add([]byte("14204"))
	f.Add([]byte(""))
	f.Add([]byte("<!DOCTYPE html>"))
	f.Add([]byte("-1")) // a process the node holds with nothing computed yet
	f.Add([]byte("-2"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, bad := parseSlot("", body)
		// -1 is a slot (the one before the first); nothing below it is.
		if bad == nil && n < -1 {
			t.Fatalf("accepted slot %d", n)
		}
		checkParse(t, max(n, 0), bad)
		if bad == nil {
			if m, perr := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64); perr != nil || m != n {
				t.Fatalf("accepted %q as %d", body, n)
			}
		}
	})
}

func checkParse(t *testing.T, n int64, bad *answer.Verdict) {
	t.Helper()
	if bad == nil {
		if n < 0 {
			t.Fatalf("accepted a negative nonce %d", n)
		}
		return
	}
	if bad.Kind == "" || bad.Detail == "" || !bad.Answered {
		t.Fatalf("unclassified failure %+v", bad)
	}
}

// Streaming past the message reads the same nonce as decoding the whole
// body would, for any JSON object (keys spelled exactly; encoding/json
// would also match other cases and escapes of "assignment").
func FuzzReadLatest(f *testing.F) {
	f.Add([]byte(aotest.LatestBody(pid, "14204", 0)))
	f.Add([]byte(`{"message":{"data":"\"}]"},"assignment":{"tags":[{"name":"Nonce","value":"3"}]}}`))
	f.Add([]byte(`{"assignment":null,"assignment":{"tags":[{"name":"Nonce","value":"4"}]}}`))
	f.Add([]byte(`{"message":[1,2,{"a":[]}],"assignment":{"tags":[]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var top map[string]any
		if json.Unmarshal(body, &top) != nil || bytes.Contains(body, []byte(`\u`)) ||
			bytes.Count(bytes.ToLower(body), []byte(`assignment"`)) != bytes.Count(body, []byte(`"assignment"`)) {
			return
		}
		reduced, err := readLatest(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("readLatest: %v", err)
		}
		n1, bad1 := parseNonce("", reduced)
		n2, bad2 := parseNonce("", body)
		if n1 != n2 || (bad1 == nil) != (bad2 == nil) {
			t.Fatalf("streamed %d (%v), whole %d (%v) for %s", n1, bad1, n2, bad2, body)
		}
	})
}
