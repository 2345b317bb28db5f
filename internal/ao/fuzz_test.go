package ao

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/aotest"
)

// The parsers face whatever a gateway sends: they must never panic, and
// every failure must be classified.
func FuzzParseNonce(f *testing.F) {
	f.Add(200, []byte(aotest.LatestBody(pid, "14204", 0)))
	f.Add(200, []byte(`{"assignment":{"tags":[{"name":"Nonce","value":" 7 "}]}}`))
	f.Add(400, []byte(`{"error":"NotFound(\"Process scheduler not found\")"}`))
	f.Add(200, []byte(`<html>`))
	f.Add(502, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		n, err := parseNonce(status, "", body)
		checkParse(t, n, err)
	})
}

func FuzzParseSlot(f *testing.F) {
	f.Add(200, []byte("14204"))
	f.Add(200, []byte(""))
	f.Add(503, []byte("<!DOCTYPE html>"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		n, err := parseSlot(status, "", body)
		checkParse(t, n, err)
		if err == nil {
			if m, perr := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64); perr != nil || m != n {
				t.Fatalf("accepted %q as %d", body, n)
			}
		}
	})
}

func checkParse(t *testing.T, n int64, err error) {
	t.Helper()
	if err == nil {
		if n < 0 {
			t.Fatalf("accepted a negative nonce %d", n)
		}
		return
	}
	var pf *parseFailure
	if !errors.As(err, &pf) || pf.Kind == "" || pf.Detail == "" {
		t.Fatalf("unclassified failure %v", err)
	}
}
