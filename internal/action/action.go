// Package action runs one monitoring pass the way the GitHub runner invokes
// the container: inputs from flags and INPUT_* variables, results to the
// step's output and summary files, the state file in the workspace.
package action

import (
	"context"
	"io"
	"runtime/debug"
	"time"

	"github.com/org/nonce-monitor-action/internal/console"
)

// Env is the world a pass runs in. main passes the real one; tests pass
// their own.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	// Stderr takes the log when --json keeps stdout for the outputs; nil:
	// the log stays on Stdout.
	Stderr io.Writer
	Now    func() time.Time
	Timing Timing // zero: production timing
}

// TuneRuntime sets the Go runtime for one pass: collect garbage at a
// quarter of the live heap instead of all of it, and harder still as the
// heap nears 28 MiB (a soft limit: past it the pass only collects more
// often, it never fails). A pass is short and mostly waits on the network,
// so the extra collections cost no wall time at real latencies, while a
// 10,000-process pass peaks about 6 to 15 MiB lower (BENCHMARKS.md). main
// and the benchmark's pass call it.
func TuneRuntime() {
	debug.SetGCPercent(25)
	debug.SetMemoryLimit(28 << 20)
}

// Main runs one pass and returns the process exit status.
func Main(ctx context.Context, env Env) int {
	return exitStatus(runOnConsole(ctx, env))
}

// runOnConsole is run on a console of the pass's own, flushed (its
// annotations written) when the pass ends.
func runOnConsole(ctx context.Context, env Env) error {
	con := console.New(env.Stdout, env.Getenv)
	defer con.Flush()
	return run(ctx, env, con)
}

// run runs one pass, stage by stage (ARCHITECTURE.md), and returns why it
// fails the step, if it does: the failures joined, each already reported.
//
// Each stage is a function from the values earlier stages returned to its
// own, which carries theirs on (sent holds decided, which holds seen, ...):
// a stage reads what came before it and changes none of it. Every stage
// acts through p, the pass's fixed part (configuration, console, clients,
// deadlines, outlets), which none changes; a stage's I/O goes through p.
// observe and decide do none, and the core's functions are pure.
func run(ctx context.Context, env Env, con *console.Console) error {
	cfg, err := loadConfig(env, con)
	if err != nil {
		return err
	}
	if cfg.PagerDutyTest {
		return pagerdutyTest(ctx, env, con, cfg)
	}
	in, mem, err := prepare(env, con, cfg) // read before any request
	if err != nil {
		return err
	}
	p := start(ctx, env, con, in) // clients, deadlines; outlets (a dry run's send and write nothing)
	defer p.end()

	listing := p.listOpenAlerts()             // PagerDuty's open alerts, listed beside the checks
	checked := p.check(mem)                   // both nonces of every process, read against the notes
	recorded := p.recordHistory(checked, mem) // + trends; the history file rewritten
	seen := p.observe(recorded)               // + what the core decides from; statuses
	known := p.reconcile(listing)             // the state file reconciled with PagerDuty's listing
	decided := p.decide(seen, known)          // + the plan (pure)
	sent := p.deliver(decided)                // + each event's delivery; the next state (write-ahead)
	told := p.notifySlack(sent)               // + what Slack knows now
	saved := p.saveState(told)                // + the state file written
	return p.conclude(saved)                  // the report; every failure, said once
}
