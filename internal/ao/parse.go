package ao

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// parseFailure is a classified problem with an answer, before the caller
// adds which endpoint and host it came from.
type parseFailure struct {
	Kind   Kind
	Detail string
}

func (p *parseFailure) Error() string { return p.Detail }

// parseSlot reads the state server's answer to /compute/at-slot: 200 with a
// bare integer.
func parseSlot(status int, contentType string, body []byte) (int64, error) {
	text := strings.TrimSpace(string(body))
	switch {
	case status == http.StatusNotFound:
		return 0, &parseFailure{NotFound, "does not have this process (HTTP 404)"}
	case status != http.StatusOK:
		return 0, statusFailure(status, text)
	case looksLikeHTML(contentType, text):
		return 0, &parseFailure{BadResponse, "returned HTML, not a slot number (a gateway error page?)"}
	case text == "":
		return 0, &parseFailure{BadResponse, "returned an empty body, not a slot number"}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, &parseFailure{BadResponse, fmt.Sprintf("returned %s, not a slot number", quoteSnippet(text))}
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

// parseNonce reads the scheduler's answer to /{pid}/latest: JSON whose
// assignment carries a Nonce tag holding an integer as a string. An unknown
// process is a 400 whose body says NotFound.
func parseNonce(status int, contentType string, body []byte) (int64, error) {
	text := strings.TrimSpace(string(body))
	switch {
	case (status == http.StatusBadRequest && strings.Contains(text, "NotFound")) || status == http.StatusNotFound:
		return 0, &parseFailure{NotFound, "process not found (" + snippet(schedulerError(body), 120) + ")"}
	case status != http.StatusOK:
		return 0, statusFailure(status, text)
	case looksLikeHTML(contentType, text):
		return 0, &parseFailure{BadResponse, "returned HTML, not JSON (a gateway error page?)"}
	case text == "":
		return 0, &parseFailure{BadResponse, "returned an empty body, not JSON"}
	}
	var latest latestAssignment
	if err := json.Unmarshal(body, &latest); err != nil {
		return 0, &parseFailure{BadResponse, "returned a body that is not JSON: " + snippet(err.Error(), 120)}
	}
	if latest.Assignment == nil {
		return 0, &parseFailure{BadResponse, "no assignment in the latest-message response"}
	}
	for _, tag := range latest.Assignment.Tags {
		if tag.Name != "Nonce" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(tag.Value), 10, 64)
		if err != nil || n < 0 {
			return 0, &parseFailure{BadResponse, fmt.Sprintf("Nonce tag %s is not a whole number", quoteSnippet(tag.Value))}
		}
		return n, nil
	}
	return 0, &parseFailure{BadResponse, "no Nonce tag in assignment"}
}

// schedulerError extracts {"error": "..."} when present.
func schedulerError(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}

func statusFailure(status int, text string) *parseFailure {
	kind := BadResponse
	if status == http.StatusTooManyRequests || status >= 500 {
		kind = ServerError
	}
	d := fmt.Sprintf("HTTP %d", status)
	if text != "" && !looksLikeHTML("", text) {
		d += ": " + snippet(text, 120)
	}
	return &parseFailure{kind, d}
}

func looksLikeHTML(contentType, text string) bool {
	if strings.HasPrefix(strings.ToLower(contentType), "text/html") {
		return true
	}
	return bytes.HasPrefix(bytes.ToLower([]byte(text[:min(len(text), 15)])), []byte("<!doctype html")) ||
		strings.HasPrefix(strings.ToLower(text), "<html")
}

func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

func quoteSnippet(s string) string { return strconv.Quote(snippet(s, 40)) }
