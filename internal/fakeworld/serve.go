package fakeworld

import (
	"net"
	"net/http"
	"net/http/httptest"
)

// Serve starts h on l, or on a loopback port when l is nil: every part of
// the world is served this way, in tests on loopback and, outside them
// (cmd/standins), on the listener it is given.
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
