// Package remotetest runs a real weft server in the test's process, on a
// SQLite database of the test's temporary directory, for the tests of the
// client and of the commands that use it.
//
//	s := remotetest.Start(t) // tenant "acme", a developer token
//	c := remote.New(s.URL, s.Token, nil)
package remotetest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server"
	"github.com/weft-dev/weft/internal/server/db"
)

// Tenant is the tenant Start creates.
const Tenant = "acme"

// Server is a running server.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
	// Token is a developer token of Tenant.
	Token string
	// Store is the server's database.
	Store db.Store
}

// Start starts a server with the tenant "acme" and a developer token of
// it; the test's cleanup stops it.
func Start(t testing.TB) *Server {
	t.Helper()
	ctx := context.Background()
	st, err := db.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatalf("opening the database: %v", err)
	}
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true, Secrets: server.Secrets(st)})
	if err != nil {
		st.Close()
		t.Fatalf("making the engine: %v", err)
	}
	srv, err := server.New(ctx, server.Config{Store: st, Engine: eng, SingleServer: true, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("making the server: %v", err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("starting the server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving: %v", err)
		}
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutting the server down: %v", err)
		}
		eng.Close()
		st.Close()
	})
	if _, err := server.CreateTenant(ctx, st, api.CreateTenant{ID: Tenant}); err != nil {
		t.Fatalf("creating the tenant: %v", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Store: st}
	s.Token = s.NewToken(t, "developer")
	return s
}

// NewToken makes another token of Tenant with role.
func (s *Server) NewToken(t testing.TB, role string) string {
	t.Helper()
	tok, err := server.CreateToken(context.Background(), s.Store, Tenant, role, "test-"+role)
	if err != nil {
		t.Fatalf("creating a %s token: %v", role, err)
	}
	return tok.Token
}
