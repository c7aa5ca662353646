// Open: picks the database from the DSN (PostgreSQL for postgres:// URLs,
// an SQLite file otherwise), opens it with the right pool settings and
// brings its schema up to date.

package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver

	"github.com/weft-dev/weft/internal/journal"
)

// Open opens the server database named by dsn and creates or migrates its
// schema:
//
//	db.Open(ctx, "postgres://weft@db.internal:5432/weft?sslmode=verify-full")
//	db.Open(ctx, "sqlite:///var/lib/weft/server.db")
//	db.Open(ctx, "/var/lib/weft/server.db")
//
// A DSN beginning postgres:// or postgresql:// is handed to pgx as it is
// (search_path and other run-time parameters may be given as URL query
// parameters). Anything else is an SQLite file path, optionally prefixed
// sqlite: or sqlite://; its parent directories are created (mode 0700).
//
// # Errors
//
// Open fails when the database cannot be reached or opened, when an SQLite
// path is empty, ":memory:" or contains '?', and when the schema was written
// by a newer weft.
//
// # Notes
//
//   - SQLite runs in WAL mode with synchronous=NORMAL, foreign_keys=ON and a
//     5 s busy timeout (as internal/journal). All writes go through one
//     connection whose transactions begin IMMEDIATE, so writers of this
//     process queue in Go instead of failing with SQLITE_BUSY; reads use a
//     pool of read-only connections. Other processes on the same file wait
//     in the busy handler.
//   - PostgreSQL uses one pool for everything; claims lock with FOR UPDATE
//     SKIP LOCKED, so any number of servers may share one database.
func Open(ctx context.Context, dsn string) (Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err := openPostgres(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", err)
		}
		return s, nil
	}
	path := dsn
	switch {
	case strings.HasPrefix(path, "sqlite://"):
		path = strings.TrimPrefix(path, "sqlite://")
	case strings.HasPrefix(path, "sqlite:"):
		path = strings.TrimPrefix(path, "sqlite:")
	}
	s, err := openSQLite(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	return s, nil
}

// sqliteDSN is the modernc.org/sqlite DSN of path with the journal's
// settings (WAL, a busy timeout, synchronous NORMAL, foreign keys, BEGIN
// IMMEDIATE); readOnly adds query_only, for the read pool.
func sqliteDSN(path string, readOnly bool) string {
	dsn := journal.DSN(path)
	if readOnly {
		dsn += "&_query_only=1"
	}
	return dsn
}

func openSQLite(ctx context.Context, path string) (*sqlStore, error) {
	switch {
	case path == "":
		return nil, errors.New("empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, errors.New("want a file path (in-memory and URI names are not supported)")
	case strings.ContainsRune(path, '?'):
		return nil, errors.New("path must not contain '?'")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	// One writer: SQLite has one anyway, and a Go-side queue is fairer and
	// cheaper than the busy handler's sleeps.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	s := &sqlStore{d: dialectSQLite, w: w, r: w}
	if err := s.checkWAL(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	s.r = r
	if err := s.prepareHot(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *sqlStore) checkWAL(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	return nil
}

// postgresPool is the size of a PostgreSQL store's connection pool.
const postgresPool = 16

func openPostgres(ctx context.Context, dsn string) (*sqlStore, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(postgresPool)
	p.SetMaxIdleConns(postgresPool)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, err
	}
	s := &sqlStore{d: dialectPostgres, w: p, r: p}
	if err := s.migrate(ctx); err != nil {
		p.Close()
		return nil, err
	}
	if err := s.prepareHot(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
