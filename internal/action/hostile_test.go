package action

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
	"github.com/org/nonce-monitor-action/internal/fakeworld/slacktest"
	"github.com/org/nonce-monitor-action/internal/report"
)

// forged are the commands a hostile server tries to smuggle into the log.
var forged = regexp.MustCompile(`^\s*::(error::x|warning::y|set-output|save-state|stop-commands|add-mask::a)`)

// assertChannelsClean checks every channel a pass writes: no forged
// workflow command in the log, exactly the declared outputs, a summary
// without raw HTML, links or broken tables, Slack without mentions or
// links from remote text, and none of the secrets anywhere.
func assertChannelsClean(t *testing.T, h *harness, r runResult, sl *slacktest.Server, secrets ...string) {
	t.Helper()
	for _, seg := range strings.FieldsFunc(r.stdout, func(c rune) bool { return c == '\n' || c == '\r' }) {
		if forged.MatchString(seg) || strings.Contains(seg, "##[") {
			t.Errorf("the log carries a forged workflow command: %q", seg)
		}
	}
	if len(r.outputs) != len(report.OutputNames) {
		t.Errorf("outputs %v, want exactly %v", outputNames(r.outputs), report.OutputNames)
	}
	if v := r.outputs["state-changed"]; v != "true" && v != "false" {
		t.Errorf("state-changed = %q", v)
	}
	for _, bad := range []string{"<img", "](https://evil", "<!channel>", "www.evil.example", "<https://evil"} {
		if strings.Contains(r.summary, bad) {
			t.Errorf("the summary carries %q raw", bad)
		}
	}
	assertTablesIntact(t, r.summary)
	if sl != nil {
		for _, m := range sl.Received() {
			texts := []string{m.Text}
			for _, b := range m.Blocks {
				if b.Text != nil {
					texts = append(texts, b.Text.Text)
				}
				for _, e := range b.Elements {
					texts = append(texts, e.Text)
				}
			}
			for _, text := range texts {
				for _, bad := range []string{"<!channel>", "<https://evil"} {
					if strings.Contains(text, bad) {
						t.Errorf("a Slack message carries %q raw: %s", bad, text)
					}
				}
			}
		}
	}
	var everything strings.Builder
	// The masks themselves must name the secrets; nothing else may.
	everything.WriteString(regexp.MustCompile(`(?m)^::add-mask::.*$`).ReplaceAllString(r.stdout, ""))
	everything.WriteString(r.summary)
	for _, v := range r.outputs {
		everything.WriteString(v)
	}
	for _, f := range []string{".pagerduty-state.json", ".nonce-monitor-report.json"} {
		b, _ := os.ReadFile(filepath.Join(h.ws, f))
		everything.Write(b)
	}
	for _, b := range h.pd.Bodies() {
		// PagerDuty is the one place the routing key belongs.
		everything.WriteString(strings.ReplaceAll(string(b), `"routing_key":"`+routingKey+`"`, ""))
	}
	if sl != nil {
		for _, b := range sl.Raw() {
			everything.Write(b)
		}
	}
	for _, s := range secrets {
		if strings.Contains(everything.String(), s) {
			t.Errorf("secret %q reached a channel", s)
		}
	}
}

// assertTablesIntact checks every Markdown table row has as many cells as
// its header: a "|" from remote text would add one.
func assertTablesIntact(t *testing.T, md string) {
	t.Helper()
	cells := func(row string) int { return len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(row, -1)) }
	want := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
		} else if got := cells(line); got != want {
			t.Errorf("table row has %d cell borders, its header %d: %s", got, want, line)
		}
	}
}

func outputNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestHostileAOServersCannotSteerAnyChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sl := slacktest.Start()
	t.Cleanup(sl.Close)
	h.fleet.Set(pidA, 0, 60)
	h.fleet.Set(pidB, 0, 0)
	h.fleet.Break(pidB, aotest.Hostile, aotest.OK)
	h.fleet.Set(pidC, 0, 0)
	h.fleet.Break(pidC, aotest.OK, aotest.Hostile)
	// One at a time, in list order: A's answers reach both hosts first. B's
	// 502 pages are a gateway's (no answer), and three of them before any
	// answer would rightly take the state server for down.
	r := h.run(map[string]string{"slack-webhook-url": sl.URL + "/services/T0/B0/s3cr3t", "slack-threshold": "10", "concurrency": "1"})
	if r.outputs["error-count"] != "2" || len(sl.Received()) != 1 {
		t.Fatalf("error-count %s, %d Slack messages\n%s", r.outputs["error-count"], len(sl.Received()), r.stdout)
	}
	assertChannelsClean(t, h, r, sl, "s3cr3t", routingKey)
}

func TestHostilePagerDutyRejectionCannotSteerTheLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 60)
	h.pd.RejectWith("bad\n::error::x\r::warning::y\n::set-output name=state-changed::z", "<img src=x onerror=alert(1)> | [x](https://evil.example)")
	h.pd.FailNext(400)
	r := h.run(map[string]string{"process-ids": pidA})
	if r.exit != 1 || !strings.Contains(r.stdout, "PagerDuty rejected the event") {
		t.Fatalf("exit %d\n%s", r.exit, r.stdout)
	}
	assertChannelsClean(t, h, r, nil, routingKey)
}

// Go's hostname-mismatch error quotes the certificate's DNS names before
// any trust decision: a node can put anything there.
func TestHostileCertificateNamesCannotSteerTheLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fleet.Set(pidA, 0, 0)
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{hostileCertificate(t,
		"evil\n::error::x\r::set-output name=state-changed::z", "<img src=x onerror=alert(1)>|[x](https://evil.example)")}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	stateURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	r := h.run(map[string]string{"process-ids": pidA, "state-url": stateURL})
	if !strings.Contains(r.stdout, "certificate is valid for") {
		t.Fatalf("the TLS error did not carry the names, so this test proves nothing:\n%s", r.stdout)
	}
	assertChannelsClean(t, h, r, nil, routingKey)
}

func hostileCertificate(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "evil"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: names, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Credentials in any URL (inputs and the process map) and the webhook that
// Slack's error answer echoes never reach a channel.
func TestCredentialsInURLsReachNoChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sl := slacktest.Start()
	t.Cleanup(sl.Close)
	sl.EchoPath(true)
	sl.FailNext(404)
	h.fleet.Set(pidA, 0, 60)
	h.fleet.Set(pidB, 0, 70)
	h.fleet.Set(pidC, 0, 0)
	h.fleet.Break(pidC, aotest.Status500, aotest.OK)
	withUser := func(raw, user string) string { return strings.Replace(raw, "http://", "http://"+user+"@", 1) }
	os.WriteFile(filepath.Join(h.ws, "map.json"), []byte(`{"`+pidB+`": "`+withUser(h.fleet.State.URL, "ghp_mapTok3n")+`"}`), 0o644)
	// A second source naming another server for B: the conflict is reported,
	// and the ignored URL's password must not be.
	os.WriteFile(filepath.Join(h.ws, "ids.txt"), []byte(pidB+" "+withUser(h.fleet.State.URL+"/other", "ignored:c0nflictPass")+"\n"), 0o644)
	r := h.run(map[string]string{
		"process-map-file":     "map.json",
		"process-ids-file":     "ids.txt",
		"state-url":            withUser(h.fleet.State.URL, "operator:hunter22"),
		"su-router-url":        withUser(h.fleet.Router.URL, "router:r0uterPass"),
		"pagerduty-events-url": withUser(h.pd.URL, "pd:pdPassw0rd"),
		"slack-webhook-url":    strings.Replace(sl.URL, "http://", "HTTP://", 1) + "/services/T0/B0/s3cr3tHook",
		"slack-threshold":      "10",
	})
	if r.outputs["triggered-count"] != "3" || !strings.Contains(r.stdout, "Slack rejected") {
		t.Fatalf("triggered %s\n%s", r.outputs["triggered-count"], r.stdout)
	}
	if !strings.Contains(r.stdout, "ignored") {
		t.Errorf("the conflict between the two sources is not reported:\n%s", r.stdout)
	}
	assertChannelsClean(t, h, r, sl, "hunter22", "ghp_mapTok3n", "c0nflictPass", "r0uterPass", "pdPassw0rd", "s3cr3tHook", routingKey)
}

// Files the action owns or reads that are not what they claim fail before
// any request, naming the input.
func TestHostileFilesFailBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		setup func(ws string)
		in    map[string]string
		input string
	}{
		"state file is a symlink to a secret": {
			setup: func(ws string) {
				os.WriteFile(filepath.Join(ws, "secret"), []byte("ROUTING"), 0o644)
				os.Symlink(filepath.Join(ws, "secret"), filepath.Join(ws, ".pagerduty-state.json"))
			},
			input: "input state-file: .pagerduty-state.json is a symlink",
		},
		"report file is a symlink": {
			setup: func(ws string) { os.Symlink("/etc/hostname", filepath.Join(ws, ".nonce-monitor-report.json")) },
			input: "report-file",
		},
		"process list is a FIFO": {
			setup: func(ws string) { syscall.Mkfifo(filepath.Join(ws, "ids.txt"), 0o644) },
			in:    map[string]string{"process-ids-file": "ids.txt"}, input: "process-ids-file",
		},
		"process list is /dev/zero": {in: map[string]string{"process-ids-file": "/dev/zero"}, input: "process-ids-file"},
		"state file is /dev/null":   {in: map[string]string{"state-file": "/dev/null"}, input: "state-file"},
		"state file outside":        {in: map[string]string{"state-file": "../state.json"}, input: "state-file"},
		"state file with a newline": {in: map[string]string{"state-file": "s.json\nopen-count=99"}, input: "state-file"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.fleet.Set(pidA, 0, 60)
			if tc.setup != nil {
				tc.setup(h.ws)
			}
			// A pass that hung on a FIFO or a device would hang the test,
			// which go test's -timeout reports.
			r := h.run(tc.in)
			if r.exit != 1 || !strings.Contains(r.stdout, tc.input) {
				t.Errorf("exit %d, want 1 naming %s\n%s", r.exit, tc.input, r.stdout)
			}
			if n := h.fleet.Requests("state") + h.fleet.Requests("router") + h.pd.Requests(); n != 0 {
				t.Errorf("%d requests made before the file problem was reported", n)
			}
			if b, err := os.ReadFile(filepath.Join(h.ws, "secret")); err == nil && string(b) != "ROUTING" {
				t.Errorf("the link's target changed: %q", b)
			}
			assertNoLeak(t, h.ws, "ROUTING")
		})
	}
}

// assertNoLeak checks no file in the workspace but the planted secret
// holds it (the old monitor copied a linked file beside the state).
func assertNoLeak(t *testing.T, ws, secret string) {
	t.Helper()
	entries, _ := os.ReadDir(ws)
	for _, e := range entries {
		if e.Name() == "secret" || e.Type()&os.ModeSymlink != 0 || !e.Type().IsRegular() {
			continue
		}
		if b, _ := os.ReadFile(filepath.Join(ws, e.Name())); strings.Contains(string(b), secret) {
			t.Errorf("%s holds the secret", e.Name())
		}
	}
}
