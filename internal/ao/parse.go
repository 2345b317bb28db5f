package ao

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/org/nonce-monitor-action/internal/answer"
)

// parseSlot reads the body of the state server's 200 to /compute/at-slot:
// the bare decimal slot (no Content-Type to rely on), -1 for a process the
// node holds with nothing computed yet (the slot before the first).
// Anything else is not a HyperBEAM node's answer.
func parseSlot(contentType string, body []byte) (int64, *answer.Verdict) {
	text := strings.TrimSpace(string(body))
	switch {
	case answer.LooksLikeHTML(contentType, text):
		return 0, notAO("returned an HTML page, not a slot number (a proxy's error page, or not a HyperBEAM node)")
	case text == "":
		return 0, notAO("returned an empty body, not a slot number")
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < -1 {
		return 0, notAO(fmt.Sprintf("returned %s, not a slot number", quoteSnippet(text)))
	}
	return n, nil
}

type latestAssignment struct {
	Assignment *struct {
		Tags []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"tags"`
	} `json:"assignment"`
}

// parseNonce reads the SU's 200 to /{pid}/latest, reduced by readLatest to
// its assignment: the Nonce tag's value, a decimal integer as a string.
func parseNonce(contentType string, body []byte) (int64, *answer.Verdict) {
	n, _, bad := parseAssignment(contentType, body)
	return n, bad
}

// parseAssignment is parseNonce, also returning the assignment's Process
// tag ("" when it has none).
func parseAssignment(contentType string, body []byte) (int64, string, *answer.Verdict) {
	text := strings.TrimSpace(string(body))
	switch {
	case answer.LooksLikeHTML(contentType, text):
		return 0, "", notAO("returned an HTML page, not JSON (a proxy's error page, or not a scheduler)")
	case text == "":
		return 0, "", notAO("returned an empty body, not JSON")
	}
	var latest latestAssignment
	if err := json.Unmarshal(body, &latest); err != nil {
		return 0, "", notAO("returned a body that is not JSON: " + answer.Snippet(err.Error()))
	}
	if latest.Assignment == nil {
		return 0, "", notAO("no assignment in the latest-message response")
	}
	var nonce, process *string
	for _, tag := range latest.Assignment.Tags {
		switch tag.Name {
		case "Nonce":
			if nonce == nil {
				nonce = &tag.Value
			}
		case "Process":
			if process == nil {
				process = &tag.Value
			}
		}
	}
	if nonce == nil {
		return 0, "", notAO("no Nonce tag in assignment")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*nonce), 10, 64)
	if err != nil || n < 0 {
		return 0, "", notAO(fmt.Sprintf("Nonce tag %s is not a whole number", quoteSnippet(*nonce)))
	}
	if process == nil {
		return n, "", nil
	}
	return n, *process, nil
}

func notAO(detail string) *answer.Verdict {
	v := answer.NotAO(detail)
	return &v
}

func quoteSnippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.Quote(s)
}
