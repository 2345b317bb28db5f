package main

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/action"
)

// child is the pass itself: the same action.Main the container runs.
func child() int {
	action.TuneRuntime() // as main does
	now := time.Now
	if ns, err := strconv.ParseInt(os.Getenv(nowEnv), 10, 64); err == nil {
		start, at := time.Now(), time.Unix(0, ns)
		now = func() time.Time { return at.Add(time.Since(start)) }
	}
	code := action.Main(context.Background(), action.Env{Getenv: os.Getenv, Stdout: os.Stdout, Now: now})
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	raw, _ := json.Marshal(childStats{Mallocs: m.Mallocs, TotalAlloc: m.TotalAlloc, PeakRSSKiB: ownPeakRSSKiB()})
	_ = os.WriteFile(os.Getenv(childEnv), raw, 0o644)
	return code
}

// ownPeakRSSKiB is this process's resident high-water mark (VmHWM, KiB),
// or 0 where /proc is not. The child's rusage Maxrss is not it on Linux:
// os/exec starts the child with vfork, sharing the bench's memory until
// exec, and exec records that memory's high-water mark as the child's, so
// Maxrss is the larger of the pass's peak and the bench's own RSS (its
// stand-ins' 10,000 processes: 42 MiB by the fourth pass, above the pass).
func ownPeakRSSKiB() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}
