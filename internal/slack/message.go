package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/escape"
)

// Slack's documented Block Kit limits.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxTextChars   = 40000 // past this Slack truncates the fallback text
)

// Message is an incoming-webhook payload: a plain-text fallback for
// notifications and the Block Kit blocks.
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit block (header, section, context or divider).
type Block struct {
	Type     string  `json:"type"`
	Text     *Text   `json:"text,omitempty"`
	Elements []*Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

// Build renders the changes as one message, worst first, within Slack's
// limits: each list is cut into sections of at most 3000 characters, and
// what does not fit in 50 blocks is counted ("…and 37 more").
func Build(c Changes, threshold int64, runURL string, motion map[string]string) Message {
	headline := headline(c)
	m := Message{Text: headline}
	m.Blocks = append(m.Blocks, Block{Type: "header", Text: &Text{Type: "plain_text", Text: truncate(headline, 150)}})

	type list struct {
		title string
		lines []string
	}
	lists := []list{
		{fmt.Sprintf("*Newly behind* (%d or more slots)", threshold), lines(c.Behind, func(r check.Result) string { return behindLine(r, motion[r.ProcessID]) })},
		{"*Newly failing*", lines(c.Failing, failingLine)},
		{"*Recovered*", append(lines(c.Recovered, recoveredLine), removedLines(c.Removed)...)},
	}
	// Keep room for the closing context block.
	budget := maxBlocks - len(m.Blocks) - 1
	for _, l := range lists {
		if len(l.lines) == 0 {
			continue
		}
		sections, omitted := pack(l.title, l.lines, budget)
		budget -= len(sections)
		m.Blocks = append(m.Blocks, sections...)
		if omitted > 0 && len(m.Blocks) > 1 {
			last := m.Blocks[len(m.Blocks)-1].Text
			more := fmt.Sprintf("\n…and %d more", omitted)
			if len(last.Text)+len(more) > maxSectionText {
				last.Text = truncate(last.Text, maxSectionText-len(more))
			}
			last.Text += more
		}
	}
	ctx := fmt.Sprintf("Already announced: %d behind, %d failing.", c.StillBehind, c.StillFailing)
	if runURL != "" {
		ctx += fmt.Sprintf(" <%s|Workflow run>", runURL)
	}
	m.Blocks = append(m.Blocks, Block{Type: "context", Elements: []*Text{{Type: "mrkdwn", Text: ctx}}})
	m.Text = truncate(fallback(headline, c), maxTextChars)
	return m
}

func headline(c Changes) string {
	var parts []string
	if n := len(c.Behind); n > 0 {
		parts = append(parts, fmt.Sprintf("%d newly behind", n))
	}
	if n := len(c.Failing); n > 0 {
		parts = append(parts, fmt.Sprintf("%d newly failing", n))
	}
	if n := len(c.Recovered) + len(c.Removed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d recovered", n))
	}
	icon := "✅"
	if len(c.Behind)+len(c.Failing) > 0 {
		icon = "🔴"
	}
	return icon + " Nonce monitor: " + strings.Join(parts, ", ")
}

func fallback(headline string, c Changes) string {
	var b strings.Builder
	b.WriteString(headline)
	for _, r := range c.Behind {
		fmt.Fprintf(&b, "\n%s: %d slots behind", r.ProcessID, r.SlotsBehind())
	}
	for _, r := range c.Failing {
		fmt.Fprintf(&b, "\n%s: %s", r.ProcessID, escape.Slack(escape.OneLine(r.ErrorText())))
	}
	return b.String()
}

func lines(rs []check.Result, line func(check.Result) string) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = line(r)
	}
	return out
}

// behindLine says how far behind a process is and, when known, how it
// moves ("↘ catching up, ~4 min").
func behindLine(r check.Result, motion string) string {
	line := fmt.Sprintf("• %s *%d* slots behind on %s (state %d, scheduler %d)",
		link(r.ProcessID), r.SlotsBehind(), host(r.StateURL), *r.StateNonce, *r.SUNonce)
	if motion != "" {
		line += ", " + escape.Slack(motion)
	}
	return line
}

func failingLine(r check.Result) string {
	return fmt.Sprintf("• %s %s", link(r.ProcessID), escape.Slack(truncate(escape.OneLine(r.ErrorText()), 300)))
}

func recoveredLine(r check.Result) string {
	return fmt.Sprintf("• %s on %s, %d slots apart", link(r.ProcessID), host(r.StateURL), r.SlotsBehind())
}

func removedLines(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("• %s no longer monitored", link(id))
	}
	return out
}

// pack puts a title and lines into at most budget sections of at most
// maxSectionText characters each, and says how many lines did not fit.
func pack(title string, lines []string, budget int) (sections []Block, omitted int) {
	if budget <= 0 {
		return nil, len(lines)
	}
	text := title
	for i, l := range lines {
		if len(text)+1+len(l) > maxSectionText-20 { // room for "…and N more"
			sections = append(sections, section(text))
			if len(sections) == budget {
				return sections, len(lines) - i
			}
			text = ""
		}
		if text != "" {
			text += "\n"
		}
		text += l
	}
	return append(sections, section(text)), 0
}

func section(text string) Block {
	return Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: text}}
}

func link(pid string) string { return fmt.Sprintf("<%s|`%s`>", check.ExplorerURL(pid), pid) }

// host shows a state server's host: it comes from input files, so it is
// escaped like any untrusted text.
func host(raw string) string { return escape.Slack(escape.Host(raw)) }

// truncate cuts s to at most n bytes (so at most n characters), on a
// character boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n-len("…")]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + "…"
}
