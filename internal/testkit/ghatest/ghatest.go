// Package ghatest reads what a step wrote to the runner's file commands, the
// way the runner does, for tests.
package ghatest

import (
	"fmt"
	"strings"
)

// ParseOutputs reads a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER ... DELIMITER blocks. Setting one name twice is an error.
func ParseOutputs(data string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		var name, value string
		if n, delim, ok := strings.Cut(line, "<<"); ok {
			var v []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				v = append(v, lines[i])
			}
			if i == len(lines) {
				return nil, fmt.Errorf("output %s: delimiter %q never closes", n, delim)
			}
			name, value = n, strings.Join(v, "\n")
		} else if n, v, ok := strings.Cut(line, "="); ok {
			name, value = n, v
		} else {
			return nil, fmt.Errorf("line %q is neither name=value nor name<<delimiter", line)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("output %s set twice", name)
		}
		out[name] = value
	}
	return out, nil
}
