// Package escape makes untrusted text safe for each channel it can reach:
// the runner's log (a command channel), the job summary (GitHub-flavoured
// Markdown), Slack mrkdwn, and URLs shown anywhere (credentials removed).
// Every byte from the network and from input files is untrusted; each
// function here is the one way such text enters its channel.
package escape

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LogLine returns s as exactly one log line that the runner cannot read as a
// workflow command: line breaks and other control characters become visible
// escapes, a leading "::" (the command prefix, after any blanks) is broken,
// and so is the legacy "##[" prefix, which the runner looks for anywhere in
// a line. Bidi controls, which reorder what is shown, are escaped too.
func LogLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalidAt(s, i):
			b.WriteString(`\ufffd`)
		case r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || bidi(r):
			b.WriteString(visible(r))
		default:
			b.WriteRune(r)
		}
	}
	out := strings.ReplaceAll(b.String(), "##[", "# #[")
	// The runner trims every kind of leading white space (.NET's
	// TrimStart), not just spaces and tabs.
	if trimmed := strings.TrimLeftFunc(out, unicode.IsSpace); strings.HasPrefix(trimmed, "::") {
		lead := len(out) - len(trimmed)
		out = out[:lead] + ": :" + trimmed[2:]
	}
	return out
}

func isInvalidAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return r == utf8.RuneError && size <= 1
}

func visible(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	}
	if r < 0x100 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// OneLine folds every run of white space (line breaks included) into one
// space and drops other control characters: for text that must stay on one
// line but is not a log line (a table cell, a Slack line).
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == '\u2028' || r == '\u2029':
			return ' '
		case unicode.IsControl(r) || bidi(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// bidi reports whether r is a bidirectional formatting character (an
// override, embedding, isolate or mark): invisible, it changes the order
// in which the text around it is shown, so a line can be made to read as
// something else (a failing process as fine).
func bidi(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// markdownEscapes covers what GitHub-flavoured Markdown could read as
// markup anywhere in a line of untrusted text: HTML (tags, entities,
// autolinks), emphasis, code, links and images (once "[" is escaped, "("
// and "!" are plain), table cells, strikethrough and math. A bare URL or
// e-mail address would be autolinked: "://" and "@" become entities, and
// "www." is broken below.
var markdownEscapes = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "://", "&#58;//", "@", "&#64;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"|", `\|`, "~", `\~`, "$", `\$`,
)

// leadingMarkup matches what makes a line a heading, list item, quote or
// setext underline when it starts the text.
var leadingMarkup = regexp.MustCompile(`^(?:#{1,6}|[+=-]+|[0-9]{1,9}[.)])(?:\s|$)`)

// Markdown renders untrusted text as literal text in one line of the job
// summary, including inside a table cell: no raw HTML, no links, no
// formatting and no table breaks. Use it for every value from the network
// or from input files.
func Markdown(s string) string {
	out := breakWWW(markdownEscapes.Replace(OneLine(s)))
	if leadingMarkup.MatchString(out) {
		// Escape the marker's first character that is not a digit.
		i := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' })
		out = out[:i] + `\` + out[i:]
	}
	return out
}

// breakWWW stops GitHub autolinking "www.example.com" by writing its first
// dot as an entity.
func breakWWW(s string) string {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "www.") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, "www.")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		b.WriteString("&#46;")
		s, lower = s[i+4:], lower[i+4:]
	}
}

// Code renders untrusted text inside a Markdown code span (`…`), where
// HTML and links are already literal: only what could end the span, the
// line or a table cell is removed.
func Code(s string) string {
	s = strings.ReplaceAll(OneLine(s), "`", "'")
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// slackEscapes are the three characters Slack's mrkdwn and text fields
// read as markup (<!channel>, <url|label>).
var slackEscapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Slack renders untrusted text for a Slack mrkdwn or text field.
func Slack(s string) string {
	s = strings.Map(func(r rune) rune {
		if bidi(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return slackEscapes.Replace(s)
}

// URL is a URL as it may be shown anywhere: without its credentials. The
// URL itself is kept for requests; only this form reaches a channel.
func URL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// Not a URL with a host: show nothing before a possible "@".
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + "***@" + raw[i+1:]
			}
			return "***@" + raw[i+1:]
		}
		return raw
	}
	if u.User == nil {
		return u.String()
	}
	u.User = nil
	scheme, rest, _ := strings.Cut(u.String(), "://")
	return scheme + "://***@" + rest
}

// Host is the host (and port) of a URL, never its credentials, in one
// spelling per host: lower case, no trailing dot, no default port
// (STATE.example, state.example. and state.example:443 on https are all
// state.example), so the breaker, the per-host limit and grouping see one
// host where DNS does.
func Host(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return URL(raw)
	}
	name, port := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port()
	if (port == "443" && strings.EqualFold(u.Scheme, "https")) || (port == "80" && strings.EqualFold(u.Scheme, "http")) {
		port = ""
	}
	if strings.Contains(name, ":") {
		name = "[" + name + "]" // IPv6
	}
	if port != "" {
		return name + ":" + port
	}
	return name
}
