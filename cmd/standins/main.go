// Command standins serves the project's local stand-ins for every endpoint
// the action talks to (an AO state server, the scheduler router and an SU,
// PagerDuty's Events API and a Slack webhook) with a small fleet, so the
// action can run end to end without the internet: from a terminal, or as
// the container in CI. It listens on free ports (or on six consecutive ones
// from -port) and prints what to paste to run a pass against them. On a
// control port, a person makes any process lag, recover, fail or freeze
// while they run, and reads what PagerDuty and Slack received
// (docs/try-it.md walks through it).
//
//	go run ./cmd/standins
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
)

// The fleet: one process in step, one behind, one whose state server fails.
const (
	Healthy = "H000000000000000000000000000000000000000000"
	Lagging = "L000000000000000000000000000000000000000000"
	Failing = "F000000000000000000000000000000000000000000"
)

func main() {
	listen := flag.String("listen", "127.0.0.1", "address to listen on (0.0.0.0 to serve a container)")
	advertise := flag.String("advertise", "127.0.0.1", "host the action reaches the stand-ins at")
	base := flag.Int("port", 0, "first of six consecutive ports (state, router, SU, PagerDuty, Slack, control); 0: any free ones")
	out := flag.String("inputs", "", "also write the action inputs (name=value lines) to this file, once serving")
	maxLife := flag.Duration("for", time.Hour, "stop after this long (the stand-ins never outlive a CI job)")
	flag.Parse()

	log.SetFlags(0)
	s, err := start(*listen, *advertise, *base, time.Second)
	if err != nil {
		log.Fatalf("standins: %v", err)
	}
	defer s.close()
	fmt.Print(pasteable(s.inputs, s.workspace, s.story.describe(), *maxLife))
	if *out != "" {
		if err := os.WriteFile(*out, []byte(s.inputs), 0o644); err != nil {
			log.Fatal(err)
		}
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	select {
	case <-stop:
	case <-time.After(*maxLife):
	}
}

// standins is the stand-ins serving: the story, what PagerDuty and Slack
// received, the inputs that point a pass at them, and the workspace its
// passes write in.
type standins struct {
	story     *world
	pd        *pagerdutytest.Server
	sl        *slacktest.Server
	inputs    string // name=value lines
	workspace string
	close     func()
}

// start serves the stand-ins and the control port; the scheduler moves on
// a slot every tick, so a frozen process falls behind as a real one does.
// Each start has a new workspace: the state file of an earlier run would
// hold incidents this PagerDuty never received.
func start(listen, advertise string, base int, tick time.Duration) (*standins, error) {
	listeners, err := listenAll(listen, base)
	if err != nil {
		return nil, err
	}
	workspace, err := os.MkdirTemp("", "nonce-monitor-try-")
	if err != nil {
		return nil, err
	}
	url := func(i int) string {
		return "http://" + net.JoinHostPort(advertise, strconv.Itoa(listeners[i].Addr().(*net.TCPAddr).Port))
	}
	fleet := aotest.StartListening(listeners[0], listeners[1], listeners[2], url(2))
	story := newWorld(fleet, 14204)
	story.add(Healthy, inStep, 0)
	story.add(Lagging, lagging, 204)
	story.add(Failing, failing, 0)
	pd := pagerdutytest.StartListening(listeners[3])
	sl := slacktest.StartListening(listeners[4])
	control := &http.Server{Handler: controlHandler(story, pd, sl), ReadHeaderTimeout: 5 * time.Second}
	go control.Serve(listeners[5])
	ticker := time.NewTicker(tick)
	go func() {
		for range ticker.C {
			story.tick(1)
		}
	}()
	inputs := strings.Join([]string{
		"process-ids=" + strings.Join([]string{Healthy, Lagging, Failing}, ","),
		"state-url=" + url(0),
		"su-router-url=" + url(1),
		"pagerduty-events-url=" + url(3),
		"slack-webhook-url=" + url(4) + "/services/T0/B0/standin",
		"control-url=" + url(5),
	}, "\n") + "\n"
	return &standins{story: story, pd: pd, sl: sl, inputs: inputs, workspace: workspace, close: func() {
		ticker.Stop()
		control.Close()
		fleet.Close()
		pd.Close()
		sl.Close()
		os.RemoveAll(workspace)
	}}, nil
}

// listenAll opens the six listeners: on free ports, or on base and the five
// after it. A taken port is named, with the way out.
func listenAll(host string, base int) ([]net.Listener, error) {
	listeners := make([]net.Listener, 6)
	for i := range listeners {
		port := 0
		if base != 0 {
			port = base + i
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			for _, open := range listeners[:i] {
				open.Close()
			}
			if base != 0 {
				return nil, fmt.Errorf("cannot listen on port %d (-port %d takes ports %d to %d): %w; choose another -port, or leave -port out for free ports",
					port, base, base, base+5, err)
			}
			return nil, err
		}
		listeners[i] = l
	}
	return listeners, nil
}

// routingKey is a well-formed routing key the PagerDuty stand-in accepts.
const routingKey = "R0123456789abcdefghijklmnopqrstu"

// pasteable turns the inputs (name=value lines) into what a person reads:
// the processes, a shell function that runs one pass against the stand-ins
// in a fresh workspace, and how to change the story and see what PagerDuty
// and Slack received.
func pasteable(inputs, workspace, processes string, maxLife time.Duration) string {
	var flags []string
	control := ""
	for _, line := range strings.Split(strings.TrimSpace(inputs), "\n") {
		name, value, _ := strings.Cut(line, "=")
		if name == "control-url" {
			control = value
			continue
		}
		flags = append(flags, "--"+name+" "+value)
	}
	flags = append(flags, "--pagerduty-routing-key "+routingKey)
	return "Stand-ins ready: a state server, the scheduler, PagerDuty and Slack, on this machine.\n" +
		"The processes (the scheduler moves on a slot a second):\n\n" + indent(processes) + "\n" +
		"In a second terminal, from the repository's root, paste these two lines once:\n\n" +
		"  export CONTROL=" + control + "\n" +
		"  pass() { GITHUB_WORKSPACE=" + workspace + " go run . " + strings.Join(flags, " ") + " \"$@\"; }\n\n" +
		"Then:\n" +
		"  pass                                          one monitoring pass (again for the next)\n" +
		"  curl -X POST $CONTROL/processes/L/recover     the lagging process catches up (also: lag, fail, freeze)\n" +
		"  curl $CONTROL/pagerduty; curl $CONTROL/slack  what PagerDuty and Slack received\n" +
		"  curl $CONTROL/                                the processes now, and every command\n\n" +
		"The passes write their files in " + workspace + ", new at every start of the stand-ins\n" +
		"(their PagerDuty starts empty too) and removed at the end.\n" +
		"Serving until Ctrl-C, or for " + short(maxLife) + " (-for).\n"
}

func indent(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

// short is a duration as a person writes it: 1h, 1h30m, 30s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
