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
	// The runner sends SIGTERM when a job is cancelled or times out.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := action.Main(ctx, action.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now})
	stop()
	os.Exit(code)
}
