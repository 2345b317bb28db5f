package ao

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/org/nonce-monitor-action/internal/answer"
	"github.com/org/nonce-monitor-action/internal/check"
	"github.com/org/nonce-monitor-action/internal/fakeworld/aotest"
)

// The router's 307 is followed to http(s) only: a hostile or broken router
// pointing at another scheme is a configuration error of the router's, not
// a scheduler that does not answer (which would be retried and counted
// against a host).
func TestRouterRedirectToAnotherSchemeIsNotFollowed(t *testing.T) {
	t.Parallel()
	f := aotest.Start()
	defer f.Close()
	f.Set(pid, 7, 7)
	for _, target := range []string{"ftp://10.0.0.1/x/latest", "file:///etc/passwd", "gopher://su.example/latest"} {
		router := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusTemporaryRedirect)
		}))
		c := newClient(f)
		c.RouterURL = router.URL
		r := c.Check(context.Background(), pid, f.State.URL)
		router.Close()
		var e *check.Error
		if !errors.As(r.SUErr, &e) || e.Blame != answer.Config || !strings.Contains(e.Detail, "not http(s)") {
			t.Errorf("router redirecting to %s: %v; want a configuration error saying the target is not http(s)", target, r.SUErr)
		}
	}
}
