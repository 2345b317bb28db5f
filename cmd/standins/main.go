// Command standins serves the project's local stand-ins for every endpoint
// the action talks to (an AO state server, the scheduler router and an SU,
// PagerDuty's Events API and a Slack webhook) with a small fleet, so the
// action can run end to end without the internet: from a terminal, or as
// the container in CI. It listens on free ports (or on six consecutive ones
// from -port), prints a command to paste that runs one pass against them,
// and serves what PagerDuty and Slack received on a control port.
//
//	go run ./cmd/standins
package main

import (
	"encoding/json"
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

	"github.com/org/nonce-monitor-action/internal/aotest"
	"github.com/org/nonce-monitor-action/internal/pagerdutytest"
	"github.com/org/nonce-monitor-action/internal/slacktest"
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
	listeners, err := listenAll(*listen, *base)
	if err != nil {
		log.Fatalf("standins: %v", err)
	}
	url := func(i int) string {
		return "http://" + net.JoinHostPort(*advertise, strconv.Itoa(listeners[i].Addr().(*net.TCPAddr).Port))
	}

	fleet := aotest.StartListening(listeners[0], listeners[1], listeners[2], url(2))
	fleet.Set(Healthy, 14204, 14204)
	fleet.Set(Lagging, 14000, 14204)
	fleet.Set(Failing, 1, 1)
	fleet.Break(Failing, aotest.Status500, aotest.OK)
	pd := pagerdutytest.StartListening(listeners[3])
	sl := slacktest.StartListening(listeners[4])
	go serveControl(listeners[5], pd, sl)

	inputs := strings.Join([]string{
		"process-ids=" + strings.Join([]string{Healthy, Lagging, Failing}, ","),
		"state-url=" + url(0),
		"su-router-url=" + url(1),
		"pagerduty-events-url=" + url(3),
		"slack-webhook-url=" + url(4) + "/services/T0/B0/standin",
		"control-url=" + url(5),
	}, "\n") + "\n"
	fmt.Print(pasteable(inputs, *maxLife))
	if *out != "" {
		if err := os.WriteFile(*out, []byte(inputs), 0o644); err != nil {
			log.Fatal(err)
		}
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	select {
	case <-stop:
	case <-time.After(*maxLife):
	}
	fleet.Close()
	pd.Close()
	sl.Close()
}

// serveControl answers GET /pagerduty (open dedup keys and how many events
// were accepted) and GET /slack (messages received), for checks after a run.
func serveControl(l net.Listener, pd *pagerdutytest.Server, sl *slacktest.Server) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pagerduty", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"open": pd.Open(), "accepted": len(pd.Accepted())})
	})
	mux.HandleFunc("GET /slack", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"messages": len(sl.Received())})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Print(srv.Serve(l))
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
// a command that runs one pass against the stand-ins from the repository's
// root, and how to see what PagerDuty and Slack received.
func pasteable(inputs string, maxLife time.Duration) string {
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
	return "Stand-ins ready: one process in step, one behind, one whose state server fails.\n" +
		"Run one pass against them (from the repository's root; run it again for a second pass):\n\n" +
		"  go run . " + strings.Join(flags, " \\\n      ") + "\n\n" +
		"What PagerDuty and Slack received:\n\n" +
		"  curl " + control + "/pagerduty; curl " + control + "/slack\n\n" +
		"Serving until Ctrl-C, or for " + short(maxLife) + " (-for).\n"
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
