package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
	"github.com/org/nonce-monitor-action/internal/incident"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
	"github.com/org/nonce-monitor-action/internal/testkit/goldentest"
)

func pid(c byte, i int) string { return fmt.Sprintf("%c%042d", c, i) }

func checked(id string, state, su int64) check.Result {
	return check.Result{ProcessID: id, StateURL: "https://state.forward.computer", StateNonce: &state, SUNonce: &su}
}

func failed(id string) check.Result {
	return check.Result{ProcessID: id, StateURL: "https://push-1.forward.computer",
		StateErr: &check.Error{Endpoint: check.StateServer, Host: "push-1.forward.computer", Kind: check.BadResponse, Detail: "returned HTML, not a slot number"}}
}

func ids(rs []check.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ProcessID)
	}
	return out
}

func TestDiff(t *testing.T) {
	a, b, c, d, e := pid('A', 1), pid('B', 2), pid('C', 3), pid('D', 4), pid('E', 5)
	prev := Announced{Behind: []string{a, b}, Failing: []string{c, e}}
	results := []check.Result{
		checked(a, 0, 80),  // still behind
		checked(b, 10, 10), // recovered
		failed(c),          // still failing
		checked(d, 0, 500), // newly behind
		failed(pid('F', 6)),
		checked(pid('G', 7), 0, 900), // silenced
	}
	changes, next := Diff(prev, results, statuses(results, 50, map[string]bool{pid('G', 7): true}))
	if diff := cmp.Diff([]string{d}, ids(changes.Behind)); diff != "" {
		t.Errorf("newly behind:\n%s", diff)
	}
	if diff := cmp.Diff([]string{pid('F', 6)}, ids(changes.Failing)); diff != "" {
		t.Errorf("newly failing:\n%s", diff)
	}
	if diff := cmp.Diff([]string{b}, ids(changes.Recovered)); diff != "" {
		t.Errorf("recovered:\n%s", diff)
	}
	if diff := cmp.Diff([]string{e}, changes.Removed); diff != "" {
		t.Errorf("removed:\n%s", diff)
	}
	if changes.StillBehind != 1 || changes.StillFailing != 1 {
		t.Errorf("still: %d behind, %d failing", changes.StillBehind, changes.StillFailing)
	}
	want := Announced{Behind: []string{a, d}, Failing: []string{c, pid('F', 6)}}
	if diff := cmp.Diff(want, next); diff != "" {
		t.Errorf("next announced (-want +got):\n%s", diff)
	}
	// Told once, quiet after.
	again, same := Diff(next, results, statuses(results, 50, map[string]bool{pid('G', 7): true}))
	if !again.Empty() || !cmp.Equal(next, same, cmpopts.EquateEmpty()) {
		t.Errorf("an unchanged fleet says something: %+v", again)
	}
}

func fleet(behind, failing int) []check.Result {
	var rs []check.Result
	for i := range behind {
		rs = append(rs, checked(pid('L', i), 1000, 1000+int64(60+i)))
	}
	for i := range failing {
		rs = append(rs, failed(pid('F', i)))
	}
	return rs
}

func TestBuildGolden(t *testing.T) {
	for name, results := range map[string][]check.Result{
		"small":       append(fleet(2, 1), checked(pid('H', 1), 5, 5)),
		"large":       fleet(400, 250),
		"all-failing": fleet(0, 60),
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := Diff(Announced{Behind: []string{pid('H', 1)}}, results, statuses(results, 50, nil))
			// The first behind process says how it moves.
			msg := Build(c, 50, "https://github.com/acme/ao/actions/runs/7", map[string]string{pid('L', 0): "↘ catching up, ~4 min <!here>"})
			checkLimits(t, msg)
			got, _ := json.MarshalIndent(msg, "", "  ")
			goldentest.Check(t, "slack-"+name+".json", string(got)+"\n")
		})
	}
}

func checkLimits(t *testing.T, m Message) {
	t.Helper()
	if len(m.Blocks) > maxBlocks {
		t.Errorf("%d blocks, over Slack's %d", len(m.Blocks), maxBlocks)
	}
	for i, b := range m.Blocks {
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > maxSectionText {
			t.Errorf("block %d text is %d characters", i, utf8.RuneCountInString(b.Text.Text))
		}
	}
	if m.Text == "" || len(m.Text) > maxTextChars {
		t.Errorf("fallback text is %d characters", len(m.Text))
	}
}

func TestLargeFleetIsCountedNotDropped(t *testing.T) {
	c, _ := Diff(Announced{}, fleet(5000, 0), statuses(fleet(5000, 0), 50, nil))
	m := Build(c, 50, "", nil)
	checkLimits(t, m)
	var listed int
	var more int
	for _, b := range m.Blocks {
		if b.Type != "section" {
			continue
		}
		listed += strings.Count(b.Text.Text, "• ")
		if i := strings.Index(b.Text.Text, "…and "); i >= 0 {
			fmt.Sscanf(b.Text.Text[i:], "…and %d more", &more)
		}
	}
	if listed+more != 5000 || more == 0 {
		t.Errorf("listed %d + %d more, want 5000", listed, more)
	}
	if first := m.Blocks[1].Text.Text; !strings.Contains(first, fmt.Sprintf("*%d* slots behind", 60+4999)) {
		t.Errorf("the worst process is not first:\n%.300s", first)
	}
}

func sender(url string) *Sender {
	return &Sender{WebhookURL: url + "/services/T0/B0/s3cr3t", HTTP: &retryhttp.Client{
		HTTP: retryhttp.NewHTTPClient(1), MaxRetries: 2, Timeout: 30 * time.Second, // never late on a busy machine
		InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxRetryAfter: time.Millisecond}}
}

func TestSenderAgainstTheStandIn(t *testing.T) {
	msg := Build(Changes{Behind: fleet(1, 0)}, 50, "", nil)
	for _, tt := range []struct {
		name    string
		script  []int
		wantErr string
		sent    int
	}{
		{"ok", nil, "", 1},
		{"400 invalid_payload", []int{400}, "Slack rejected the message: HTTP 400 invalid_payload", 0},
		{"404 channel_not_found", []int{404}, "Slack rejected the message: HTTP 404 channel_not_found", 0},
		{"429 then ok", []int{429}, "", 1},
		{"500 throughout", []int{500, 500, 500}, "Slack unavailable: HTTP 500 rollup_error after 3 attempts", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := slacktest.Start()
			defer s.Close()
			s.FailNext(tt.script...)
			err := sender(s.URL).Send(context.Background(), msg)
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Error("the error leaks the webhook URL")
			}
			if len(s.Received()) != tt.sent {
				t.Errorf("Slack received %d messages, want %d", len(s.Received()), tt.sent)
			}
		})
	}
	s := slacktest.Start()
	url := s.URL
	s.Close()
	if err := sender(url).Send(context.Background(), msg); err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.HasPrefix(err.Error(), "Slack unreachable") {
		t.Errorf("closed server: %v", err)
	}
}

// statuses classifies results the way the shell does.
func statuses(results []check.Result, threshold int64, silenced map[string]bool) map[string]incident.Status {
	st := map[string]incident.Status{}
	for _, r := range results {
		o := incident.Observation{Check: checkOf(r), SlotsBehind: r.SlotsBehind(), Silenced: silenced[r.ProcessID]}
		st[r.ProcessID] = incident.Classify(o, threshold)
	}
	return st
}

func TestAnnouncedRoundTripsThroughTheStateFile(t *testing.T) {
	a := Announced{Behind: []string{"a"}, Failing: []string{"b"}}
	got, err := DecodeAnnounced(a.Encode())
	if err != nil || !cmp.Equal(a, got) {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	if (Announced{}).Encode() != nil {
		t.Error("nothing announced must encode to nothing")
	}
	if _, err := DecodeAnnounced([]byte(`{"behind": 3}`)); err == nil {
		t.Error("a malformed memory was accepted")
	}
}

// checkOf is how a check ended, as the action tells the core.
func checkOf(r check.Result) incident.Check {
	switch {
	case r.Interrupted:
		return incident.CheckInterrupted
	case r.BothRead():
		return incident.CheckRead
	}
	return incident.CheckFailed
}
