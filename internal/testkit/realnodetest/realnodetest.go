// Package realnodetest drives the real HyperBEAM node that tests run
// against: a node built from source and run on loopback by a kit outside
// this repository (docs/development.md says where CI gets it). The kit's
// node.sh is named by NONCE_MONITOR_REALNODE; without it, tests that need
// the node are skipped, and the stand-in (aotest) is all they have.
//
// Every command goes through node.sh: new processes that lag, crash, load
// slowly or hold nothing, made on purpose, and the node's restart.
package realnodetest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Env names the kit's node.sh.
const Env = "NONCE_MONITOR_REALNODE"

// Node is the running real node.
type Node struct {
	script string
	URL    string // base URL, e.g. http://127.0.0.1:8734
}

// Get returns the running node, or skips t when Env is unset. With Env set
// the node must be running: CI set it up to be tested, and a node that is
// not there fails the test rather than skipping it.
func Get(t testing.TB) *Node {
	t.Helper()
	script := os.Getenv(Env)
	if script == "" {
		t.Skipf("no real HyperBEAM node: set %s to the kit's node.sh (docs/development.md)", Env)
	}
	n := &Node{script: script}
	n.URL = strings.TrimSpace(n.run(t, "url"))
	if _, err := exec.Command(script, "status").Output(); err != nil {
		t.Fatalf("%s is set, but the node is not running (%s status: %v): start it with %s start", Env, script, err, script)
	}
	return n
}

// New makes a process of kind (test, slow, crash-at-slot-K, unscheduled,
// empty) with count messages (0: the kind's default) and returns its ID.
// Its label is unique, so a test can be run again on the same node.
func (n *Node) New(t testing.TB, kind string, count int) string {
	t.Helper()
	args := []string{"new", label(kind), kind}
	if count > 0 {
		args = append(args, fmt.Sprint(count))
	}
	pid := strings.TrimSpace(n.run(t, args...))
	if len(pid) != 43 {
		t.Fatalf("node.sh new %s: %q is not a process ID", kind, pid)
	}
	return pid
}

// SlowMs sets how long every slow process takes per slot.
func (n *Node) SlowMs(t testing.TB, ms int) { t.Helper(); n.run(t, "slow-ms", fmt.Sprint(ms)) }

// Restart stops the node (SIGKILL) and starts it again, with its store.
func (n *Node) Restart(t testing.TB) { t.Helper(); n.run(t, "restart") }

// Stop kills the node.
func (n *Node) Stop(t testing.TB) { t.Helper(); n.run(t, "stop") }

// Start starts it again (its store kept).
func (n *Node) Start(t testing.TB) { t.Helper(); n.run(t, "start") }

// Command is node.sh with args, for a test that runs it in the background
// (a restart in the middle of a pass).
func (n *Node) Command(args ...string) *exec.Cmd { return exec.Command(n.script, args...) }

func (n *Node) run(t testing.TB, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(n.script, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("node.sh %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	t.Logf("node.sh %s (%s)", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return stdout.String()
}

func label(kind string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return strings.ReplaceAll(kind, "-", "") + "-" + hex.EncodeToString(b)
}
