package history

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const pidA = "4hXj_E-5fAKmo4E8KjgQvuDJKAFk9P2grhycVmISDLs"

func TestSchedulersRoundTrip(t *testing.T) {
	h := History{"a": {{At: t0, State: 1, SU: 2}}}
	s := Schedulers{
		"a":  {URL: "https://su201.ao-testnet.xyz", Learned: t0},
		"b":  {URL: "https://su201.ao-testnet.xyz", Learned: t0.Add(time.Minute)},
		pidA: {URL: "http://127.0.0.1:9000/su", Learned: t0},
	}
	raw := h.EncodeWith(s, "")
	gotH, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, gotH); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
	gotS, err := ParseSchedulers(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, gotS); diff != "" {
		t.Errorf("schedulers (-want +got):\n%s", diff)
	}
	if string(gotH.EncodeWith(gotS, "")) != string(raw) {
		t.Error("encoding is not deterministic")
	}
	// Each SU's URL is written once.
	if n := strings.Count(string(raw), "su201"); n != 1 {
		t.Errorf("su201 written %d times:\n%s", n, raw)
	}
	// Without schedulers the file is what it was before they existed.
	if string(h.EncodeWith(nil, "")) != string(h.Encode()) {
		t.Error("EncodeWith(nil) differs from Encode")
	}
}

// A history file written before the section existed reads as none known.
func TestOldHistoryFileHasNoSchedulers(t *testing.T) {
	old := []byte(`{"version":1,"samples":{"a":[1764000000,1,2]}}` + "\n")
	if _, err := Parse(old); err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedulers(old, "")
	if err != nil || len(s) != 0 {
		t.Errorf("ParseSchedulers(old) = %v, %v; want none", s, err)
	}
	if s, err := ParseSchedulers(nil, ""); err != nil || len(s) != 0 {
		t.Errorf("ParseSchedulers(nil) = %v, %v", s, err)
	}
}

// The file is in the workspace: a location written there is checked as
// the router's answer is, and dropped when it fails.
func TestHostileRememberedLocationsAreDropped(t *testing.T) {
	good := "https://su201.ao-testnet.xyz"
	raw := `{"version":1,"samples":{},"schedulers":{` +
		`"https://user:secret@su.example":{"creds":1764000000},` +
		`"javascript:alert(1)":{"js":1764000000},` +
		`"https://su.example/` + strings.Repeat("a", 100_000) + `":{"huge":1764000000},` +
		`"https://su.example/\u001b]8;;x\u0007\n::error::y":{"control":1764000000},` +
		`"file:///etc/passwd":{"file":1764000000},` +
		`"` + good + `":{"ok":1764000000,"zero":0,"negative":-5,"far":99999999999999}}}`
	if _, err := Parse([]byte(raw)); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	s, err := ParseSchedulers([]byte(raw), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Schedulers{"ok": {URL: good, Learned: time.Unix(1764000000, 0).UTC()}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Even one put in memory some other way is never handed out.
	s["creds"] = Scheduler{URL: "https://u:p@su.example", Learned: t0}
	if got := s.Fresh("creds", t0.Add(time.Minute)); got != "" {
		t.Errorf("Fresh handed out %q", got)
	}
	for _, bad := range []string{`{"version":1,"schedulers":[1]}`, `{"version":1,"schedulers":{"https://su.example":{"a":"x"}}}`} {
		if _, err := ParseSchedulers([]byte(bad), ""); err == nil {
			t.Errorf("ParseSchedulers(%s) accepted a malformed section", bad)
		}
	}
}

func TestSchedulerExpires(t *testing.T) {
	s := Schedulers{}
	for i := range 200 {
		s[strings.Repeat("p", 40)+string(rune('A'+i%26))+string(rune('a'+i/26))] = Scheduler{URL: "https://su.example", Learned: t0}
	}
	soonest, latest := SchedulerTTL, time.Duration(0)
	for pid := range s {
		if s.Fresh(pid, t0) != "https://su.example" {
			t.Fatalf("%s: not fresh when just learned", pid)
		}
		if s.Fresh(pid, t0.Add(-time.Second)) != "" {
			t.Errorf("%s: fresh though learned in the future", pid)
		}
		if s.Fresh(pid, t0.Add(SchedulerTTL)) != "" {
			t.Errorf("%s: fresh after SchedulerTTL", pid)
		}
		if s.Fresh(pid, t0.Add(SchedulerTTL*3/4-time.Second)) == "" {
			t.Errorf("%s: expired before three quarters of SchedulerTTL", pid)
		}
		soonest, latest = min(soonest, ttlOf(pid)), max(latest, ttlOf(pid))
	}
	// The expiries are spread, not one pass for the whole fleet.
	if latest-soonest < SchedulerTTL/8 {
		t.Errorf("expiries spread over only %s", latest-soonest)
	}
}

// Locations are the answers of the router they were asked of: read for
// another, or from a file that names none, they are none known; the
// samples are read either way.
func TestSchedulersOfAnotherRouterAreNone(t *testing.T) {
	h := History{"a": {{At: t0, State: 1, SU: 2}}}
	s := Schedulers{"a": {URL: "https://su201.ao-testnet.xyz", Learned: t0}}
	raw := h.EncodeWith(s, "r1")
	if got, err := ParseSchedulers(raw, "r1"); err != nil || len(got) != 1 {
		t.Errorf("same router: %v, %v; want the one", got, err)
	}
	for _, router := range []string{"r2", ""} {
		if got, err := ParseSchedulers(raw, router); err != nil || len(got) != 0 {
			t.Errorf("router %q: %v, %v; want none", router, got, err)
		}
	}
	if got, err := ParseSchedulers(h.EncodeWith(s, ""), "r1"); err != nil || len(got) != 0 {
		t.Errorf("a file naming no router, read for r1: %v, %v; want none", got, err)
	}
	if got, err := Parse(raw); err != nil || len(got["a"]) != 1 {
		t.Errorf("samples beside a router: %v, %v", got, err)
	}
}
