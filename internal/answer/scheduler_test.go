package answer

import (
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
