// The Store over database/sql: one implementation for SQLite and
// PostgreSQL; dialect.go holds the few differences, schema.go the tables.

package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// sqlStore implements Store.
type sqlStore struct {
	d dialect
	// w runs writes and transactions. On SQLite it has one connection,
	// whose transactions begin IMMEDIATE. On PostgreSQL w and r are the
	// same pool.
	w *sql.DB
	// r runs plain reads; on SQLite a pool of read-only connections.
	r *sql.DB

	// prepared holds the hot statements, prepared once at Open (preparing
	// later could wait forever for SQLite's one write connection while a
	// transaction holds it). Read-only after Open.
	prepared map[stmtKey]*sql.Stmt
	// rewritten caches dialect.rewrite of the other queries.
	rewritten sync.Map // string -> string
}

type stmtKey struct {
	db *sql.DB
	q  string
}

var _ Store = (*sqlStore)(nil)

// ---- running queries ----

// ex runs queries on a pool, or in a transaction of the write pool.
type ex struct {
	s  *sqlStore
	db *sql.DB
	tx *sql.Tx // nil outside a transaction
}

func (s *sqlStore) read() ex  { return ex{s: s, db: s.r} }
func (s *sqlStore) write() ex { return ex{s: s, db: s.w} }

func (s *sqlStore) rewrite(q string) string {
	if v, ok := s.rewritten.Load(q); ok {
		return v.(string)
	}
	r := s.d.rewrite(q)
	s.rewritten.Store(q, r)
	return r
}

func (x ex) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := x.s.prepared[stmtKey{x.db, q}]; st != nil {
		if x.tx != nil {
			st = x.tx.StmtContext(ctx, st)
		}
		return st.ExecContext(ctx, args...)
	}
	if x.tx != nil {
		return x.tx.ExecContext(ctx, x.s.rewrite(q), args...)
	}
	return x.db.ExecContext(ctx, x.s.rewrite(q), args...)
}

func (x ex) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := x.s.prepared[stmtKey{x.db, q}]; st != nil {
		if x.tx != nil {
			st = x.tx.StmtContext(ctx, st)
		}
		return st.QueryContext(ctx, args...)
	}
	if x.tx != nil {
		return x.tx.QueryContext(ctx, x.s.rewrite(q), args...)
	}
	return x.db.QueryContext(ctx, x.s.rewrite(q), args...)
}

func (x ex) row(ctx context.Context, q string, args ...any) *sql.Row {
	if st := x.s.prepared[stmtKey{x.db, q}]; st != nil {
		if x.tx != nil {
			st = x.tx.StmtContext(ctx, st)
		}
		return st.QueryRowContext(ctx, args...)
	}
	if x.tx != nil {
		return x.tx.QueryRowContext(ctx, x.s.rewrite(q), args...)
	}
	return x.db.QueryRowContext(ctx, x.s.rewrite(q), args...)
}

// affected runs q and returns how many rows it changed.
func (x ex) affected(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := x.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// maxTxAttempts bounds how often inTx runs a transaction that PostgreSQL
// aborted for a deadlock or serialization failure.
const maxTxAttempts = 5

// inTx runs fn in a transaction of the write pool and commits it, or rolls
// it back when fn fails. A transaction PostgreSQL aborted to break a
// deadlock is run again, so fn must reset whatever it reports through
// variables of its caller.
func (s *sqlStore) inTx(ctx context.Context, fn func(ex) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if err == nil || attempt == maxTxAttempts || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond)
	}
}

func (s *sqlStore) tryTx(ctx context.Context, fn func(ex) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(ex{s: s, db: s.w, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// prepareHot prepares the statements of the busy paths, at Open.
func (s *sqlStore) prepareHot(ctx context.Context) error {
	s.prepared = make(map[stmtKey]*sql.Stmt)
	add := func(db *sql.DB, qs ...string) error {
		for _, q := range qs {
			st, err := db.PrepareContext(ctx, s.d.rewrite(q))
			if err != nil {
				return fmt.Errorf("prepare %.60s...: %w", q, err)
			}
			s.prepared[stmtKey{db, q}] = st
		}
		return nil
	}
	if err := add(s.w, insertEventsSQL[:]...); err != nil {
		return err
	}
	if err := add(s.w, endRunsSQL[:]...); err != nil {
		return err
	}
	if err := add(s.w, insertRunSQL, claimRunsSQL, claimExpiredSQL, renewLeasesSQL); err != nil {
		return err
	}
	return add(s.r, getRunSQL, runByKeySQL, eventsSQL, runExistsSQL, lastSeqSQL)
}

func (s *sqlStore) Close() error {
	var errs []error
	for _, st := range s.prepared {
		errs = append(errs, st.Close())
	}
	if s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("db: close: %w", err)
	}
	return nil
}

// ---- values ----

// ts is t as stored: unix nanoseconds, 0 for the zero time; times beyond
// the int64 range (years before 1678 or after 2262) are clamped to it, so
// that a far-future "now" compares after every stored time.
func ts(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.After(maxTime):
		return math.MaxInt64
	case t.Before(minTime):
		return math.MinInt64
	}
	return t.UnixNano()
}

var (
	maxTime = time.Unix(0, math.MaxInt64)
	minTime = time.Unix(0, math.MinInt64)
)

// tm is a stored time read back, in UTC; 0 is the zero time.
func tm(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// norm is t as it reads back after storing.
func norm(t time.Time) time.Time { return tm(ts(t)) }

func now() time.Time { return norm(time.Now()) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// text is a JSON value as stored: TEXT, or NULL for nil.
func text(j json.RawMessage) any {
	if j == nil {
		return nil
	}
	return string(j)
}

// raw is a scanned JSON column: nil for NULL.
func raw(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

func newID() string { return strings.ToLower(ulid.Make().String()) }

type scanner interface{ Scan(dest ...any) error }

// collect scans every row of rows.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// pageOf cuts the limit+1 rows a list query read to a page, and returns the
// next page's cursor when there is one.
func pageOf[T any](items []T, limit int, key func(T) cursor) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[limit-1]).encode()
}

// fail wraps a failure of op with the package's sentinels: ErrNotFound for
// sql.ErrNoRows, ErrExists for a unique violation.
func fail(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("db: %s: %w", op, ErrNotFound)
	case isUnique(err):
		return fmt.Errorf("db: %s: %w: %w", op, ErrExists, err)
	}
	return fmt.Errorf("db: %s: %w", op, err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// ---- meta ----

func (s *sqlStore) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	if err := s.read().row(ctx, `SELECT value FROM meta WHERE name = ?`, key).Scan(&v); err != nil {
		return "", fail("get meta "+key, err)
	}
	return v, nil
}

func (s *sqlStore) SetMetaIfAbsent(ctx context.Context, key, value string) (bool, error) {
	n, err := s.write().affected(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, key, value)
	if err != nil {
		return false, fail("set meta "+key, err)
	}
	return n == 1, nil
}

// ---- tenants ----

const tenantCols = `id, name, require_approval, http_allow_private, created_at`

func scanTenant(sc scanner) (*Tenant, error) {
	var t Tenant
	var approval, private, created int64
	if err := sc.Scan(&t.ID, &t.Name, &approval, &private, &created); err != nil {
		return nil, err
	}
	t.RequireApproval, t.HTTPAllowPrivate, t.CreatedAt = approval != 0, private != 0, tm(created)
	return &t, nil
}

// CreateTenant stores t; a zero CreatedAt is set to now (in t too).
func (s *sqlStore) CreateTenant(ctx context.Context, t *Tenant) error {
	if t.ID == "" {
		return errors.New("db: create tenant: empty id")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	_, err := s.write().exec(ctx, `INSERT INTO tenants (`+tenantCols+`) VALUES (?, ?, ?, ?, ?)`,
		t.ID, t.Name, b2i(t.RequireApproval), b2i(t.HTTPAllowPrivate), ts(t.CreatedAt))
	if err != nil {
		return fail("create tenant "+t.ID, err)
	}
	return nil
}

func (s *sqlStore) GetTenant(ctx context.Context, id string) (*Tenant, error) {
	t, err := scanTenant(s.read().row(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = ?`, id))
	if err != nil {
		return nil, fail("get tenant "+id, err)
	}
	return t, nil
}

// ListTenants lists tenants by id.
func (s *sqlStore) ListTenants(ctx context.Context, p Page) ([]*Tenant, string, error) {
	c, _, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("db: list tenants: %w", err)
	}
	limit := p.limit()
	rows, err := s.read().query(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id > ? ORDER BY id LIMIT ?`, c.ID, limit+1)
	out, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, "", fail("list tenants", err)
	}
	out, next := pageOf(out, limit, func(t *Tenant) cursor { return cursor{ID: t.ID} })
	return out, next, nil
}

// ---- tokens ----

const tokenCols = `id, hash, tenant, role, name, created_at, revoked_at`

func scanToken(sc scanner) (*Token, error) {
	var t Token
	var created, revoked int64
	if err := sc.Scan(&t.ID, &t.Hash, &t.Tenant, &t.Role, &t.Name, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.RevokedAt = tm(created), tm(revoked)
	return &t, nil
}

// CreateToken stores t: ErrExists when its id or hash is taken. An empty
// ID is set to a new one and a zero CreatedAt to now (in t too).
func (s *sqlStore) CreateToken(ctx context.Context, t *Token) error {
	if t.Hash == "" {
		return errors.New("db: create token: empty hash")
	}
	if t.ID == "" {
		t.ID = newID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	_, err := s.write().exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Hash, t.Tenant, t.Role, t.Name, ts(t.CreatedAt), ts(t.RevokedAt))
	if err != nil {
		return fail("create token "+t.ID, err)
	}
	return nil
}

func (s *sqlStore) TokenByHash(ctx context.Context, hash string) (*Token, error) {
	t, err := scanToken(s.read().row(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ? AND revoked_at = 0`, hash))
	if err != nil {
		return nil, fail("token by hash", err)
	}
	return t, nil
}

func (s *sqlStore) GetToken(ctx context.Context, id string) (*Token, error) {
	t, err := scanToken(s.read().row(ctx, `SELECT `+tokenCols+` FROM tokens WHERE id = ?`, id))
	if err != nil {
		return nil, fail("get token "+id, err)
	}
	return t, nil
}

// RevokeToken revokes token id at the given time; revoking a revoked
// token again changes nothing (it keeps the first time).
func (s *sqlStore) RevokeToken(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	n, err := s.write().affected(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, ts(at), id)
	if err != nil {
		return fail("revoke token "+id, err)
	}
	if n == 0 {
		if _, err := s.GetToken(ctx, id); err != nil {
			return fmt.Errorf("db: revoke token: %w", err)
		}
	}
	return nil
}

// ---- package versions ----

const packageCols = `id, tenant, package, version, digest, status, info, signer, deprecated, created_by, created_at, activated_at`

func scanPackage(sc scanner) (*PackageVersion, error) {
	var v PackageVersion
	var info []byte
	var created, activated int64
	if err := sc.Scan(&v.ID, &v.Tenant, &v.Package, &v.Version, &v.Digest, &v.Status, &info, &v.Signer, &v.Deprecated, &v.CreatedBy, &created, &activated); err != nil {
		return nil, err
	}
	v.Info, v.CreatedAt, v.ActivatedAt = raw(info), tm(created), tm(activated)
	return &v, nil
}

// CreatePackageVersion stores v as a draft with blob, which must hash to
// v.Digest (else an error: blobs are shared by digest across tenants, so a
// wrong digest could otherwise hand one tenant another's package). An
// empty ID is set to a new one; Status, Deprecated and ActivatedAt are
// ignored; a zero CreatedAt is now. v itself is not changed.
func (s *sqlStore) CreatePackageVersion(ctx context.Context, v *PackageVersion, blob []byte) (*PackageVersion, bool, error) {
	if v.Tenant == "" || v.Package == "" || v.Version == "" {
		return nil, false, errors.New("db: create package version: tenant, package and version are required")
	}
	sum := sha256.Sum256(blob)
	if want := "sha256:" + hex.EncodeToString(sum[:]); v.Digest != want {
		return nil, false, fmt.Errorf("db: create package version %s@%s: digest %q does not match the blob's %s", v.Package, v.Version, v.Digest, want)
	}
	nv := *v
	if nv.ID == "" {
		nv.ID = newID()
	}
	if nv.CreatedAt.IsZero() {
		nv.CreatedAt = time.Now()
	}
	nv.CreatedAt = norm(nv.CreatedAt)
	nv.Status, nv.Deprecated, nv.ActivatedAt = StatusDraft, "", time.Time{}
	stored, created := &nv, true
	err := s.inTx(ctx, func(x ex) error {
		stored, created = &nv, true
		if _, err := x.exec(ctx, `INSERT INTO blobs (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING`, nv.Digest, blob); err != nil {
			return err
		}
		n, err := x.affected(ctx, `INSERT INTO package_versions (`+packageCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, package, version) DO NOTHING`,
			nv.ID, nv.Tenant, nv.Package, nv.Version, nv.Digest, nv.Status, text(nv.Info), nv.Signer, nv.Deprecated, nv.CreatedBy, ts(nv.CreatedAt), 0)
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		old, err := scanPackage(x.row(ctx, `SELECT `+packageCols+` FROM package_versions WHERE tenant = ? AND package = ? AND version = ?`, nv.Tenant, nv.Package, nv.Version))
		if err != nil {
			return err
		}
		if old.Digest != nv.Digest {
			return fmt.Errorf("version exists with digest %s: %w", old.Digest, ErrConflict)
		}
		stored, created = old, false
		return nil
	})
	if err != nil {
		return nil, false, fail("create package version "+v.Package+"@"+v.Version, err)
	}
	return stored, created, nil
}

func (s *sqlStore) GetPackageVersion(ctx context.Context, tenant, id string) (*PackageVersion, error) {
	v, err := s.getPackage(ctx, s.read(), tenant, id)
	if err != nil {
		return nil, fail("get package version "+id, err)
	}
	return v, nil
}

func (s *sqlStore) getPackage(ctx context.Context, x ex, tenant, id string) (*PackageVersion, error) {
	return scanPackage(x.row(ctx, `SELECT `+packageCols+` FROM package_versions WHERE tenant = ? AND id = ?`, tenant, id))
}

// ListPackageVersions lists newest first (by CreatedAt, then id).
func (s *sqlStore) ListPackageVersions(ctx context.Context, tenant string, f PackageFilter, p Page) ([]*PackageVersion, string, error) {
	return listNewest(ctx, s, "list package versions", `SELECT `+packageCols+` FROM package_versions`, tenant,
		[]filter{{"status", f.Status}, {"package", f.Package}}, p, scanPackage,
		func(v *PackageVersion) cursor { return cursor{T: ts(v.CreatedAt), ID: v.ID} })
}

// filter is one optional equality of a list: column = value, unless value
// is "".
type filter struct{ column, value string }

// listNewest runs a tenant's list query (selectFrom, filtered), newest
// first by created_at then id, one page at a time.
func listNewest[T any](ctx context.Context, s *sqlStore, op, selectFrom, tenant string, filters []filter, p Page,
	scan func(scanner) (T, error), key func(T) cursor) ([]T, string, error) {
	c, after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("db: %s: %w", op, err)
	}
	limit := p.limit()
	q := selectFrom + ` WHERE tenant = ?`
	args := []any{tenant}
	for _, f := range filters {
		if f.value != "" {
			q += ` AND ` + f.column + ` = ?`
			args = append(args, f.value)
		}
	}
	if after {
		q += ` AND (created_at, id) < (?, ?)`
		args = append(args, c.T, c.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.read().query(ctx, q, args...)
	items, err := collect(rows, err, scan)
	if err != nil {
		return nil, "", fail(op, err)
	}
	items, next := pageOf(items, limit, key)
	return items, next, nil
}

// PackageVersions lists oldest first (by CreatedAt, then id); none is not
// an error.
func (s *sqlStore) PackageVersions(ctx context.Context, tenant, pkg string) ([]*PackageVersion, error) {
	rows, err := s.read().query(ctx, `SELECT `+packageCols+` FROM package_versions WHERE tenant = ? AND package = ? ORDER BY created_at, id`, tenant, pkg)
	vs, err := collect(rows, err, scanPackage)
	if err != nil {
		return nil, fail("package versions of "+pkg, err)
	}
	return vs, nil
}

// lockPackage locks every version of a package (on PostgreSQL; on SQLite
// the write transaction excludes others already) and returns the id of
// each with its status, and the current version's id ("" for none).
func lockPackage(ctx context.Context, x ex, tenant, pkg string) (status map[string]string, current string, err error) {
	rows, err := x.query(ctx, `SELECT id, status FROM package_versions WHERE tenant = ? AND package = ? ORDER BY id FOR UPDATE`, tenant, pkg)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	status = make(map[string]string)
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			return nil, "", err
		}
		status[id] = st
		if st == StatusActive || st == StatusDeprecated {
			current = id
		}
	}
	return status, current, rows.Err()
}

func bumpGeneration(ctx context.Context, x ex) error {
	_, err := x.exec(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'generation'`)
	return err
}

// setCurrent makes id the package's active version from at, clearing its
// deprecation message.
func setCurrent(ctx context.Context, x ex, tenant, id string, at time.Time) error {
	_, err := x.exec(ctx, `UPDATE package_versions SET status = 'active', activated_at = ?, deprecated = '' WHERE tenant = ? AND id = ?`, ts(at), tenant, id)
	return err
}

func setStatus(ctx context.Context, x ex, tenant, id, status string) error {
	_, err := x.exec(ctx, `UPDATE package_versions SET status = ? WHERE tenant = ? AND id = ?`, status, tenant, id)
	return err
}

// Activate: see Store. Activating the current version while it is
// deprecated makes it active again (and clears its message) without a new
// history entry; ActivatedAt is set to at either way.
func (s *sqlStore) Activate(ctx context.Context, tenant, id string, at time.Time) (*PackageVersion, error) {
	if at.IsZero() {
		at = time.Now()
	}
	var out *PackageVersion
	err := s.inTx(ctx, func(x ex) error {
		var pkg string
		if err := x.row(ctx, `SELECT package FROM package_versions WHERE tenant = ? AND id = ?`, tenant, id).Scan(&pkg); err != nil {
			return err
		}
		status, current, err := lockPackage(ctx, x, tenant, pkg)
		if err != nil {
			return err
		}
		switch status[id] {
		case StatusDraft, StatusInactive, StatusDeprecated:
		default:
			return fmt.Errorf("version is %s: %w", status[id], ErrConflict)
		}
		if current != id {
			if current != "" {
				if err := setStatus(ctx, x, tenant, current, StatusInactive); err != nil {
					return err
				}
			}
			var top int64
			if err := x.row(ctx, `SELECT COALESCE(MAX(pos), 0) FROM package_activations WHERE tenant = ? AND package = ?`, tenant, pkg).Scan(&top); err != nil {
				return err
			}
			if _, err := x.exec(ctx, `INSERT INTO package_activations (tenant, package, pos, version_id) VALUES (?, ?, ?, ?)`, tenant, pkg, top+1, id); err != nil {
				return err
			}
		}
		if err := setCurrent(ctx, x, tenant, id, at); err != nil {
			return err
		}
		if err := bumpGeneration(ctx, x); err != nil {
			return err
		}
		out, err = s.getPackage(ctx, x, tenant, id)
		return err
	})
	if err != nil {
		return nil, fail("activate "+id, err)
	}
	return out, nil
}

func (s *sqlStore) Deprecate(ctx context.Context, tenant, id, message string) (*PackageVersion, error) {
	var out *PackageVersion
	err := s.inTx(ctx, func(x ex) error {
		n, err := x.affected(ctx, `UPDATE package_versions SET status = 'deprecated', deprecated = ? WHERE tenant = ? AND id = ? AND status = 'active'`, message, tenant, id)
		if err != nil {
			return err
		}
		if n == 0 {
			v, err := s.getPackage(ctx, x, tenant, id)
			if err != nil {
				return err
			}
			return fmt.Errorf("version is %s: %w", v.Status, ErrConflict)
		}
		if err := bumpGeneration(ctx, x); err != nil {
			return err
		}
		out, err = s.getPackage(ctx, x, tenant, id)
		return err
	})
	if err != nil {
		return nil, fail("deprecate "+id, err)
	}
	return out, nil
}

// Rollback: see Store. It pops the package's activation history: the
// current version becomes inactive, the one activated before it active
// (even if it had been deprecated), so repeated rollbacks walk back
// through the activations. ErrNotFound when the tenant has no such
// package.
func (s *sqlStore) Rollback(ctx context.Context, tenant, pkg string, at time.Time) (*PackageVersion, error) {
	if at.IsZero() {
		at = time.Now()
	}
	var out *PackageVersion
	err := s.inTx(ctx, func(x ex) error {
		status, _, err := lockPackage(ctx, x, tenant, pkg)
		if err != nil {
			return err
		}
		if len(status) == 0 {
			return sql.ErrNoRows
		}
		rows, err := x.query(ctx, `SELECT pos, version_id FROM package_activations WHERE tenant = ? AND package = ? ORDER BY pos DESC LIMIT 2`, tenant, pkg)
		type entry struct {
			pos int64
			id  string
		}
		stack, err := collect(rows, err, func(sc scanner) (e entry, err error) {
			err = sc.Scan(&e.pos, &e.id)
			return e, err
		})
		if err != nil {
			return err
		}
		if len(stack) < 2 {
			return fmt.Errorf("no earlier version to roll back to: %w", ErrConflict)
		}
		if _, err := x.exec(ctx, `DELETE FROM package_activations WHERE tenant = ? AND package = ? AND pos = ?`, tenant, pkg, stack[0].pos); err != nil {
			return err
		}
		if err := setStatus(ctx, x, tenant, stack[0].id, StatusInactive); err != nil {
			return err
		}
		if err := setCurrent(ctx, x, tenant, stack[1].id, at); err != nil {
			return err
		}
		if err := bumpGeneration(ctx, x); err != nil {
			return err
		}
		out, err = s.getPackage(ctx, x, tenant, stack[1].id)
		return err
	})
	if err != nil {
		return nil, fail("rollback "+pkg, err)
	}
	return out, nil
}

func (s *sqlStore) Blob(ctx context.Context, digest string) ([]byte, error) {
	var b []byte
	if err := s.read().row(ctx, `SELECT data FROM blobs WHERE digest = ?`, digest).Scan(&b); err != nil {
		return nil, fail("blob "+digest, err)
	}
	return b, nil
}

func (s *sqlStore) Generation(ctx context.Context) (int64, error) {
	var g int64
	if err := s.read().row(ctx, `SELECT value FROM counters WHERE name = 'generation'`).Scan(&g); err != nil {
		return 0, fail("generation", err)
	}
	return g, nil
}

// ---- workflows ----

const workflowVersionCols = `tenant, workflow, version, source, packages, created_by, created_at`

func scanWorkflowVersion(sc scanner) (*WorkflowVersion, error) {
	var v WorkflowVersion
	var pk []byte
	var created int64
	if err := sc.Scan(&v.Tenant, &v.Workflow, &v.Version, &v.Source, &pk, &v.CreatedBy, &created); err != nil {
		return nil, err
	}
	if v.Source == nil {
		v.Source = []byte{}
	}
	v.Packages, v.CreatedAt = raw(pk), tm(created)
	return &v, nil
}

const workflowCols = `tenant, id, latest_version, archived, created_at, updated_at`

func scanWorkflow(sc scanner) (*Workflow, error) {
	var w Workflow
	var archived, created, updated int64
	if err := sc.Scan(&w.Tenant, &w.ID, &w.LatestVersion, &archived, &created, &updated); err != nil {
		return nil, err
	}
	w.Archived, w.CreatedAt, w.UpdatedAt = archived != 0, tm(created), tm(updated)
	return &w, nil
}

// PutWorkflowVersion: see Store. Version is ignored and a zero CreatedAt
// is now; v itself is not changed. Any Put unarchives the workflow, also
// one that stores nothing because the source is unchanged.
func (s *sqlStore) PutWorkflowVersion(ctx context.Context, v *WorkflowVersion) (*WorkflowVersion, bool, error) {
	if v.Tenant == "" || v.Workflow == "" {
		return nil, false, errors.New("db: put workflow version: tenant and workflow are required")
	}
	nv := *v
	if nv.Source == nil {
		nv.Source = []byte{}
	}
	if nv.CreatedAt.IsZero() {
		nv.CreatedAt = time.Now()
	}
	nv.CreatedAt = norm(nv.CreatedAt)
	var out *WorkflowVersion
	var created bool
	err := s.inTx(ctx, func(x ex) error {
		out, created = nil, false
		// Create the workflow if new, then lock it: concurrent puts of one
		// workflow take their numbers one after the other.
		_, err := x.exec(ctx, `INSERT INTO workflows (`+workflowCols+`) VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (tenant, id) DO NOTHING`,
			nv.Tenant, nv.Workflow, ts(nv.CreatedAt), ts(nv.CreatedAt))
		if err != nil {
			return err
		}
		var latest int
		if err := x.row(ctx, `SELECT latest_version FROM workflows WHERE tenant = ? AND id = ? FOR UPDATE`, nv.Tenant, nv.Workflow).Scan(&latest); err != nil {
			return err
		}
		if latest > 0 {
			cur, err := scanWorkflowVersion(x.row(ctx, `SELECT `+workflowVersionCols+` FROM workflow_versions WHERE tenant = ? AND workflow = ? AND version = ?`, nv.Tenant, nv.Workflow, latest))
			if err != nil {
				return err
			}
			if bytes.Equal(cur.Source, nv.Source) {
				_, err := x.exec(ctx, `UPDATE workflows SET archived = 0 WHERE tenant = ? AND id = ? AND archived <> 0`, nv.Tenant, nv.Workflow)
				out = cur
				return err
			}
		}
		nv.Version = latest + 1
		_, err = x.exec(ctx, `INSERT INTO workflow_versions (`+workflowVersionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			nv.Tenant, nv.Workflow, nv.Version, nv.Source, text(nv.Packages), nv.CreatedBy, ts(nv.CreatedAt))
		if err != nil {
			return err
		}
		_, err = x.exec(ctx, `UPDATE workflows SET latest_version = ?, archived = 0, updated_at = ? WHERE tenant = ? AND id = ?`,
			nv.Version, ts(nv.CreatedAt), nv.Tenant, nv.Workflow)
		out, created = &nv, true
		return err
	})
	if err != nil {
		return nil, false, fail("put workflow version "+v.Workflow, err)
	}
	return out, created, nil
}

func (s *sqlStore) GetWorkflowVersion(ctx context.Context, tenant, id string, n int) (*WorkflowVersion, error) {
	var sc scanner
	if n == 0 {
		sc = s.read().row(ctx, `SELECT `+workflowVersionCols+` FROM workflow_versions WHERE tenant = ? AND workflow = ? ORDER BY version DESC LIMIT 1`, tenant, id)
	} else {
		sc = s.read().row(ctx, `SELECT `+workflowVersionCols+` FROM workflow_versions WHERE tenant = ? AND workflow = ? AND version = ?`, tenant, id, n)
	}
	v, err := scanWorkflowVersion(sc)
	if err != nil {
		return nil, fail(fmt.Sprintf("get workflow version %s v%d", id, n), err)
	}
	return v, nil
}

func (s *sqlStore) GetWorkflow(ctx context.Context, tenant, id string) (*Workflow, error) {
	w, err := scanWorkflow(s.read().row(ctx, `SELECT `+workflowCols+` FROM workflows WHERE tenant = ? AND id = ? AND latest_version > 0`, tenant, id))
	if err != nil {
		return nil, fail("get workflow "+id, err)
	}
	return w, nil
}

// ListWorkflows lists by id, archived ones too.
func (s *sqlStore) ListWorkflows(ctx context.Context, tenant string, p Page) ([]*Workflow, string, error) {
	c, _, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("db: list workflows: %w", err)
	}
	limit := p.limit()
	rows, err := s.read().query(ctx, `SELECT `+workflowCols+` FROM workflows WHERE tenant = ? AND id > ? AND latest_version > 0 ORDER BY id LIMIT ?`, tenant, c.ID, limit+1)
	ws, err := collect(rows, err, scanWorkflow)
	if err != nil {
		return nil, "", fail("list workflows", err)
	}
	ws, next := pageOf(ws, limit, func(w *Workflow) cursor { return cursor{ID: w.ID} })
	return ws, next, nil
}

// ListWorkflowVersions: ErrNotFound when the workflow does not exist.
func (s *sqlStore) ListWorkflowVersions(ctx context.Context, tenant, id string, p Page) ([]*WorkflowVersion, string, error) {
	c, after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("db: list workflow versions: %w", err)
	}
	before := math.MaxInt32
	if after {
		before = c.N
	}
	limit := p.limit()
	rows, err := s.read().query(ctx, `SELECT `+workflowVersionCols+` FROM workflow_versions WHERE tenant = ? AND workflow = ? AND version < ? ORDER BY version DESC LIMIT ?`, tenant, id, before, limit+1)
	vs, err := collect(rows, err, scanWorkflowVersion)
	if err != nil {
		return nil, "", fail("list workflow versions "+id, err)
	}
	if len(vs) == 0 {
		if _, err := s.GetWorkflow(ctx, tenant, id); err != nil {
			return nil, "", err
		}
	}
	vs, next := pageOf(vs, limit, func(v *WorkflowVersion) cursor { return cursor{N: v.Version} })
	return vs, next, nil
}

// ArchiveWorkflow archives a workflow (again: no error).
func (s *sqlStore) ArchiveWorkflow(ctx context.Context, tenant, id string) error {
	n, err := s.write().affected(ctx, `UPDATE workflows SET archived = 1 WHERE tenant = ? AND id = ? AND latest_version > 0`, tenant, id)
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return fail("archive workflow "+id, err)
	}
	return nil
}

// ---- runs ----

const runCols = `id, tenant, workflow, version, status, inputs, blackboard, error, packages, idempotency_key, trigger_id, created_by, cancel_requested, owner, lease_until, attempts, created_at, started_at, ended_at`

func scanRun(sc scanner) (*Run, error) {
	var r Run
	var inputs, bb, pk []byte
	var cancel, lease, created, started, ended int64
	err := sc.Scan(&r.ID, &r.Tenant, &r.Workflow, &r.Version, &r.Status, &inputs, &bb, &r.Error, &pk,
		&r.IdempotencyKey, &r.Trigger, &r.CreatedBy, &cancel, &r.Owner, &lease, &r.Attempts, &created, &started, &ended)
	if err != nil {
		return nil, err
	}
	r.Inputs, r.Blackboard, r.Packages = raw(inputs), raw(bb), raw(pk)
	r.CancelRequested = cancel != 0
	r.LeaseUntil, r.CreatedAt, r.StartedAt, r.EndedAt = tm(lease), tm(created), tm(started), tm(ended)
	return &r, nil
}

// sortRuns orders runs oldest first, as the queue takes them.
func sortRuns(rs []*Run) {
	slices.SortFunc(rs, func(a, b *Run) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

const (
	insertRunSQL = `INSERT INTO runs (` + runCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key <> '' DO NOTHING`
	getRunSQL   = `SELECT ` + runCols + ` FROM runs WHERE tenant = ? AND id = ?`
	runByKeySQL = `SELECT ` + runCols + ` FROM runs WHERE tenant = ? AND idempotency_key = ? AND idempotency_key <> ''`
	// The claims select and lock their rows in a MATERIALIZED CTE: as an
	// IN (subquery) PostgreSQL may run the subquery again for each row,
	// and each run skips the rows the statement itself has just updated,
	// so a LIMIT n claim would take the whole queue.
	claimRunsSQL = `WITH c AS MATERIALIZED (
			SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
		UPDATE runs SET status = 'running', owner = ?, lease_until = ?, attempts = attempts + 1, started_at = ?
		WHERE status = 'queued' AND id IN (SELECT id FROM c)
		RETURNING ` + runCols
	claimExpiredSQL = `WITH c AS MATERIALIZED (
			SELECT id FROM runs WHERE status = 'running' AND lease_until < ? ORDER BY lease_until, id LIMIT ? FOR UPDATE SKIP LOCKED)
		UPDATE runs SET owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE status = 'running' AND id IN (SELECT id FROM c)
		RETURNING ` + runCols
	// SKIP LOCKED: a run whose row a Commit (or RequestCancel) holds at the
	// moment keeps its lease until the next renewal, and RenewLeases never
	// waits for, nor deadlocks with, the owner's own Commit on PostgreSQL.
	renewLeasesSQL = `WITH c AS MATERIALIZED (
			SELECT id FROM runs WHERE status = 'running' AND owner = ? FOR UPDATE SKIP LOCKED)
		UPDATE runs SET lease_until = ?
		WHERE status = 'running' AND owner = ? AND id IN (SELECT id FROM c)
		RETURNING id, cancel_requested`
)

// CreateRun: see Store. An empty ID is set to a new one, a zero CreatedAt
// to now. With an Owner the run starts running: Attempts at least 1,
// StartedAt CreatedAt unless set. Blackboard, Error, CancelRequested and
// EndedAt are ignored. r itself is not changed. One statement, unless the
// idempotency key was used before: then one more reads the earlier run.
func (s *sqlStore) CreateRun(ctx context.Context, r *Run) (*Run, bool, error) {
	if r.Tenant == "" || r.Workflow == "" {
		return nil, false, errors.New("db: create run: tenant and workflow are required")
	}
	nr := *r
	if nr.ID == "" {
		nr.ID = newID()
	}
	if nr.CreatedAt.IsZero() {
		nr.CreatedAt = time.Now()
	}
	nr.CreatedAt = norm(nr.CreatedAt)
	nr.Blackboard, nr.Error, nr.CancelRequested, nr.EndedAt = nil, "", false, time.Time{}
	if nr.Owner == "" {
		nr.Status, nr.LeaseUntil, nr.StartedAt, nr.Attempts = RunQueued, time.Time{}, time.Time{}, 0
	} else {
		nr.Status = RunRunning
		nr.Attempts = max(nr.Attempts, 1)
		if nr.StartedAt.IsZero() {
			nr.StartedAt = nr.CreatedAt
		}
		nr.StartedAt, nr.LeaseUntil = norm(nr.StartedAt), norm(nr.LeaseUntil)
	}
	n, err := s.write().affected(ctx, insertRunSQL,
		nr.ID, nr.Tenant, nr.Workflow, nr.Version, nr.Status, text(nr.Inputs), nil, "", text(nr.Packages),
		nr.IdempotencyKey, nr.Trigger, nr.CreatedBy, 0, nr.Owner, ts(nr.LeaseUntil), nr.Attempts,
		ts(nr.CreatedAt), ts(nr.StartedAt), 0)
	if err != nil {
		return nil, false, fail("create run "+nr.ID, err)
	}
	if n == 1 {
		return &nr, true, nil
	}
	old, err := scanRun(s.read().row(ctx, runByKeySQL, nr.Tenant, nr.IdempotencyKey))
	if err != nil {
		return nil, false, fail("create run: read the run of idempotency key "+nr.IdempotencyKey, err)
	}
	return old, false, nil
}

func (s *sqlStore) GetRun(ctx context.Context, tenant, id string) (*Run, error) {
	r, err := scanRun(s.read().row(ctx, getRunSQL, tenant, id))
	if err != nil {
		return nil, fail("get run "+id, err)
	}
	return r, nil
}

func (s *sqlStore) ListRuns(ctx context.Context, tenant string, f RunFilter, p Page) ([]*Run, string, error) {
	return listNewest(ctx, s, "list runs", `SELECT `+runCols+` FROM runs`, tenant,
		[]filter{{"workflow", f.Workflow}, {"status", f.Status}}, p, scanRun,
		func(r *Run) cursor { return cursor{T: ts(r.CreatedAt), ID: r.ID} })
}

// ClaimRuns: see Store. StartedAt is this process's clock. One statement;
// on PostgreSQL its FOR UPDATE SKIP LOCKED lets claimers pass each other
// instead of waiting or taking the same run.
func (s *sqlStore) ClaimRuns(ctx context.Context, owner string, n int, leaseUntil time.Time, skipTenants []string) ([]*Run, error) {
	if n <= 0 {
		return nil, nil
	}
	if owner == "" {
		return nil, errors.New("db: claim runs: empty owner")
	}
	q, args := claimRunsSQL, []any{n, owner, ts(leaseUntil), ts(time.Now())}
	if len(skipTenants) > 0 {
		// Not the prepared statement: the list varies.
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(skipTenants)), ", ")
		q = strings.Replace(claimRunsSQL, "WHERE status = 'queued' ORDER BY", "WHERE status = 'queued' AND tenant NOT IN ("+marks+") ORDER BY", 1)
		args = []any{}
		for _, t := range skipTenants {
			args = append(args, t)
		}
		args = append(args, n, owner, ts(leaseUntil), ts(time.Now()))
	}
	rows, err := s.write().query(ctx, q, args...)
	rs, err := collect(rows, err, scanRun)
	if err != nil {
		return nil, fail("claim runs", err)
	}
	sortRuns(rs)
	return rs, nil
}

// ClaimExpired: see Store. StartedAt keeps the first start; Attempts is
// incremented. Longest-expired first.
func (s *sqlStore) ClaimExpired(ctx context.Context, owner string, n int, now, leaseUntil time.Time) ([]*Run, error) {
	if n <= 0 {
		return nil, nil
	}
	if owner == "" {
		return nil, errors.New("db: claim expired runs: empty owner")
	}
	rows, err := s.write().query(ctx, claimExpiredSQL, ts(now), n, owner, ts(leaseUntil))
	rs, err := collect(rows, err, scanRun)
	if err != nil {
		return nil, fail("claim expired runs", err)
	}
	sortRuns(rs)
	return rs, nil
}

// RenewLeases: see Store. The ids are sorted. A run whose row another
// transaction holds at that moment (on PostgreSQL) is left for the next
// renewal rather than waited for.
func (s *sqlStore) RenewLeases(ctx context.Context, owner string, leaseUntil time.Time) ([]string, error) {
	var cancel []string
	err := s.inTx(ctx, func(x ex) error {
		cancel = nil
		rows, err := x.query(ctx, renewLeasesSQL, owner, ts(leaseUntil), owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var c int64
			if err := rows.Scan(&id, &c); err != nil {
				return err
			}
			if c != 0 {
				cancel = append(cancel, id)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fail("renew leases", err)
	}
	slices.Sort(cancel)
	return cancel, nil
}

// RequestCancel: see Store. A running run keeps running with
// CancelRequested set (its server stops it and ends it); asking again is
// no error.
func (s *sqlStore) RequestCancel(ctx context.Context, tenant, id string, at time.Time) (*Run, error) {
	if at.IsZero() {
		at = time.Now()
	}
	rows, err := s.write().query(ctx, `UPDATE runs SET cancel_requested = 1,
			status = CASE WHEN status = 'queued' THEN 'canceled' ELSE status END,
			ended_at = CASE WHEN status = 'queued' THEN ? ELSE ended_at END
		WHERE tenant = ? AND id = ? AND status IN ('queued', 'running')
		RETURNING `+runCols, ts(at), tenant, id)
	rs, err := collect(rows, err, scanRun)
	if err != nil {
		return nil, fail("cancel run "+id, err)
	}
	if len(rs) == 1 {
		return rs[0], nil
	}
	r, err := s.GetRun(ctx, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("db: cancel run: %w", err)
	}
	return nil, fmt.Errorf("db: cancel run %s: it ended %s: %w", id, r.Status, ErrConflict)
}

func (s *sqlStore) ActiveRunsOfTrigger(ctx context.Context, triggerID string) (int, error) {
	var n int
	err := s.read().row(ctx, `SELECT COUNT(*) FROM runs WHERE trigger_id = ? AND trigger_id <> '' AND status IN ('queued', 'running')`, triggerID).Scan(&n)
	if err != nil {
		return 0, fail("active runs of trigger "+triggerID, err)
	}
	return n, nil
}

// ---- events and the batch ----

// maxBatchRows is the most events, or ends, one statement of Commit
// writes; a batch is written in statements of 64, 32, ... 1 rows, each
// prepared once (on PostgreSQL each is one round trip).
const maxBatchRows = 64

// batchChunks is len(b.Events) or len(ends) as Commit's statements take
// them: sizes 1<<k, largest first; k indexes insertEventsSQL and endRunsSQL.
func batchChunks(n int, each func(start, k int) error) error {
	for start := 0; start < n; {
		k := 6
		for 1<<k > min(n-start, maxBatchRows) {
			k--
		}
		if err := each(start, k); err != nil {
			return err
		}
		start += 1 << k
	}
	return nil
}

// rowsSQL repeats row 1<<k times, comma-separated.
func rowsSQL(row string, k int) string {
	return strings.Repeat(row+", ", 1<<k-1) + row
}

// insertEventsSQL[k] inserts 1<<k events; an event whose (run, seq)
// exists already is left out.
var insertEventsSQL = func() (qs [7]string) {
	for k := range qs {
		qs[k] = `INSERT INTO events (run_id, seq, data) VALUES ` + rowsSQL(`(?, ?, ?)`, k) +
			` ON CONFLICT (run_id, seq) DO NOTHING`
	}
	return qs
}()

// endRunsSQL[k] ends 1<<k runs, each only if it is its tenant's and
// running under the end's owner, and returns the ids of those it ended.
// (A VALUES list's columns are column1, column2, ... in both databases;
// its placeholders are text on PostgreSQL unless cast.)
var endRunsSQL = func() (qs [7]string) {
	for k := range qs {
		qs[k] = `UPDATE runs SET status = v.column4, error = v.column5, blackboard = v.column6,
				packages = COALESCE(v.column7, runs.packages), ended_at = v.column8
			FROM (VALUES ` + rowsSQL(`(?, ?, ?, ?, ?, ?, ?, CAST(? AS BIGINT))`, k) + `) AS v
			WHERE runs.id = v.column1 AND runs.tenant = v.column2 AND runs.owner = v.column3 AND runs.status = 'running'
			RETURNING runs.id`
	}
	return qs
}()

// CommitConflict is the error of a Commit that committed its batch but
// left part of it out: ends of runs that were no longer running under the
// end's Owner (reclaimed by another server, canceled, ended already, or
// not the tenant's), and events whose (run, seq) was stored already. It
// matches ErrConflict with errors.Is.
type CommitConflict struct {
	SkippedEnds   []string // run ids, sorted
	DroppedEvents int
}

func (e *CommitConflict) Error() string {
	return fmt.Sprintf("db: commit: %d run end(s) skipped %v, %d duplicate event(s) dropped: %v",
		len(e.SkippedEnds), e.SkippedEnds, e.DroppedEvents, ErrConflict)
}

func (e *CommitConflict) Unwrap() error { return ErrConflict }

// Commit writes the batch in one transaction: its events with multi-row
// inserts, then its ends with multi-row updates, in run id order. What it
// leaves out, it still commits the rest:
//
//   - an end applies only to a run of its tenant that is running under its
//     Owner; other ends are skipped (the run was reclaimed by another
//     server, canceled while queued, ended already, or is not the
//     tenant's); ends of one run in the batch apply in batch order, so
//     the ones after the end that applied are skipped;
//   - an event whose (run, seq) is stored already is dropped (a retried
//     batch, or a stale server writing a reclaimed run's events).
//
// It then returns a *CommitConflict naming what it left out (errors.Is
// ErrConflict). Any other failure rolls the whole batch back and returns
// an error that is not ErrConflict. An end's Status must be a final one,
// else nothing is written; a zero EndedAt is now; a nil Packages keeps the
// run's.
func (s *sqlStore) Commit(ctx context.Context, b *Batch) error {
	ends := slices.Clone(b.Ends)
	for i := range ends {
		if !Ended(ends[i].Status) {
			return fmt.Errorf("db: commit: run %s: %q is not a final status", ends[i].RunID, ends[i].Status)
		}
		if ends[i].EndedAt.IsZero() {
			ends[i].EndedAt = time.Now()
		}
	}
	// rounds[i] holds the i-th end of each run in the batch, by run id: a
	// run ended twice in one batch gets its ends applied in batch order,
	// the first that applies ending it (as one UPDATE an end would).
	var rounds [][]RunEnd
	nth := make(map[string]int, len(ends))
	for _, e := range ends {
		i := nth[e.RunID]
		nth[e.RunID]++
		if i == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[i] = append(rounds[i], e)
	}
	for _, r := range rounds {
		slices.SortFunc(r, func(a, b RunEnd) int { return strings.Compare(a.RunID, b.RunID) })
	}
	var conflict CommitConflict
	err := s.inTx(ctx, func(x ex) error {
		conflict = CommitConflict{}
		err := batchChunks(len(b.Events), func(start, k int) error {
			chunk := b.Events[start : start+1<<k]
			args := make([]any, 0, 3*len(chunk))
			for _, e := range chunk {
				args = append(args, e.RunID, e.Seq, string(e.Data))
			}
			n, err := x.affected(ctx, insertEventsSQL[k], args...)
			if err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
			conflict.DroppedEvents += len(chunk) - int(n)
			return nil
		})
		if err != nil {
			return err
		}
		for _, round := range rounds {
			err := batchChunks(len(round), func(start, k int) error {
				chunk := round[start : start+1<<k]
				args := make([]any, 0, 8*len(chunk))
				for _, e := range chunk {
					args = append(args, e.RunID, e.Tenant, e.Owner, e.Status, e.Error, text(e.Blackboard), text(e.Packages), ts(e.EndedAt))
				}
				rows, err := x.query(ctx, endRunsSQL[k], args...)
				ended, err := collect(rows, err, func(sc scanner) (id string, err error) {
					err = sc.Scan(&id)
					return id, err
				})
				if err != nil {
					return fmt.Errorf("end runs: %w", err)
				}
				for _, e := range chunk {
					if !slices.Contains(ended, e.RunID) {
						conflict.SkippedEnds = append(conflict.SkippedEnds, e.RunID)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	if len(conflict.SkippedEnds) > 0 || conflict.DroppedEvents > 0 {
		slices.Sort(conflict.SkippedEnds)
		return &conflict
	}
	return nil
}

const (
	eventsSQL = `SELECT e.seq, e.data FROM events e JOIN runs r ON r.id = e.run_id
		WHERE r.tenant = ? AND r.id = ? AND e.run_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`
	runExistsSQL = `SELECT COUNT(*) FROM runs WHERE tenant = ? AND id = ?`
	lastSeqSQL   = `SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?`
)

// Events: see Store. A limit of zero or less means no limit. ErrNotFound
// when the tenant has no such run; none is not an error.
func (s *sqlStore) Events(ctx context.Context, tenant, runID string, after int64, limit int) ([]Event, error) {
	lim := int64(limit)
	if limit <= 0 {
		lim = math.MaxInt64
	}
	rows, err := s.read().query(ctx, eventsSQL, tenant, runID, runID, after, lim)
	evs, err := collect(rows, err, func(sc scanner) (Event, error) {
		e := Event{RunID: runID}
		var data []byte
		err := sc.Scan(&e.Seq, &data)
		e.Data = data
		return e, err
	})
	if err != nil {
		return nil, fail("events of "+runID, err)
	}
	if len(evs) == 0 {
		var n int
		if err := s.read().row(ctx, runExistsSQL, tenant, runID).Scan(&n); err != nil {
			return nil, fail("events of "+runID, err)
		}
		if n == 0 {
			return nil, fail("events of "+runID, sql.ErrNoRows)
		}
	}
	return evs, nil
}

func (s *sqlStore) LastSeq(ctx context.Context, runID string) (int64, error) {
	var n int64
	if err := s.read().row(ctx, lastSeqSQL, runID).Scan(&n); err != nil {
		return 0, fail("last seq of "+runID, err)
	}
	return n, nil
}

// ---- secrets ----

// PutSecret creates or replaces a secret; a zero UpdatedAt is now (in s
// too).
func (s *sqlStore) PutSecret(ctx context.Context, sec *Secret) error {
	if sec.Tenant == "" || sec.Name == "" {
		return errors.New("db: put secret: tenant and name are required")
	}
	if sec.UpdatedAt.IsZero() {
		sec.UpdatedAt = now()
	}
	_, err := s.write().exec(ctx, `INSERT INTO secrets (tenant, name, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		sec.Tenant, sec.Name, sec.Value, ts(sec.ExpiresAt), ts(sec.UpdatedAt))
	if err != nil {
		return fail("put secret "+sec.Name, err)
	}
	return nil
}

func (s *sqlStore) GetSecret(ctx context.Context, tenant, name string) (*Secret, error) {
	sec := Secret{Tenant: tenant, Name: name}
	var expires, updated int64
	err := s.read().row(ctx, `SELECT value, expires_at, updated_at FROM secrets WHERE tenant = ? AND name = ?`, tenant, name).Scan(&sec.Value, &expires, &updated)
	if err != nil {
		return nil, fail("get secret "+name, err)
	}
	sec.ExpiresAt, sec.UpdatedAt = tm(expires), tm(updated)
	return &sec, nil
}

// ListSecrets lists by name, without values.
func (s *sqlStore) ListSecrets(ctx context.Context, tenant string) ([]*Secret, error) {
	rows, err := s.read().query(ctx, `SELECT name, expires_at, updated_at FROM secrets WHERE tenant = ? ORDER BY name`, tenant)
	out, err := collect(rows, err, func(sc scanner) (*Secret, error) {
		sec := Secret{Tenant: tenant}
		var expires, updated int64
		if err := sc.Scan(&sec.Name, &expires, &updated); err != nil {
			return nil, err
		}
		sec.ExpiresAt, sec.UpdatedAt = tm(expires), tm(updated)
		return &sec, nil
	})
	if err != nil {
		return nil, fail("list secrets", err)
	}
	return out, nil
}

func (s *sqlStore) DeleteSecret(ctx context.Context, tenant, name string) error {
	return s.deleteOne(ctx, "delete secret "+name, `DELETE FROM secrets WHERE tenant = ? AND name = ?`, tenant, name)
}

// deleteOne runs a DELETE of one row: ErrNotFound when there was none.
func (s *sqlStore) deleteOne(ctx context.Context, op, q string, args ...any) error {
	n, err := s.write().affected(ctx, q, args...)
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// ---- triggers ----

const triggerCols = `id, tenant, workflow, type, cron, timezone, inputs, overlap, secret, next_fire, created_at`

func scanTrigger(sc scanner) (*Trigger, error) {
	var t Trigger
	var inputs []byte
	var next, created int64
	if err := sc.Scan(&t.ID, &t.Tenant, &t.Workflow, &t.Type, &t.Cron, &t.Timezone, &inputs, &t.Overlap, &t.Secret, &next, &created); err != nil {
		return nil, err
	}
	t.Inputs, t.NextFire, t.CreatedAt = raw(inputs), tm(next), tm(created)
	return &t, nil
}

// CreateTrigger stores t: ErrExists when its id is taken. An empty ID is
// set to a new one and a zero CreatedAt to now (in t too).
func (s *sqlStore) CreateTrigger(ctx context.Context, t *Trigger) error {
	if t.Tenant == "" || t.Workflow == "" {
		return errors.New("db: create trigger: tenant and workflow are required")
	}
	if t.ID == "" {
		t.ID = newID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	_, err := s.write().exec(ctx, `INSERT INTO triggers (`+triggerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Tenant, t.Workflow, t.Type, t.Cron, t.Timezone, text(t.Inputs), t.Overlap, t.Secret, ts(t.NextFire), ts(t.CreatedAt))
	if err != nil {
		return fail("create trigger "+t.ID, err)
	}
	return nil
}

func (s *sqlStore) GetTrigger(ctx context.Context, id string) (*Trigger, error) {
	t, err := scanTrigger(s.read().row(ctx, `SELECT `+triggerCols+` FROM triggers WHERE id = ?`, id))
	if err != nil {
		return nil, fail("get trigger "+id, err)
	}
	return t, nil
}

// ListTriggers lists the tenant's triggers of workflow ("" for every
// workflow), oldest first.
func (s *sqlStore) ListTriggers(ctx context.Context, tenant, workflow string) ([]*Trigger, error) {
	q := `SELECT ` + triggerCols + ` FROM triggers WHERE tenant = ?`
	args := []any{tenant}
	if workflow != "" {
		q += ` AND workflow = ?`
		args = append(args, workflow)
	}
	rows, err := s.read().query(ctx, q+` ORDER BY created_at, id`, args...)
	out, err := collect(rows, err, scanTrigger)
	if err != nil {
		return nil, fail("list triggers", err)
	}
	return out, nil
}

func (s *sqlStore) DeleteTrigger(ctx context.Context, tenant, id string) error {
	return s.deleteOne(ctx, "delete trigger "+id, `DELETE FROM triggers WHERE tenant = ? AND id = ?`, tenant, id)
}

// DueTriggers lists them soonest first; a zero NextFire is never due.
func (s *sqlStore) DueTriggers(ctx context.Context, now time.Time) ([]*Trigger, error) {
	rows, err := s.read().query(ctx, `SELECT `+triggerCols+` FROM triggers WHERE type = 'schedule' AND next_fire <> 0 AND next_fire <= ? ORDER BY next_fire, id`, ts(now))
	out, err := collect(rows, err, scanTrigger)
	if err != nil {
		return nil, fail("due triggers", err)
	}
	return out, nil
}

// AdvanceTrigger: see Store; false also when the trigger is gone.
func (s *sqlStore) AdvanceTrigger(ctx context.Context, id string, prev, next time.Time) (bool, error) {
	n, err := s.write().affected(ctx, `UPDATE triggers SET next_fire = ? WHERE id = ? AND next_fire = ?`, ts(next), id, ts(prev))
	if err != nil {
		return false, fail("advance trigger "+id, err)
	}
	return n == 1, nil
}

// ---- trusted keys ----

// PutTrustedKey creates or replaces a key (a replaced key keeps its
// CreatedAt); a zero CreatedAt is now (in k too).
func (s *sqlStore) PutTrustedKey(ctx context.Context, k *TrustedKey) error {
	if k.Tenant == "" || k.ID == "" {
		return errors.New("db: put trusted key: tenant and id are required")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now()
	}
	_, err := s.write().exec(ctx, `INSERT INTO trusted_keys (tenant, id, public_key, comment, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant, id) DO UPDATE SET public_key = excluded.public_key, comment = excluded.comment`,
		k.Tenant, k.ID, k.PublicKey, k.Comment, ts(k.CreatedAt))
	if err != nil {
		return fail("put trusted key "+k.ID, err)
	}
	return nil
}

// ListTrustedKeys lists by id.
func (s *sqlStore) ListTrustedKeys(ctx context.Context, tenant string) ([]*TrustedKey, error) {
	rows, err := s.read().query(ctx, `SELECT tenant, id, public_key, comment, created_at FROM trusted_keys WHERE tenant = ? ORDER BY id`, tenant)
	out, err := collect(rows, err, func(sc scanner) (*TrustedKey, error) {
		var k TrustedKey
		var created int64
		if err := sc.Scan(&k.Tenant, &k.ID, &k.PublicKey, &k.Comment, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = tm(created)
		return &k, nil
	})
	if err != nil {
		return nil, fail("list trusted keys", err)
	}
	return out, nil
}

func (s *sqlStore) DeleteTrustedKey(ctx context.Context, tenant, id string) error {
	return s.deleteOne(ctx, "delete trusted key "+id, `DELETE FROM trusted_keys WHERE tenant = ? AND id = ?`, tenant, id)
}
