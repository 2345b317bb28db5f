// Package config turns action inputs (INPUT_* variables, or command-line
// flags of the same names) into a validated Config.
//
// The Inputs struct is the single source of truth for input names, defaults,
// help text and which inputs are secret: flags and the masking are generated
// from it, and tests hold action.yml and docs/inputs.md (generated) to it.
package config

import "reflect"

// Inputs is every action input. The env tag spells the input name in
// upper case with underscores (go-envconfig only accepts POSIX names); the
// lookuper maps it back to the runner's INPUT_<NAME-WITH-HYPHENS>. A field
// tagged secret:"true" (a string) is masked in every log line and never
// echoed in an error message or as a flag's default. A range tag,
// "min..max" in the input's own syntax and then an optional unit, bounds a
// number or duration: validate checks it, and a test holds docs/inputs.md to it.
type Inputs struct {
	ProcessIDs     string `env:"PROCESS_IDS" help:"Process IDs separated by newlines, commas or spaces; # starts a comment."`
	ProcessIDsFile string `env:"PROCESS_IDS_FILE" help:"Workspace-relative text file: one process ID per line, # comments; an optional second field is that process's state server URL."`
	ProcessMapFile string `env:"PROCESS_MAP_FILE" help:"Workspace-relative JSON object {\"<processId>\": \"<state server URL>\"}."`
	StateURL       string `env:"STATE_URL,default=https://state.forward.computer" help:"State server for processes that don't name their own."`
	SURouterURL    string `env:"SU_ROUTER_URL,default=https://su-router.ao-testnet.xyz" help:"Scheduler (SU) router."`

	PagerDutyEnabled  bool           `env:"PAGERDUTY_ENABLED,default=true" help:"Send PagerDuty events."`
	RoutingKey        string         `env:"PAGERDUTY_ROUTING_KEY" secret:"true" help:"PagerDuty Events API v2 routing key (secret): the service's Integration Key."`
	SeverityThreshold Int64          `env:"PAGERDUTY_SEVERITY_THRESHOLD,default=50" help:"Slots apart at which a process opens a mismatch incident; 0 alerts on every process."`
	SeverityLevels    SeverityLevels `env:"PAGERDUTY_SEVERITY_LEVELS,default=critical:100,error:50,warning:0" help:"Slots apart -> PagerDuty severity; the highest level reached wins."`
	AutoResolve       bool           `env:"PAGERDUTY_AUTO_RESOLVE,default=true" help:"Resolve incidents when the process recovers."`
	EventsURL         string         `env:"PAGERDUTY_EVENTS_URL,default=https://events.pagerduty.com" help:"PagerDuty Events API base URL (EU: https://events.eu.pagerduty.com)."`
	APIToken          string         `env:"PAGERDUTY_API_TOKEN" secret:"true" help:"PagerDuty REST API key (secret); with it, every pass reconciles the state file with the incidents PagerDuty holds open."`
	ServiceID         string         `env:"PAGERDUTY_SERVICE_ID" help:"PagerDuty service the routing key feeds (e.g. PXXXXXX); required with pagerduty-api-token."`
	APIURL            string         `env:"PAGERDUTY_API_URL,default=https://api.pagerduty.com" help:"PagerDuty REST API base URL (EU: https://api.eu.pagerduty.com)."`
	ErrorThreshold    Int            `env:"PAGERDUTY_ERROR_THRESHOLD,default=1" range:"1..1000 passes" help:"Consecutive passes a process must fail to be checked before an error incident opens."`
	ResolveThreshold  *Int64         `env:"PAGERDUTY_RESOLVE_THRESHOLD,noinit" help:"Slots apart below which a mismatch incident resolves (default: the severity threshold)."`
	GroupThreshold    Int            `env:"GROUP_THRESHOLD,default=10" help:"More than this many processes in trouble on one state server open one server incident instead of one each; 0 turns grouping off."`
	SilencedIDs       string         `env:"SILENCED_PROCESS_IDS" help:"Process IDs that are checked and reported but never paged (maintenance)."`
	HeartbeatURL      string         `env:"HEARTBEAT_URL" secret:"true" help:"URL to GET after a pass that completed (a dead-man's switch); secret."`
	SlackWebhookURL   string         `env:"SLACK_WEBHOOK_URL" secret:"true" help:"Slack incoming webhook (secret); Slack is off when empty."`
	SlackThreshold    Int64          `env:"SLACK_THRESHOLD,default=50" help:"Slots apart that counts as behind for Slack, independent of PagerDuty's threshold."`

	StateFile      string    `env:"STATE_FILE,default=.pagerduty-state.json" help:"Incident state file, relative to the workspace."`
	ReportFile     string    `env:"REPORT_FILE,default=.nonce-monitor-report.json" help:"JSON file, relative to the workspace, with every process's result (written every pass)."`
	HistoryFile    string    `env:"HISTORY_FILE,default=.nonce-monitor-history.json" help:"File, relative to the workspace, of each process's recent samples, from which trends are read, and of where its scheduler answers (rewritten every pass)."`
	HistoryWindow  Duration  `env:"HISTORY_WINDOW,default=1h" range:"10m..24h" help:"How much history the trends read (Go duration, 10m to 24h)."`
	StuckAfter     *Duration `env:"STUCK_AFTER,noinit" help:"Page a process whose state slot has not moved for this long while its scheduler advanced, below the threshold too (Go duration, 2m to history-window); empty: off."`
	CatchUpGrace   *Duration `env:"CATCH_UP_GRACE,noinit" help:"Do not page yet a process past the threshold that is catching up with an ETA under this, or whose state server just restarted (Go duration); empty: off."`
	Concurrency    Int       `env:"CONCURRENCY,default=16" range:"1..1024" help:"Processes checked at once."`
	RequestTimeout Duration  `env:"REQUEST_TIMEOUT,default=10s" range:"100ms..5m" help:"Timeout of each HTTP request (Go duration)."`
	MaxRetries     Int       `env:"MAX_RETRIES,default=3" range:"0..10" help:"Retries per request when the server is in trouble (no answer, 429, a scheduler's 5xx); a state server's 500 or timeout is never retried (the node answers a failed computation once, and abandons one its reader gave up on)."`
	PassTimeout    Duration  `env:"PASS_TIMEOUT,default=4m" range:"10s..6h" help:"Deadline of the whole pass (Go duration): processes not checked by then are reported as not checked and change nothing; what was decided is still sent."`
	PagerDutyTest  bool      `env:"PAGERDUTY_TEST,default=false" help:"Only send one clearly labelled test event to PagerDuty, report its answer and resolve it: no checks, no state change."`
	DryRun         bool      `env:"DRY_RUN,default=false" help:"Check and report what would be sent; send nothing; leave the state file untouched."`
	FailOn         FailOn    `env:"FAIL_ON,default=never" help:"never, error or behind: when what the pass found fails the step."`
	Shard          Shard     `env:"SHARD" help:"i/n (e.g. 2/4): check only the processes whose stable hash falls in shard i of n, for a matrix of n jobs."`
}

// isSecret reports whether the named input holds a secret (its field is
// tagged secret:"true").
func isSecret(input string) bool {
	for _, s := range Specs() {
		if s.Name == input {
			return s.Secret
		}
	}
	return false
}

// Secrets is the value of every secret input that is set: the console
// masks them before anything is printed.
func (in Inputs) Secrets() []string {
	v := reflect.ValueOf(in)
	var out []string
	for i, s := range Specs() {
		if s.Secret {
			if value := v.Field(i).String(); value != "" {
				out = append(out, value)
			}
		}
	}
	return out
}
