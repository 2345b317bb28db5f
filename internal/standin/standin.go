// Package standin starts the stand-ins' HTTP servers: on loopback for
// tests, or on a given listener for a run outside tests (cmd/standins).
package standin

import (
	"net"
	"net/http"
	"net/http/httptest"
)

// Serve starts h on l, or on a loopback port when l is nil.
func Serve(h http.Handler, l net.Listener, configure func(*http.Server)) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	if l != nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	if configure != nil {
		configure(srv.Config)
	}
	srv.Start()
	return srv
}
