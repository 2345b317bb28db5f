package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestFreePortsByDefault(t *testing.T) {
	ls, err := listenAll("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range ls {
		seen[l.Addr().String()] = true
		l.Close()
	}
	if len(seen) != 6 {
		t.Errorf("%d distinct addresses, want 6", len(seen))
	}
}

// A taken port is named, with the way out: another -port, or none.
func TestTakenPortSaysWhatToDo(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	_, err = listenAll("127.0.0.1", port)
	if err == nil || !strings.Contains(err.Error(), "choose another -port, or leave -port out") {
		t.Errorf("error = %v", err)
	}
}

func TestPasteableRunsThePassAgainstTheStandins(t *testing.T) {
	got := pasteable("process-ids=H0,L0\nstate-url=http://127.0.0.1:1\nslack-webhook-url=http://127.0.0.1:4/services/T0/B0/standin\ncontrol-url=http://127.0.0.1:5\n",
		"/tmp/ws", "H0  in step\n", time.Hour)
	for _, want := range []string{
		"  H0  in step\n",
		"  export CONTROL=http://127.0.0.1:5\n",
		"  pass() { GITHUB_WORKSPACE=/tmp/ws go run . --process-ids H0,L0 --state-url http://127.0.0.1:1 ",
		"--pagerduty-routing-key " + routingKey + ` "$@"; }`,
		"curl $CONTROL/pagerduty",
		"Serving until Ctrl-C, or for 1h (-for).\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--control-url") {
		t.Error("the control URL is not an input")
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 30 * time.Second: "30s", 10 * time.Minute: "10m", 61 * time.Second: "1m1s"} {
		if got := short(d); got != want {
			t.Errorf("short(%v) = %q, want %q", d, got, want)
		}
	}
}
