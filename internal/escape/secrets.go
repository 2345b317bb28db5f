package escape

import (
	"bytes"
	"net/url"
	"sort"
	"strings"
)

// Secrets redacts known secret values from text. A URL secret is also
// redacted in the forms an error message may quote it in: as net/url
// re-encodes it (lower-case scheme), its path, its query, and its
// credentials. Every form is also redacted as Markdown renders it, since
// the job summary is redacted after it is rendered.
type Secrets struct {
	values   map[string]bool
	replacer *strings.Replacer
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets { return &Secrets{values: map[string]bool{}} }

// minSecretLen keeps short fragments (a path "/" or a one-letter user name)
// from redacting unrelated text.
const minSecretLen = 4

// Add registers a secret value.
func (s *Secrets) Add(v string) {
	v = strings.TrimSpace(v)
	forms := []string{v}
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		forms = append(forms, u.String(), u.EscapedPath(), u.Path, u.RawQuery)
		forms = append(forms, Credentials(v)...)
	}
	for _, f := range forms {
		if len(f) >= minSecretLen && f != "/" {
			s.values[f] = true
			// As the job summary writes it (Markdown escapes "_", "*",
			// "@", ...): the summary is redacted after it is rendered.
			if md := Markdown(f); md != f && len(md) >= minSecretLen {
				s.values[md] = true
			}
		}
	}
	s.replacer = nil
}

// RedactBytes is Redact for a file's bytes; without a secret in them, they
// are returned as they are, uncopied.
func (s *Secrets) RedactBytes(data []byte) []byte {
	if !s.in(func(v string) bool { return bytes.Contains(data, []byte(v)) }) {
		return data
	}
	return []byte(s.Redact(string(data)))
}

func (s *Secrets) in(contains func(string) bool) bool {
	for v := range s.values {
		if contains(v) {
			return true
		}
	}
	return false
}

// Credentials returns the secret parts of a URL's user information, for
// URLs that are not secret themselves (a state server with a password).
func Credentials(raw string) []string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return nil
	}
	// A user name alone is usually a token; beside a password it is just a
	// name, and redacting it everywhere would garble unrelated text.
	if p, ok := u.User.Password(); ok {
		return []string{u.User.String(), p}
	}
	return []string{u.User.Username()}
}

// Redact replaces every registered secret in text with "***".
func (s *Secrets) Redact(text string) string {
	if !s.in(func(v string) bool { return strings.Contains(text, v) }) {
		return text // the common case, without a copy
	}
	if s.replacer == nil {
		// Longest first, so a URL is replaced whole before its path is.
		vals := make([]string, 0, len(s.values))
		for v := range s.values {
			vals = append(vals, v)
		}
		sort.Slice(vals, func(i, j int) bool {
			if len(vals[i]) != len(vals[j]) {
				return len(vals[i]) > len(vals[j])
			}
			return vals[i] < vals[j]
		})
		pairs := make([]string, 0, 2*len(vals))
		for _, v := range vals {
			pairs = append(pairs, v, "***")
		}
		s.replacer = strings.NewReplacer(pairs...)
	}
	return s.replacer.Replace(text)
}
