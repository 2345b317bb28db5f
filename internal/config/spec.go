package config

import (
	"reflect"
	"strings"
)

// Spec describes one input as declared by the Inputs struct.
type Spec struct {
	Name    string // action input name, e.g. "pagerduty-routing-key"
	Field   string // Go field name in Inputs
	envKey  string // key in the env tag, e.g. "PAGERDUTY_ROUTING_KEY"
	Default string
	Help    string // one line, for a flag's --help
	Doc     string // the full meaning, Markdown (inputDocs): docs/inputs.md
	Bool    bool
	Secret  bool // tagged secret:"true": masked, never echoed
	// Range is the range tag: "min..max" in the input's own syntax, then
	// an optional unit ("1..1000 passes"); "" for an unbounded input.
	Range string
}

// Bounds are the input's range, as written ("1", "1000"; "10m", "24h"),
// and its unit, if any; ok is false for an unbounded input.
func (s Spec) Bounds() (lo, hi, unit string, ok bool) {
	r, unit, _ := strings.Cut(s.Range, " ")
	lo, hi, ok = strings.Cut(r, "..")
	return lo, hi, unit, ok
}

// Specs lists every input in declaration order.
func Specs() []Spec {
	t := reflect.TypeOf(Inputs{})
	specs := make([]Spec, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		key, def := parseEnvTag(f.Tag.Get("env"))
		specs = append(specs, Spec{
			Name:    inputName(key),
			Field:   f.Name,
			envKey:  key,
			Default: def,
			Help:    f.Tag.Get("help"),
			Doc:     inputDocs[inputName(key)],
			Bool:    f.Type.Kind() == reflect.Bool,
			Secret:  f.Tag.Get("secret") == "true",
			Range:   f.Tag.Get("range"),
		})
	}
	return specs
}

// specOf is an input's spec.
func specOf(input string) Spec {
	for _, s := range Specs() {
		if s.Name == input {
			return s
		}
	}
	panic("no input " + input)
}

// defaultOf is an input's default, as its struct tag declares it: the one
// place defaults are written.
func defaultOf(input string) string {
	for _, s := range Specs() {
		if s.Name == input {
			return s.Default
		}
	}
	panic("no input " + input)
}

// envKey maps an action input name to its env-tag key.
func envKey(input string) string {
	return strings.ToUpper(strings.ReplaceAll(input, "-", "_"))
}

// inputName maps an env-tag key to its action input name.
func inputName(envKey string) string {
	return strings.ToLower(strings.ReplaceAll(envKey, "_", "-"))
}

// parseEnvTag extracts the key and default from a go-envconfig tag. The
// default is last and may itself contain commas.
func parseEnvTag(tag string) (key, def string) {
	key, rest, _ := strings.Cut(tag, ",")
	if _, d, ok := strings.Cut(rest, "default="); ok {
		def = d
	}
	return key, def
}
