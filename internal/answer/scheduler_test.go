package answer

import (
	"net/url"
	"strings"
	"testing"
)

const pid = "4hXj_E-5fAKmo4E8KjgQvuDJKAFk9P2grhycVmISDLs"

func TestSchedulerURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw, want string
		ok        bool
	}{
		{"https://su201.ao-testnet.xyz", "https://su201.ao-testnet.xyz", true},
		{"HTTPS://su201.ao-testnet.xyz/", "https://su201.ao-testnet.xyz", true},
		{"http://127.0.0.1:8080/su/", "http://127.0.0.1:8080/su", true},
		{"https://user:pass@su.example", "", false},
		{"https://@su.example", "", false},
		{"http://%80", "", false},          // a host's %XX is unescaped by url.Parse (found by FuzzSchedulerURL)
		{"http://su%2eexample", "", false}, // even to a printable byte: the host is asked as written or not at all
		{"http://[fe80::1%25eth0]:80", "", false},
		{"javascript:alert(1)", "", false},
		{"javascript://su.example/%0aalert(1)", "", false},
		{"file:///etc/passwd", "", false},
		{"ftp://su.example", "", false},
		{"//su.example", "", false},
		{"https://", "", false},
		{"https://su.example/?q=1", "", false},
		{"https://su.example/#x", "", false},
		{"https://su.example/\nx", "", false},
		{"https://su.example/\x1b[31m", "", false},
		{"https://su.example/ x", "", false},
		{"https://sü.example", "", false},
		{"https://su.example/" + strings.Repeat("a", MaxSchedulerURL), "", false},
		{"", "", false},
	} {
		got, ok := SchedulerURL(c.raw)
		if got != c.want || ok != c.ok {
			t.Errorf("SchedulerURL(%q) = %q, %v; want %q, %v", c.raw, got, ok, c.want, c.ok)
		}
	}
}

func TestSchedulerBase(t *testing.T) {
	t.Parallel()
	from := "https://su-router.ao-testnet.xyz/" + pid + "/latest"
	for _, c := range []struct {
		location, want string
		ok             bool
	}{
		{"https://su201.ao-testnet.xyz/" + pid + "/latest", "https://su201.ao-testnet.xyz", true},
		{"http://10.0.0.1:9000/prefix/" + pid + "/latest", "http://10.0.0.1:9000/prefix", true},
		{"/" + pid + "/latest", "https://su-router.ao-testnet.xyz", true}, // relative: the router is the SU
		{"https://su201.ao-testnet.xyz/other/latest", "", false},          // another process's path
		{"https://su201.ao-testnet.xyz/" + pid + "/latest?x=1", "", false},
		{"https://u:p@su201.ao-testnet.xyz/" + pid + "/latest", "", false},
		{"javascript:alert(1)//" + pid + "/latest", "", false},
		{"https://su201.ao-testnet.xyz/" + strings.Repeat("a", 600) + "/" + pid + "/latest", "", false},
		{"https://su201.ao-testnet.xyz/\r\n/" + pid + "/latest", "", false},
	} {
		got, ok := SchedulerBase(from, c.location, pid)
		if got != c.want || ok != c.ok {
			t.Errorf("SchedulerBase(%q) = %q, %v; want %q, %v", c.location, got, ok, c.want, c.ok)
		}
	}
}

// Whatever a history file or a router holds, a location that passes is
// one an SU could have: http(s), no credentials, nothing unprintable,
// bounded; and checking it again changes nothing.
func FuzzSchedulerURL(f *testing.F) {
	for _, s := range []string{"https://su201.ao-testnet.xyz", "HTTP://a:b@h/", "javascript:alert(1)", "https://h/\x00", "https://h/%0a", "https://[::1]:80/p/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		base, ok := SchedulerURL(raw)
		if !ok {
			return
		}
		u, err := url.Parse(base)
		if err != nil || u.User != nil || u.Host == "" || len(base) > MaxSchedulerURL || !printable(base) ||
			!(strings.HasPrefix(base, "http://") || strings.HasPrefix(base, "https://")) {
			t.Fatalf("SchedulerURL(%q) passed %q", raw, base)
		}
		if again, ok := SchedulerURL(base); !ok || again != base {
			t.Fatalf("SchedulerURL(%q) = %q, then %q, %v", raw, base, again, ok)
		}
	})
}
