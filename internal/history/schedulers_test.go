package history

import (
	"fmt"
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
	if got, _ := s.Ask("creds", t0.Add(time.Minute)); got != "" {
		t.Errorf("Ask handed out %q", got)
	}
	for _, bad := range []string{`{"version":1,"schedulers":[1]}`, `{"version":1,"schedulers":{"https://su.example":{"a":"x"}}}`} {
		if _, err := ParseSchedulers([]byte(bad), ""); err == nil {
			t.Errorf("ParseSchedulers(%s) accepted a malformed section", bad)
		}
	}
}

// A location is asked until a day after the router last named it, never
// when named in the future (a clock that went back), and re-checked with
// the router within RecheckEvery of its naming, at a pass fixed by the
// process's ID.
func TestSchedulerRecheckAndExpiry(t *testing.T) {
	const su = "https://su.example"
	for i := range 200 {
		pid := fmt.Sprintf("%043d", i)
		sch := Scheduler{URL: su, Learned: t0}
		if base, recheck := sch.Ask(pid, t0); base != su || recheck {
			t.Fatalf("%s just learned: %q, re-check %v; want %s without", pid, base, recheck, su)
		}
		if base, _ := sch.Ask(pid, t0.Add(-time.Second)); base != "" {
			t.Errorf("%s: asked though learned in the future", pid)
		}
		if base, _ := sch.Ask(pid, t0.Add(SchedulerTTL)); base != "" {
			t.Errorf("%s: asked a day after the router last named it", pid)
		}
		if base, recheck := sch.Ask(pid, t0.Add(SchedulerTTL-time.Second)); base != su || !recheck {
			t.Errorf("%s: a second before the day ends: %q, re-check %v; want asked and re-checked", pid, base, recheck)
		}
		// Once due, due until the router names it again.
		due := time.Duration(-1)
		for d := time.Duration(0); d <= RecheckEvery; d += time.Minute {
			_, recheck := sch.Ask(pid, t0.Add(d))
			switch {
			case recheck && due < 0:
				due = d
			case !recheck && due >= 0:
				t.Fatalf("%s: due at +%s, not at +%s", pid, due, d)
			}
		}
		if due <= 0 {
			t.Errorf("%s: not re-checked within %s of its naming", pid, RecheckEvery)
		}
		if _, recheck := (Scheduler{URL: su, Learned: t0.Add(due)}).Ask(pid, t0.Add(due+RecheckEvery-time.Minute)); recheck {
			t.Errorf("%s: named again at its re-check, due again before %s passed", pid, RecheckEvery)
		}
	}
}

// A fleet learned in one pass is re-checked over the hour that follows,
// about a twelfth of it at each five-minute pass, not all in one.
func TestRechecksSpreadOverTheHour(t *testing.T) {
	const n = 1200
	learned := t0.Add(17 * time.Second) // any moment in the hour
	prev := map[string]bool{}
	for k := 1; k <= 12; k++ {
		now := learned.Add(time.Duration(k) * 5 * time.Minute)
		fresh := 0
		for i := range n {
			pid := fmt.Sprintf("P%042d", i)
			if _, recheck := (Scheduler{URL: "https://su.example", Learned: learned}).Ask(pid, now); recheck && !prev[pid] {
				prev[pid] = true
				fresh++
			}
		}
		if fresh < n/12/2 || fresh > n/12*3/2 {
			t.Errorf("pass %d: %d of %d re-checked, want about %d", k, fresh, n, n/12)
		}
	}
	if len(prev) != n {
		t.Errorf("%d of %d re-checked within the hour", len(prev), n)
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
