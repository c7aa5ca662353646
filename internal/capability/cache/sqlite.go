// The persistent cache: cache.* kept in an SQLite database file (the
// pure-Go driver modernc.org/sqlite), so that a value set in one `weft run`
// is there in the next process, with the same times to live and the same
// cap per (tenant, package) as the in-memory cache.
//
//	c, err := cache.OpenSQLite(ctx, filepath.Join(home, "cache.db"), cache.DefaultMaxBytes)
//	defer c.Close()
//	h, err := wasmhost.New(ctx, wasmhost.Config{Capabilities: wasmhost.Capabilities{Cache: c}})
//
// Several processes may use one file at once: the database runs in WAL
// mode with a busy timeout, and every write is one BEGIN IMMEDIATE
// transaction, so the byte count of a scope and its entries never disagree
// and the cap holds across processes. Expiry is wall-clock time (Unix
// nanoseconds), so it is honoured by every process that opens the file.

package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// sqliteVersion is the PRAGMA user_version of the cache database this
// build writes.
const sqliteVersion = 1

// sqliteSchema is the cache database: the entries, and the bytes each
// (tenant, package) scope holds (expired entries not yet swept included,
// as Memory counts them).
const sqliteSchema = `
CREATE TABLE IF NOT EXISTS cache_entries (
	tenant     TEXT NOT NULL,
	package    TEXT NOT NULL,
	key        TEXT NOT NULL,
	value      BLOB NOT NULL,
	size       INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL, -- Unix nanoseconds; 0: never
	UNIQUE (tenant, package, key)
);
CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries (expires_ns) WHERE expires_ns > 0;
CREATE TABLE IF NOT EXISTS cache_scopes (
	tenant  TEXT NOT NULL,
	package TEXT NOT NULL,
	bytes   INTEGER NOT NULL,
	PRIMARY KEY (tenant, package)
) WITHOUT ROWID;
`

// SQLite is a wasmhost.Cache in an SQLite database file. It is safe for
// concurrent use, by goroutines and by processes.
type SQLite struct {
	db       *sql.DB
	path     string
	maxBytes int64
	now      func() time.Time
}

var _ wasmhost.Cache = (*SQLite)(nil)

// OpenSQLite opens the cache database at path, creating it and its parent
// directories (mode 0700) if needed, with a cap of maxBytes bytes of keys
// and values per (tenant, package) scope (maxBytes <= 0: DefaultMaxBytes).
// Entries that expired are removed as it opens.
//
// # Errors
//
// The directory cannot be created, the file is not an SQLite database, the
// path contains '?', or the file was written by a newer weft; each names
// the file.
func OpenSQLite(ctx context.Context, path string, maxBytes int64) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("cache: open: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("cache: open %s: the path must not contain '?'", path)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", journal.DSN(path))
	if err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	c := &SQLite{db: db, path: path, maxBytes: maxBytes, now: time.Now}
	if err := c.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	return c, nil
}

func (c *SQLite) init(ctx context.Context) error {
	var mode string
	if err := c.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read user_version: %w", err)
	}
	if version > sqliteVersion {
		return fmt.Errorf("the cache was written by a newer weft (format %d; this one knows up to %d): delete the file or use that weft", version, sqliteVersion)
	}
	if _, err := tx.ExecContext(ctx, sqliteSchema); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", sqliteVersion)); err != nil {
		return fmt.Errorf("set user_version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return c.sweepAll(ctx)
}

// Close closes the database.
//
// # Errors
//
// The driver's.
func (c *SQLite) Close() error {
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("cache: close %s: %w", c.path, err)
	}
	return nil
}

// Get returns the value of key in scope s, and whether there is one that
// has not expired. An expired entry it meets is removed.
//
// # Errors
//
// The database's, wrapped (the context's error too, so that a node whose
// time ran out gets DeadlineExceeded).
func (c *SQLite) Get(ctx context.Context, s wasmhost.Scope, key string) (json.RawMessage, bool, error) {
	var value []byte
	var expires int64
	err := c.db.QueryRowContext(ctx, `SELECT value, expires_ns FROM cache_entries WHERE tenant = ? AND package = ? AND key = ?`,
		s.Tenant, s.Package, key).Scan(&value, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache get %q: %w", key, ctxErr(ctx, err))
	}
	now := c.now().UnixNano()
	if expired(expires, now) {
		if err := c.write(ctx, func(tx *sql.Tx) error {
			// Another process may have set it again since the read.
			return removeIf(ctx, tx, s, key, `expires_ns > 0 AND expires_ns <= ?`, now)
		}); err != nil {
			return nil, false, fmt.Errorf("cache get %q: removing the expired entry: %w", key, ctxErr(ctx, err))
		}
		return nil, false, nil
	}
	return json.RawMessage(value), true, nil
}

// Set stores value under key in scope s, replacing any value there. A
// positive ttl makes the entry expire after it; zero keeps it until it is
// deleted.
//
// # Errors
//
//   - wasmhost.ErrLimitExceeded: the scope would hold more than its cap
//     with this entry (after its expired entries were swept). The previous
//     value, if any, stays.
//   - wasmhost.ErrBadRequest: a negative ttl.
//   - The database's, wrapped, as for Get.
func (c *SQLite) Set(ctx context.Context, s wasmhost.Scope, key string, value json.RawMessage, ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("cache set %q: negative time to live %v: %w", key, ttl, wasmhost.ErrBadRequest)
	}
	n := size(key, value)
	if n > c.maxBytes {
		return fmt.Errorf("cache set %q: an entry of %d bytes is over the cap of %d bytes per package: %w",
			key, n, c.maxBytes, wasmhost.ErrLimitExceeded)
	}
	var over error
	err := c.write(ctx, func(tx *sql.Tx) error {
		now := c.now()
		need, err := c.need(ctx, tx, s, key, n)
		if err != nil {
			return err
		}
		if need > c.maxBytes {
			if err := sweepScope(ctx, tx, s, now.UnixNano()); err != nil {
				return err
			}
			if need, err = c.need(ctx, tx, s, key, n); err != nil {
				return err
			}
			if need > c.maxBytes {
				// Commit the sweep, refuse the entry.
				over = fmt.Errorf("cache set %q: %d bytes would bring the package's cache to %d bytes, over its cap of %d: %w",
					key, n, need, c.maxBytes, wasmhost.ErrLimitExceeded)
				return nil
			}
		}
		var expires int64
		if ttl > 0 {
			// Saturate rather than overflow: the longest ttl_ms is about
			// 292 years, past what Unix nanoseconds hold from today.
			expires = math.MaxInt64
			if n := now.UnixNano(); int64(ttl) < math.MaxInt64-n {
				expires = n + int64(ttl)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cache_entries (tenant, package, key, value, size, expires_ns)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, package, key) DO UPDATE SET value = excluded.value, size = excluded.size, expires_ns = excluded.expires_ns`,
			s.Tenant, s.Package, key, []byte(value), n, expires); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cache_scopes (tenant, package, bytes) VALUES (?, ?, ?)
			ON CONFLICT (tenant, package) DO UPDATE SET bytes = excluded.bytes`, s.Tenant, s.Package, need)
		return err
	})
	if err != nil {
		return fmt.Errorf("cache set %q: %w", key, ctxErr(ctx, err))
	}
	return over
}

// Delete removes key from scope s; a key that is not there is no error.
//
// # Errors
//
// The database's, wrapped, as for Get.
func (c *SQLite) Delete(ctx context.Context, s wasmhost.Scope, key string) error {
	if err := c.write(ctx, func(tx *sql.Tx) error { return removeIf(ctx, tx, s, key, "1 = ?", 1) }); err != nil {
		return fmt.Errorf("cache delete %q: %w", key, ctxErr(ctx, err))
	}
	return nil
}

// Size returns the bytes that scope s holds now, expired entries not yet
// swept included.
//
// # Errors
//
// The database's, wrapped.
func (c *SQLite) Size(ctx context.Context, s wasmhost.Scope) (int64, error) {
	var n int64
	err := c.db.QueryRowContext(ctx, `SELECT bytes FROM cache_scopes WHERE tenant = ? AND package = ?`, s.Tenant, s.Package).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cache size: %w", ctxErr(ctx, err))
	}
	return n, nil
}

// write runs f in one write transaction (BEGIN IMMEDIATE: the write lock
// is taken first, so reads within f see what no other process changes
// until the commit).
func (c *SQLite) write(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// need is what scope s would hold with an entry of n bytes under key.
func (c *SQLite) need(ctx context.Context, tx *sql.Tx, s wasmhost.Scope, key string, n int64) (int64, error) {
	var bytes, old int64
	err := tx.QueryRowContext(ctx, `SELECT bytes FROM cache_scopes WHERE tenant = ? AND package = ?`, s.Tenant, s.Package).Scan(&bytes)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	err = tx.QueryRowContext(ctx, `SELECT size FROM cache_entries WHERE tenant = ? AND package = ? AND key = ?`,
		s.Tenant, s.Package, key).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return bytes + n - old, nil
}

// removeIf deletes the entry key of scope s if it meets cond (an SQL
// condition with one parameter, arg), and takes its size off the scope.
func removeIf(ctx context.Context, tx *sql.Tx, s wasmhost.Scope, key, cond string, arg any) error {
	var n int64
	err := tx.QueryRowContext(ctx, `DELETE FROM cache_entries WHERE tenant = ? AND package = ? AND key = ? AND `+cond+` RETURNING size`,
		s.Tenant, s.Package, key, arg).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return addBytes(ctx, tx, s, -n)
}

// addBytes adds d to the bytes of scope s, dropping the scope once empty.
func addBytes(ctx context.Context, tx *sql.Tx, s wasmhost.Scope, d int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE cache_scopes SET bytes = bytes + ? WHERE tenant = ? AND package = ?`, d, s.Tenant, s.Package); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM cache_scopes WHERE tenant = ? AND package = ? AND bytes <= 0`, s.Tenant, s.Package)
	return err
}

// sweepScope removes the expired entries of scope s.
func sweepScope(ctx context.Context, tx *sql.Tx, s wasmhost.Scope, now int64) error {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM cache_entries
		WHERE tenant = ? AND package = ? AND expires_ns > 0 AND expires_ns <= ?`, s.Tenant, s.Package, now).Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM cache_entries WHERE tenant = ? AND package = ? AND expires_ns > 0 AND expires_ns <= ?`,
		s.Tenant, s.Package, now); err != nil {
		return err
	}
	return addBytes(ctx, tx, s, -n)
}

// sweepAll removes every expired entry, scope by scope; it takes the write
// lock only when there is something to remove.
func (c *SQLite) sweepAll(ctx context.Context) error {
	now := c.now().UnixNano()
	rows, err := c.db.QueryContext(ctx, `SELECT DISTINCT tenant, package FROM cache_entries WHERE expires_ns > 0 AND expires_ns <= ?`, now)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	var scopes []wasmhost.Scope
	for rows.Next() {
		var s wasmhost.Scope
		if err := rows.Scan(&s.Tenant, &s.Package); err != nil {
			rows.Close()
			return fmt.Errorf("sweep: %w", err)
		}
		scopes = append(scopes, s)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if len(scopes) == 0 {
		return nil
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		for _, s := range scopes {
			if err := sweepScope(ctx, tx, s, now); err != nil {
				return fmt.Errorf("sweep: %w", err)
			}
		}
		return nil
	})
}

// expired reports whether an entry expiring at expires (Unix nanoseconds,
// 0: never) has expired at now.
func expired(expires, now int64) bool { return expires != 0 && now >= expires }

// ctxErr adds the context's error to a driver error caused by it, so that
// callers can match context.DeadlineExceeded whatever the driver says.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}
