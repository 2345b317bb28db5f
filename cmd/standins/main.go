// Command standins serves the project's local stand-ins for every endpoint
// the action talks to (an AO state server, the scheduler router and an SU,
// PagerDuty's Events API and a Slack webhook) with a small fleet, so the
// action can run end to end without the internet: from a terminal, or as
// the container in CI. It prints the inputs that point the action at them,
// and serves what PagerDuty and Slack received on a control port.
//
//	go run ./cmd/standins -listen 127.0.0.1 -advertise 127.0.0.1
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
	base := flag.Int("port", 8700, "first of six consecutive ports: state, router, SU, PagerDuty, Slack, control")
	out := flag.String("inputs", "", "also write the action inputs (name=value lines) to this file, once serving")
	maxLife := flag.Duration("for", time.Hour, "stop after this long (the stand-ins never outlive a CI job)")
	flag.Parse()

	listeners := make([]net.Listener, 6)
	for i := range listeners {
		l, err := net.Listen("tcp", net.JoinHostPort(*listen, strconv.Itoa(*base+i)))
		if err != nil {
			log.Fatal(err)
		}
		listeners[i] = l
	}
	url := func(i int) string { return "http://" + net.JoinHostPort(*advertise, strconv.Itoa(*base+i)) }

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
	fmt.Print(inputs)
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
