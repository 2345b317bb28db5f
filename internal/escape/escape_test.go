package escape

import (
	"strings"
	"testing"
	"unicode"
)

// hostile is text a remote server controls, in every shape that has bitten
// a channel: workflow commands after line breaks, HTML, links, table breaks,
// Slack mentions, credentials in URLs.
var hostile = []string{
	"boom\n::error::x\r::warning::y\n::set-output name=state-changed::z",
	"  ::add-mask::secret",
	"\u00a0\u3000::error::after non-breaking and ideographic spaces",
	"ok ##[error]legacy command",
	"::stop-commands::tok",
	"<img src=x onerror=alert(1)>",
	"[click](https://evil.example/x) ![i](https://evil.example/i.png)",
	"a | b | c",
	"visit https://evil.example or www.evil.example or me@evil.example",
	"<!channel> <https://evil.example|label> & more",
	"\x1b[31mred\x1b[0m\u2028next\u0085nel",
	"bad utf8 \xff\xfe end",
	"bidi: ok \u202egnilaf\u202c \u2066isolate\u2069 \u200fmark",
}

// bidiControls reorder how the text around them is shown (a failing
// process's line made to read as fine): no channel may keep them.
const bidiControls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

func TestLogLineIsOneInertLine(t *testing.T) {
	for _, s := range hostile {
		checkLogLine(t, s, LogLine(s))
	}
	if got := LogLine("::error::x"); got != ": :error::x" {
		t.Errorf("LogLine(::error::x) = %q", got)
	}
	if got := LogLine("state 12\tscheduler 14"); got != "state 12\tscheduler 14" {
		t.Errorf("plain text changed: %q", got)
	}
}

func checkLogLine(t *testing.T, in, out string) {
	t.Helper()
	if strings.ContainsAny(out, "\r\n\x00\x1b\u2028\u2029\u0085"+bidiControls) {
		t.Errorf("LogLine(%q) = %q keeps a line break or control character", in, out)
	}
	if strings.HasPrefix(strings.TrimLeftFunc(out, unicode.IsSpace), "::") {
		t.Errorf("LogLine(%q) = %q starts a workflow command", in, out)
	}
	if strings.Contains(out, "##[") {
		t.Errorf("LogLine(%q) = %q holds a legacy command", in, out)
	}
}

func TestMarkdownRendersLiterally(t *testing.T) {
	for _, s := range hostile {
		checkMarkdown(t, s, Markdown(s))
	}
	if got := Markdown("1. state server 127.0.0.1:80: timed out (after 3 attempts)"); got != `1\. state server 127.0.0.1:80: timed out (after 3 attempts)` {
		t.Errorf("Markdown = %q", got)
	}
}

func checkMarkdown(t *testing.T, in, out string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, bad := range []string{"<", ">", "\n", "\r", "://", "www.", "@"} {
		if strings.Contains(lower, bad) {
			t.Errorf("Markdown(%q) = %q contains %q", in, out, bad)
		}
	}
	if strings.ContainsAny(out, bidiControls) {
		t.Errorf("Markdown(%q) = %q keeps a bidi control", in, out)
	}
	// Every markup character is escaped by a backslash that is not itself
	// escaped.
	for i := 0; i < len(out); i++ {
		if strings.IndexByte("|[]`*_", out[i]) >= 0 && precedingBackslashes(out, i)%2 == 0 {
			t.Fatalf("Markdown(%q) = %q leaves %q unescaped at %d", in, out, out[i], i)
		}
	}
}

func precedingBackslashes(s string, i int) int {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n
}

func TestCodeSpan(t *testing.T) {
	if got := Code("a`b|c\nd"); got != "`a'b\\|c d`" {
		t.Errorf("Code = %q", got)
	}
}

func TestSlack(t *testing.T) {
	for _, h := range hostile {
		if out := Slack(h); strings.ContainsAny(out, bidiControls) {
			t.Errorf("Slack(%q) = %q keeps a bidi control", h, out)
		}
	}
	if got := Slack("<!channel> & <https://x|y>"); got != "&lt;!channel&gt; &amp; &lt;https://x|y&gt;" {
		t.Errorf("Slack = %q", got)
	}
}

func TestURLDropsCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pass@state.example/x":  "https://***@state.example/x",
		"HTTPS://token@state.example:8443/":  "https://***@state.example:8443/",
		"https://state.example/path?q=1":     "https://state.example/path?q=1",
		"http://u:p@[::1]:80/%zz":            "http://***@[::1]:80/%zz",
		"not a url with secret@host.example": "***@host.example",
	} {
		got := URL(in)
		if got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "pass") || strings.Contains(got, "token") {
			t.Errorf("URL(%q) = %q leaks a credential", in, got)
		}
	}
	for _, spelling := range []string{"https://STATE.example/x", "https://state.example./", "https://state.example:443", "HTTPS://State.Example.:443/y", "http://state.example:80/"} {
		if got := Host(spelling); got != "state.example" {
			t.Errorf("Host(%q) = %q, want state.example: one host, one spelling", spelling, got)
		}
	}
	if got := Host("http://[::1]:8080/x"); got != "[::1]:8080" {
		t.Errorf("Host of an IPv6 URL = %q", got)
	}
	if got := Host("https://user:pass@state.example:8443/x"); got != "state.example:8443" {
		t.Errorf("Host = %q", got)
	}
}

func FuzzLogLine(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLogLine(t, s, LogLine(s))
	})
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Markdown(s)
		checkMarkdown(t, s, out)
		for _, r := range out {
			if unicode.IsControl(r) {
				t.Fatalf("Markdown(%q) = %q keeps control character %U", s, out, r)
			}
		}
	})
}
