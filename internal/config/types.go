package config

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/org/nonce-monitor-action/internal/incident"
)

// SeverityLevels decodes "critical:100,error:50,warning:0".
type SeverityLevels []incident.Level

// EnvDecode implements envconfig.Decoder.
func (s *SeverityLevels) EnvDecode(v string) error {
	levels, err := incident.ParseLevels(v)
	if err != nil {
		return err
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
	return fmt.Errorf("%q is not one of never, error, behind", v)
}

// Shard is "i/n": this job checks shard i (1-based) of n. The zero value
// checks everything.
type Shard struct {
	Index, Count int
}

// EnvDecode implements envconfig.Decoder.
func (s *Shard) EnvDecode(v string) error {
	i, n, ok := strings.Cut(strings.TrimSpace(v), "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || count < 1 || count > 1000 || index < 1 || index > count {
		return fmt.Errorf("%q is not i/n with 1 <= i <= n <= 1000 (e.g. 2/4)", v)
	}
	*s = Shard{Index: index, Count: count}
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
