// Package dbtest gives tests throwaway server databases: an SQLite file in
// t.TempDir(), always, and a fresh schema of the PostgreSQL database that
// the environment variable WEFT_TEST_POSTGRES names, when it is set.
//
//	for _, b := range dbtest.Backends() {
//		t.Run(b.Name, func(t *testing.T) {
//			st := dbtest.Open(t, b.NewDSN(t))
//			...
//		})
//	}
//
// Without WEFT_TEST_POSTGRES the PostgreSQL tests skip, except under CI=true,
// where they fail: CI must run them (scripts/postgres-start prints a DSN).
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/server/db"
)

// EnvPostgres names the environment variable holding a postgres:// URL of
// a database the tests may create schemas in.
const EnvPostgres = "WEFT_TEST_POSTGRES"

// Backend is one kind of database the tests run against.
type Backend struct {
	Name string
	// NewDSN returns the DSN of a new, empty database for t, removed when
	// t ends; for PostgreSQL it skips or fails t as RequirePostgres does.
	NewDSN func(t testing.TB) string
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", NewDSN: SQLiteDSN},
		{Name: "postgres", NewDSN: PostgresDSN},
	}
}

// SQLiteDSN returns the DSN of a new SQLite file in t.TempDir().
func SQLiteDSN(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "server.db")
}

// RequirePostgres returns WEFT_TEST_POSTGRES; when it is unset it skips t,
// or fails it when CI is "true".
func RequirePostgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: set %s to a postgres:// URL (scripts/postgres-start starts a server and prints one)", EnvPostgres)
		}
		t.Skipf("%s is not set: PostgreSQL tests skipped (WEFT_TEST_POSTGRES=$(scripts/postgres-start | tail -1) runs them)", EnvPostgres)
	}
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		t.Fatalf("%s=%q: want a postgres:// URL", EnvPostgres, dsn)
	}
	return dsn
}

// PostgresDSN creates a schema t_<random> in the database of
// WEFT_TEST_POSTGRES, drops it when t ends, and returns a DSN whose
// search_path is that schema: every Store opened on it sees only it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	admin.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s in %s: %v", schema, EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a Store on dsn and closes it when t ends.
func Open(t testing.TB, dsn string) db.Store {
	t.Helper()
	st, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("db.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// SQLite opens a Store on a new SQLite file, closed when t ends.
func SQLite(t testing.TB) db.Store {
	t.Helper()
	return Open(t, SQLiteDSN(t))
}
