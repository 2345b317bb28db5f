package config

// inputDocs is each input's full meaning, in Markdown: docs/inputs.md and
// its inputs table are generated from it (InputsTable), beside
// the name, default, range and secret flag the Inputs struct declares.
// The help tag is the one-line form a flag's --help prints.
var inputDocs = map[string]string{
	"process-ids":                  "Process IDs separated by newlines, commas or spaces; `#` starts a comment.",
	"process-ids-file":             "Path, relative to the workspace, of a text file: one process ID per line, `#` comments, blank lines ignored; an optional second field on a line is that process's state server URL. The JavaScript monitor's `process-ids.txt` works unchanged.",
	"process-map-file":             "Path, relative to the workspace, of a JSON object `{\"<processId>\": \"<state server URL>\"}` (the JavaScript monitor's `process-map.json` works unchanged).",
	"state-url":                    "State server for processes that don't name their own.",
	"su-router-url":                "Scheduler router.",
	"pagerduty-enabled":            "Send PagerDuty events. When `false`, incidents are still tracked in the state file and the outputs.",
	"pagerduty-routing-key":        "Events API v2 routing key (secret): 32 letters and digits; PagerDuty's screens call it the *Integration Key* of the service's *Events API V2* integration. Required while PagerDuty is enabled, unless `dry-run`; anything else fails the step before any request.",
	"pagerduty-severity-threshold": "Slots apart (`abs(su - state)`) at which a process opens a `mismatch` incident; `0` alerts on every process (useful to test an integration).",
	"pagerduty-severity-levels":    "Slots apart → PagerDuty severity; the highest level reached wins (below every level: the lowest one).",
	"pagerduty-auto-resolve":       "Resolve incidents when the process recovers.",
	"pagerduty-events-url":         "Events API base (EU accounts: `https://events.eu.pagerduty.com`). The full endpoint (`…/v2/enqueue`) is accepted as its base. A 404 from it names the URL (without credentials) and this input.",
	"pagerduty-api-token":          "PagerDuty REST API key (secret, masked). With it, every pass first reconciles the state file with the incidents PagerDuty holds open for `pagerduty-service-id` ([PagerDuty as a second memory](pagerduty.md#pagerduty-as-a-second-memory)). Recommended wherever the state file may be lost or overwritten.",
	"pagerduty-service-id":         "The PagerDuty service the routing key feeds (e.g. `PXXXXXX`); required with `pagerduty-api-token`.",
	"pagerduty-api-url":            "REST API base (EU accounts: `https://api.eu.pagerduty.com`).",
	"pagerduty-error-threshold":    "Consecutive passes a process must fail to be checked before an `error` incident opens (1 to 1000). A count of looks, not a time: N opens it up to N intervals between passes after the process began to fail (see *Thresholds in time* below).",
	"pagerduty-resolve-threshold":  "Slots apart below which a `mismatch` incident resolves (empty: the severity threshold). A process between the two thresholds keeps its incident open and opens none.",
	"group-threshold":              "More than this many processes in trouble on one state server in one pass open **one** `server` incident for the server instead of one each ([incidents.md](incidents.md)); likewise one `scheduler` incident when the scheduler is unreachable for most processes. `0` turns grouping off.",
	"silenced-process-ids":         "Processes still checked and reported, never paged (maintenance): their open incidents are held as they are, Slack does not announce them, and they never fail the step through `fail-on`. A silenced process has the status `silenced` everywhere: it counts in `checked-count` and in no other count (neither behind nor failing: outputs, report file, summary headline), whatever its nonces say.",
	"heartbeat-url":                "URL to `GET` after a pass that completed (every alert delivered, state saved): a dead-man's switch. Secret; a failed heartbeat is a warning.",
	"slack-webhook-url":            "Slack incoming webhook (secret, masked). Slack is off when empty; works with `pagerduty-enabled: false`.",
	"slack-threshold":              "Slots apart that count as behind for Slack, independent of PagerDuty's threshold (e.g. Slack at 25, the pager at 100).",
	"state-file":                   "Incident state, relative to the workspace. Every file input (`state-file`, `report-file`, `history-file`, `process-ids-file`, `process-map-file`) must name a file of its own.",
	"report-file":                  "JSON file, relative to the workspace, with every process's result (nonces, slots behind, status, error, duration), rewritten every pass for later steps and dashboards; per shard with the default name. Keep it out of the commit of the state file.",
	"history-file":                 "Each process's recent samples (time, state slot, scheduler nonce), from which trends are read; where its scheduler (SU) answers, so later passes ask it directly (the router only to re-check it, hourly); and what its state server said that later reads must be read against (a failed computation, one the monitor's read abandoned: [ao-endpoints.md](ao-endpoints.md)). Rewritten every pass, never part of the state file (per shard with the default name). Persist it with the Actions cache; a missing or unreadable one is a warning and a fresh start (a failed computation's error incident then stays open until the state slot moves or the process is in step).",
	"history-window":               "How much history the trends read (Go duration, 10m to 24h).",
	"stuck-after":                  "Page a process whose state slot has not moved for this long while its scheduler advanced, below the threshold too (a `stuck` incident, resolved when the state server moves again). Go duration, 2m to `history-window`; empty: off. It opens at the first pass at least this long after the first pass that read the slot at its frozen value.",
	"catch-up-grace":               "Do not page yet a process past the threshold that is catching up with an ETA under this, or whose state server just restarted from a lower slot (one pass to see its motion); the summary lists them. Go duration; empty: off.",
	"concurrency":                  "Processes checked at once, 1 to 1024 (each uses two requests at a time).",
	"request-timeout":              "Per HTTP request attempt (Go duration, 100ms to 5m).",
	"max-retries":                  "Retries per request (0 to 10) when the server is in trouble (no answer, 429, a scheduler's 5xx or database error): exponential backoff from 1 s with ±50 % jitter, capped at 30 s, honouring `Retry-After` (up to 60 s, and never past `pass-timeout`). A state server's read is never retried: its 500 (a failed computation) is answered once, and the last good slot after it is read once more as what it is; a timeout is the node computing the process, and asking again would restart that work ([ao-endpoints.md](ao-endpoints.md)).",
	"pass-timeout":                 "Deadline of the whole pass (Go duration, 10s to 6h), so a pass ends before the next five-minute run. Processes not checked by then, or when the job is cancelled (SIGTERM), are reported as *not checked*: they open, resolve and advance nothing. What was decided for the rest is sent within a short grace or left for the next pass; the state is saved and the step fails.",
	"pagerduty-test":               "Only prove the routing key works: send one clearly labelled test trigger (dedup key `nonce-monitor-test`, severity `info`), report PagerDuty's answer, then resolve it; a test whose resolve was lost is resolved by the next one (same key). No checks, no state change; with `dry-run`, nothing is sent; refused with `pagerduty-enabled: false`.",
	"dry-run":                      "Check and report what would be sent; send nothing; leave the state file untouched.",
	"fail-on":                      "`never`, `error` (a process could not be checked) or `behind` (a process is at or past the threshold): when what the pass *found* fails the step.",
	"shard":                        "`i/n` (e.g. `2/4`): check only the processes whose stable hash (FNV-1a of the ID, mod n) falls in shard i of n, so a matrix of n jobs covers a large fleet. With the default `state-file`, each shard keeps its own: `.pagerduty-state.shard-2-of-4.json`.",
}
