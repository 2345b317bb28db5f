// Command nonce-monitor is the nonce-monitor-action container's entrypoint:
// one monitoring pass of AO processes, paging PagerDuty when a state server
// falls behind its scheduler. Every action input is also a flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/org/nonce-monitor-action/internal/action"
)

func main() {
	action.TuneRuntime()
	// A cancelled job: the runner sends SIGINT to `docker run`, which passes
	// it on to the container, then SIGTERM 7.5 s later, and kills at 10 s.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := action.Main(ctx, action.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now})
	stop()
	os.Exit(code)
}
