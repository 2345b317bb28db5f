package processlist

// What a process ID is, and how an entry that is not one is said.

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/org/nonce-monitor-action/internal/escape"
)

// invalidID says why id is not a process ID, and what one is. The entry is
// shown escaped, without a URL's credentials, redacted, and only then cut
// to 60 characters: a secret cut first would reach the log as a prefix
// that no redaction of the whole secret recognises.
func invalidID(id string, redact func(string) string) string {
	var why []string
	if n := utf8.RuneCountInString(id); n != idLength {
		why = append(why, fmt.Sprintf("%d characters", n))
	}
	if i := strings.IndexFunc(id, func(r rune) bool { return !isIDRune(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(id[i:])
		why = append(why, fmt.Sprintf("%s at character %d", escape.OneLine(strconv.QuoteRune(r)), utf8.RuneCountInString(id[:i])+1))
	}
	shown := escape.URL(id) // a URL in the wrong column keeps its password to itself
	if u, err := url.Parse(id); err == nil && u.Host != "" && (strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "") {
		// Its path and query too: they may be a secret (a Slack webhook's
		// token is its path), and one cut to fit below would reach the log
		// as a prefix that no redaction of the whole secret recognises.
		shown = u.Scheme + "://" + u.Host + "/…"
	}
	shown = redact(shown)
	if r := []rune(shown); len(r) > 60 {
		shown = string(r[:60]) + "…" // whole characters: a cut rune is invalid text
	}
	return fmt.Sprintf("%q is not a process ID (%s; a process ID is %d characters of A-Z a-z 0-9 - _): it is not checked",
		shown, strings.Join(why, ", "), idLength)
}

// idLength is an Arweave transaction ID's length: 32 bytes in base64url.
const idLength = 43

func isIDRune(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_'
}
