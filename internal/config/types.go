package config

import (
	"fmt"
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
