package config

import (
	"fmt"
	"strings"
)

// InputsTable is the Markdown table of every input: name, default and
// meaning, in declaration order. docs/inputs.md (InputsPage) holds it, and
// a test holds the file to it.
func InputsTable() string {
	var b strings.Builder
	b.WriteString("| input | default | meaning |\n|---|---|---|\n")
	for _, s := range Specs() {
		def := "`" + s.Default + "`"
		if s.Default == "" {
			def = "`\"\"`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.Name, def, s.Doc)
	}
	return b.String()
}

// InputsPage is docs/inputs.md: how inputs are given, the table, and the
// rules every input follows.
func InputsPage() string {
	return inputsIntro + "\n" + InputsTable() + "\n" + inputsRules
}

const inputsIntro = `# Inputs

<!-- Generated from config.Inputs and inputDocs (internal/config); do not edit.
     After changing them: go test . -run TestInputsPage -update -->

Every input is set under the action step's ` + "`with:`" + `. Each is also a command-line flag of the
same name (` + "`--state-url https://...`" + `); a flag wins over the environment. Outside Actions,
` + "`INPUT_STATE_URL`" + `-style variables work too. An input marked secret is masked in the log and
never written anywhere; pass it from a secret (` + "`${{ secrets.NAME }}`" + `).

**Terms.** A *pass* is one run of the action: it checks every process once. It asks the process's
*state server* (a HyperBEAM node) for its *slot*, the latest message it has computed, and its
*scheduler* (SU), found through the *scheduler router*, for its *nonce*, the latest message it
numbered; *slots apart* is the difference. An *incident* is one page in PagerDuty, sent with the
service's *routing key* and named by a *dedup key*; its *type* says what is wrong (` + "`mismatch`" + `:
behind; ` + "`error`" + `: could not be checked; ` + "`stuck`" + `; ` + "`server`" + ` and ` + "`scheduler`" + `: grouped) and its
*severity* is PagerDuty's loudness (` + "`critical`, `error`, `warning`, `info`" + `): [incidents.md](incidents.md).
The *workspace* is the directory the action's files live in (the checkout, on GitHub).
`

const inputsRules = `## What every input follows

URL inputs accept ` + "`http://` and `https://`" + `; the action warns when the routing key would travel
over plain http to a host that is not loopback. Processes from the three sources are merged and
de-duplicated; the first source that names a state server for a process wins (a conflicting one
is reported). An entry that is not a process ID (not 43 characters of base64url) is an error
naming its input, file and line: the other processes are checked and paged as usual, the step
fails, and an incident open for a process no longer listed is held (a typo is no recovery). A
list file that does not exist fails the step, naming where it was looked for. A routing key that
is not 32 letters and digits fails the step before any request.

Numbers are whole numbers in base 10: ` + "`010`" + ` is ten, and ` + "`0x10`, `1_000` or `1e3`" + ` are errors.
Durations are Go durations (` + "`90s`, `15m`, `1h30m`" + `) within the bounds above. Every invalid input is
reported in one run, each as an error annotation that names the input, before any request is
made. Path inputs (` + "`state-file`, `report-file`, `history-file`, `process-ids-file`, `process-map-file`" + `)
name files inside the workspace (relative, or absolute under ` + "`GITHUB_WORKSPACE`" + `); a path outside
it, or with a control character, is an error. The state and report files must be regular files
(never a symlink, FIFO or device), and no file is read past 64 MiB.

**How many inline ` + "`process-ids`" + `?** The runner hands every input to the container as one
environment variable, and Linux limits one variable to 128 KiB (131,072 bytes, name included).
A process ID with its separator takes 44 bytes, so ` + "`process-ids`" + ` holds at most about **2,900**
IDs. Larger fleets belong in ` + "`process-ids-file`" + ` (or ` + "`process-map-file`" + `), which has no such limit.

**Thresholds in time.** ` + "`stuck-after`, `catch-up-grace` and `history-window`" + ` are durations, read from
the passes' real timestamps: they mean the same however far apart passes run.
` + "`pagerduty-error-threshold`" + ` counts passes on purpose: each pass is one independent look at a
process, and the threshold asks for that many failed looks in a row before paging, however
long they take. In time: the incident opens at the Nth failed pass in a row, (N − 1) intervals
after the first, so up to N intervals after the process began to fail. 3 is 10 to 15 minutes on
a five-minute schedule, and 2 to 3 hours when GitHub runs that schedule hourly (see
[operating.md](operating.md)): on a slower schedule, lower it. Slot thresholds
(` + "`pagerduty-severity-threshold`, `pagerduty-resolve-threshold`, `slack-threshold`" + `) do not depend on time at all.
`
