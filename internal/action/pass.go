package action

// The pass every stage acts through, fixed before the first request.

import (
	"context"
	"errors"
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/console"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/pagerduty"
	"github.com/org/nonce-monitor-action/internal/retryhttp"
)

// pass is one monitoring pass's fixed part: the configuration and what
// prepare read (in), the console, the clock, the HTTP client, the pass's
// deadlines, and the outlets its decisions go to, chosen once (a dry run's
// send and write nothing). Every stage reads it; none changes it. What
// the stages find and decide is in the values they return.
type pass struct {
	cfg    config.Config
	in     setup
	con    *console.Console
	now    func() time.Time
	timing Timing
	origin pagerduty.Origin  // the workflow run, linked from events and Slack
	hc     *retryhttp.Client // every request but PagerDuty's REST listing
	out    outlets
	// ctx is the runner's (cancelled by SIGTERM); checking ends at the
	// pass deadline too; sending, grace after either (graceContext), so
	// that what a cut-short pass decided is still sent.
	ctx, checking, sending context.Context
	stop                   []func()
}

// start opens the pass: its client, its deadlines and its outlets. end
// closes them.
func start(ctx context.Context, env Env, con *console.Console, in setup) *pass {
	cfg := in.cfg
	timing := env.Timing.withDefaults()
	p := &pass{cfg: cfg, in: in, con: con, now: func() time.Time { return env.Now().UTC() }, timing: timing,
		origin: runOrigin(env.Getenv), ctx: ctx}
	p.hc = newHTTPClient(con, cfg, timing)
	var stopChecks, stopSends context.CancelFunc
	p.checking, stopChecks = context.WithTimeoutCause(ctx, cfg.PassTimeout.D(), errPassTimeout)
	p.sending, stopSends = graceContext(ctx, time.Now().Add(cfg.PassTimeout.D()), timing.DeliveryGrace)
	p.out = outletsFor(cfg, p.hc, p.origin)
	// A pass is one process run in production, but not in tests or a
	// long-lived caller: its connections are not left open.
	p.stop = []func(){stopSends, stopChecks, p.hc.HTTP.CloseIdleConnections, func() { in.ws.Close() }}
	return p
}

// end closes what start opened, and the workspace prepare opened.
func (p *pass) end() {
	for _, stop := range p.stop {
		stop()
	}
}

// newHTTPClient is the pass's client for every request but PagerDuty's
// REST listing: per host, at most concurrency requests at once, and a
// breaker that stops asking a host that stopped answering.
func newHTTPClient(con *console.Console, cfg config.Config, timing Timing) *retryhttp.Client {
	return &retryhttp.Client{
		HTTP:           retryhttp.NewHTTPClient(int(cfg.Concurrency)),
		MaxRetries:     int(cfg.MaxRetries),
		Timeout:        cfg.RequestTimeout.D(),
		InitialBackoff: timing.FirstBackoff,
		Clock:          timing.RetryClock,
		Hosts:          retryhttp.NewHosts(int(cfg.Concurrency)),
		Budget:         retryhttp.NewRetryBudget(timeoutRetryReserve, timeoutRetryShare),
		OnRetry: func(url string, err error, wait time.Duration) {
			con.Debugf("retrying %s in %s: %v", escape.URL(url), wait.Round(time.Millisecond), err)
		},
	}
}

// The retry budget for timed-out requests: a reserve, plus a fifth of the
// requests made (Finagle's and Envoy's default share).
const (
	timeoutRetryReserve = 10
	timeoutRetryShare   = 0.2
)

// errPassTimeout is why checks stop at the pass-timeout deadline.
var errPassTimeout = errors.New("pass-timeout reached")

// graceContext is the context events are sent in: it ends at the pass
// deadline plus grace, or grace after parent is cancelled (the runner's
// SIGTERM), so that what a cut-short pass decided still has a moment to be
// delivered, and the runner's kill never finds a send half-way.
func graceContext(parent context.Context, deadline time.Time, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithDeadline(context.WithoutCancel(parent), deadline.Add(grace))
	stop := context.AfterFunc(parent, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() { stop(); cancel() }
}

// runOrigin links events back to the workflow run that sent them.
func runOrigin(getenv func(string) string) pagerduty.Origin {
	o := pagerduty.Origin{Client: "nonce-monitor"}
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if repo != "" {
		o.Client = "nonce-monitor (" + repo + ")"
	}
	if server != "" && repo != "" && run != "" {
		o.ClientURL = server + "/" + repo + "/actions/runs/" + run
	}
	return o
}
