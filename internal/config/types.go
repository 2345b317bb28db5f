package config

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// SeverityLevels decodes "critical:100,error:50,warning:0".
type SeverityLevels []incident.Level

// EnvDecode implements envconfig.Decoder.
func (s *SeverityLevels) EnvDecode(v string) error {
	levels, err := incident.ParseLevels(v)
	if err != nil {
		return invalid("%v", err)
	}
	*s = levels
	return nil
}

// FailOn says which findings fail the step.
type FailOn string

const (
	FailNever  FailOn = "never"
	FailError  FailOn = "error"
	FailBehind FailOn = "behind"
)

// EnvDecode implements envconfig.Decoder.
func (f *FailOn) EnvDecode(v string) error {
	switch FailOn(strings.ToLower(v)) {
	case FailNever, FailError, FailBehind:
		*f = FailOn(strings.ToLower(v))
		return nil
	}
	return invalid("%q is not one of never, error, behind", v)
}

// Shard is "i/n": this job checks shard i (1-based) of n. The zero value
// checks everything.
type Shard struct {
	Index, Count int
}

// EnvDecode implements envconfig.Decoder.
func (s *Shard) EnvDecode(v string) error {
	i, n, ok := strings.Cut(strings.TrimSpace(v), "/")
	index, err1 := strconv.ParseInt(strings.TrimSpace(i), 10, 32)
	count, err2 := strconv.ParseInt(strings.TrimSpace(n), 10, 32)
	if !ok || err1 != nil || err2 != nil || count < 1 || count > 1000 || index < 1 || index > count {
		return invalid("%q is not i/n with 1 <= i <= n <= 1000 (e.g. 2/4)", v)
	}
	*s = Shard{Index: int(index), Count: int(count)}
	return nil
}

// Enabled reports whether the fleet is split.
func (s Shard) Enabled() bool { return s.Count > 1 }

// Holds reports whether processID falls in this shard: FNV-1a of the ID
// modulo n, stable across runs, machines and list order.
func (s Shard) Holds(processID string) bool {
	if !s.Enabled() {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(processID))
	return int(h.Sum32()%uint32(s.Count)) == s.Index-1
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// InvalidValue is a typed decoder's complaint about an input's value; its
// message is shown as it is, after the input's name.
type InvalidValue struct{ Msg string }

func (e *InvalidValue) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidValue{Msg: fmt.Sprintf(format, args...)}
}

// Int is a whole number written in base 10 only: "010" is ten, and "0x10",
// "1_000" and "1e3" are errors (go-envconfig's own integers accept any
// base).
type Int int

// EnvDecode implements envconfig.Decoder.
func (n *Int) EnvDecode(v string) error {
	i, err := parseBase10(v, strconv.IntSize)
	*n = Int(i)
	return err
}

// Int64 is Int for slot counts.
type Int64 int64

// EnvDecode implements envconfig.Decoder.
func (n *Int64) EnvDecode(v string) error {
	i, err := parseBase10(v, 64)
	*n = Int64(i)
	return err
}

func parseBase10(v string, bits int) (int64, error) {
	i, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		return 0, invalid("%q is not a whole number (base 10, e.g. 50)", v)
	}
	return i, nil
}

// Duration is a Go duration ("10s", "1m30s"); its bounds are checked with
// the other inputs.
type Duration time.Duration

// EnvDecode implements envconfig.Decoder.
func (d *Duration) EnvDecode(v string) error {
	p, err := time.ParseDuration(v)
	if err != nil {
		return invalid("%q is not a duration (use e.g. 10s, 1m30s)", v)
	}
	*d = Duration(p)
	return nil
}

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
