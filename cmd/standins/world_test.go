package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
)

// Each change a person makes shows as the state server's answer, and a
// frozen process falls behind as the scheduler moves on.
func TestTheStoryAPersonDrives(t *testing.T) {
	fleet := aotest.Start()
	defer fleet.Close()
	pd, sl := pagerdutytest.Start(), slacktest.Start()
	defer pd.Close()
	defer sl.Close()
	w := newWorld(fleet, 1000)
	w.add(Healthy, inStep, 0)
	w.add(Lagging, lagging, 204)
	control := httptest.NewServer(controlHandler(w, pd, sl))
	defer control.Close()
	post := func(path string) (int, string) {
		resp, err := http.Post(control.URL+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	w.tick(10)
	for _, step := range []struct{ path, want string }{
		{"/processes/H/freeze", Healthy + "  frozen    state 1010, scheduler 1010: 0 behind"},
		{"/processes/L/recover", Lagging + "  in step   state 1010, scheduler 1010: 0 behind"},
		{"/processes/L/lag?slots=75", Lagging + "  lagging   state 935, scheduler 1010: 75 behind"},
		{"/processes/" + Lagging + "/fail", Lagging + "  failing   state server answers 500"},
	} {
		if code, body := post(step.path); code != 200 || !strings.Contains(body, step.want) {
			t.Errorf("POST %s: %d\n%s\nwant %q", step.path, code, body, step.want)
		}
	}
	w.tick(60)
	if got := w.describe(); !strings.Contains(got, Healthy+"  frozen    state 1010, scheduler 1070: 60 behind") {
		t.Errorf("a frozen process does not fall behind:\n%s", got)
	}
	for path, want := range map[string]string{
		"/processes/X/fail":           `no process "X"`,
		"/processes/L/lag?slots=-3":   "slots must be a whole number",
		"/processes/L/explode":        "no such change",
		"/processes/" + "0" + "/fail": `no process "0"`,
	} {
		if code, body := post(path); code == 200 || !strings.Contains(body, want) {
			t.Errorf("POST %s: %d %q, want a refusal saying %q", path, code, body, want)
		}
	}
	w.add("L111111111111111111111111111111111111111111", inStep, 0)
	if code, body := post("/processes/L/recover"); code == 200 || !strings.Contains(body, "names 2 processes") {
		t.Errorf("an ambiguous start: %d %q", code, body)
	}
}
