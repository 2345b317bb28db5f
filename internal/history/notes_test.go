package history

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Notes are written after the samples and the schedulers, read back as
// they were, and an entry that cannot be true is dropped.
func TestNotesRoundTrip(t *testing.T) {
	t.Parallel()
	notes := Notes{
		"a": {Kind: Failed, Slot: 1, SlotKnown: true, Since: t0, Reason: "HTTP 500: Error fun dev_process:compute/3 -> {rt_crash_on_purpose,2}"},
		"b": {Kind: Abandoned, Since: t0},
		"c": {Kind: Abandoned, Slot: -1, SlotKnown: true, Since: t0},
	}
	h := History{"a": {{At: t0, State: 1, SU: 3}}}
	file := AppendNotes(h.EncodeWith(Schedulers{"a": {URL: "https://su.example", Learned: t0}}, "r"), notes)
	if _, err := Parse(file); err != nil {
		t.Fatalf("Parse: %v\n%s", err, file)
	}
	if s, err := ParseSchedulers(file, "r"); err != nil || len(s) != 1 {
		t.Fatalf("ParseSchedulers: %v, %v", s, err)
	}
	got, err := ParseNotes(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(notes, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, file)
	}
	if again := AppendNotes(h.Encode(), nil); string(again) != string(h.Encode()) {
		t.Error("no notes must leave the file as it was")
	}
}

func TestParseNotesDropsWhatCannotBeTrue(t *testing.T) {
	t.Parallel()
	raw := `{"version":1,"samples":{},"notes":{` +
		`"kind":{"kind":"rumour","since":1764000000},` +
		`"time":{"kind":"failed","since":0},` +
		`"slot":{"kind":"failed","since":1764000000,"slot":-2},` +
		`"long":{"kind":"failed","since":1764000000,"reason":"` + strings.Repeat("é", 400) + `"},` +
		`"ok":{"kind":"abandoned","since":1764000000,"slot":7}}}`
	got, err := ParseNotes([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := Notes{
		"long": {Kind: Failed, Since: time.Unix(1764000000, 0).UTC(), Reason: strings.Repeat("é", MaxReason/2)},
		"ok":   {Kind: Abandoned, Slot: 7, SlotKnown: true, Since: time.Unix(1764000000, 0).UTC()},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
