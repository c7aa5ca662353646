// Package store is the local package store: content-addressed .weftpkg
// blobs on disk plus an index of installed versions, per tenant, in the
// embedded SQLite database, with activation history for rollback, and
// deprecation and yanking.
//
//	j, err := journal.Open(ctx, filepath.Join(home, "weft.db"))
//	st, err := store.Open(ctx, filepath.Join(home, "packages"), j.DB())
//	v, err := st.Add(ctx, "default", data, store.AddOptions{Source: "math-1.0.0.weftpkg"})
//	v, err = st.Resolve(ctx, "default", "com.example.math", "^1")
//
// # Notes
//
//   - Blobs live at DIR/sha256/<hex>.weftpkg, written to a temporary file
//     in the same folder and renamed once their digest is checked, so a
//     reader never sees a partial blob. A signature, when there is one, sits
//     beside the blob as <hex>.minisig. Blobs are shared between tenants
//     (same bytes, same file); the index is not: a tenant only ever sees
//     its own rows.
//   - Beside each blob, <hex>.unpacked is its files uncompressed
//     (pkgfile.Unpack), made at Add or on first use, so that a run loads an
//     installed package without decompressing it (Package).
//   - Versions are immutable: (tenant, id, version) names one digest for
//     ever, until that version is removed.
//   - The tables are created if missing by Open, versioned by their own
//     shape like node_state, not by the journal's PRAGMA user_version.
//   - Every change bumps a generation number, which long-running processes
//     poll to pick up installs, upgrades and rollbacks (Generation).
package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/weft-dev/weft/internal/atomicfile"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pkgfile"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound: no such package or version for the tenant.
	ErrNotFound = errors.New("not installed")
	// ErrImmutable: the version is installed with other bytes.
	ErrImmutable = errors.New("versions are immutable")
	// ErrYanked: the version is yanked and may not be newly resolved.
	ErrYanked = errors.New("yanked")
	// ErrNoMatch: no installed version satisfies the constraint.
	ErrNoMatch = errors.New("no matching version")
	// ErrNoEarlier: a rollback with no earlier active version to go to.
	ErrNoEarlier = errors.New("nothing earlier to roll back to")
	// ErrCorrupt: a blob on disk does not have the digest the index says.
	ErrCorrupt = errors.New("blob does not match its digest")
)

const schema = `
CREATE TABLE IF NOT EXISTS pkg_versions (
	tenant       TEXT NOT NULL,
	id           TEXT NOT NULL,
	version      TEXT NOT NULL,
	digest       TEXT NOT NULL,
	installed_ns INTEGER NOT NULL,
	source       TEXT NOT NULL DEFAULT '',
	signer       TEXT NOT NULL DEFAULT '',
	deprecated   TEXT NOT NULL DEFAULT '',
	yanked       INTEGER NOT NULL DEFAULT 0,
	manifest     TEXT NOT NULL,
	PRIMARY KEY (tenant, id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pkg_activations (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant  TEXT NOT NULL,
	id      TEXT NOT NULL,
	version TEXT NOT NULL,
	at_ns   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pkg_activations_pkg ON pkg_activations(tenant, id, seq);
CREATE TABLE IF NOT EXISTS pkg_generation (
	k INTEGER PRIMARY KEY CHECK (k = 1),
	n INTEGER NOT NULL
);
INSERT OR IGNORE INTO pkg_generation (k, n) VALUES (1, 0);
`

// Store is the package store of one weft home. It is safe for concurrent
// use, also by several processes sharing the home.
type Store struct {
	dir string
	db  *sql.DB
}

// Version is one installed version of a package, for one tenant.
type Version struct {
	Tenant, ID, Version string
	Digest              string // "sha256:<hex>" of the .weftpkg
	Installed           time.Time
	Source              string // where it was installed from
	Signer              string // the trusted key id that signed it; "" when unsigned
	Deprecated          string // the deprecation message; "" when not deprecated
	Yanked              bool
	Active              bool
	// ManifestText is the package's manifest.toml, for reviews and listings
	// without opening the blob.
	ManifestText string
}

// Manifest parses the version's manifest.
func (v *Version) Manifest() (*manifest.Manifest, error) {
	return manifest.Parse(v.ID+"@"+v.Version+"/manifest.toml", []byte(v.ManifestText))
}

// Ref is "ID@VERSION".
func (v *Version) Ref() string { return v.ID + "@" + v.Version }

// Open returns the store whose blobs live under dir and whose index lives
// in db (the journal's database). db stays the caller's.
//
// # Errors
//
// The folder cannot be created or the tables cannot be created.
func Open(ctx context.Context, dir string, db *sql.DB) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "sha256"), 0o700); err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("package store: creating the index: %w", err)
	}
	return &Store{dir: dir, db: db}, nil
}

var tenantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// CheckTenant validates a tenant name: lower-case letters, digits, '_' and
// '-', starting with a letter or digit, at most 64 characters.
func CheckTenant(t string) error {
	if !tenantRE.MatchString(t) {
		return fmt.Errorf("tenant %q: expected lower-case letters, digits, '_' and '-' (at most 64, starting with a letter or digit)", t)
	}
	return nil
}

// AddOptions describe where an installed package came from.
type AddOptions struct {
	Source    string // a path, URL or registry reference, for listings
	Signature []byte // the detached signature, stored beside the blob
	Signer    string // the key id that made Signature, already verified
	// Activate makes the new version the active one (an install does; a
	// registry keeping many versions does not need to).
	Activate bool
}

// Add stores a .weftpkg for tenant and indexes it. Adding the same bytes
// again is a no-op that returns the existing version (reactivating it if
// opts.Activate).
//
// # Errors
//
// pkgfile's errors for an unreadable package; ErrImmutable when the
// tenant has this id and version with other bytes.
//
// # Notes
//
// Add checks only that data is a well-formed package; loading its modules
// (the ABI checks) is the caller's job before it calls Add.
func (s *Store) Add(ctx context.Context, tenant string, data []byte, opts AddOptions) (*Version, error) {
	if err := CheckTenant(tenant); err != nil {
		return nil, err
	}
	p, unpacked, err := pkgfile.Unpack(opts.Source, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	m := p.Manifest
	manifestText := string(p.ManifestData)
	if existing, err := s.Get(ctx, tenant, m.ID, m.Version); err == nil {
		if existing.Digest != p.Digest {
			return nil, fmt.Errorf("%w: %s %s is already installed for tenant %s with digest %s; this file is %s (publish a new version instead)",
				ErrImmutable, m.ID, m.Version, tenant, existing.Digest, p.Digest)
		}
		if opts.Activate {
			if err := s.Activate(ctx, tenant, m.ID, m.Version); err != nil {
				return nil, err
			}
		}
		return s.Get(ctx, tenant, m.ID, m.Version)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err := s.writeBlob(p.Digest, data, opts.Signature); err != nil {
		return nil, err
	}
	s.writeUnpacked(p.Digest, unpacked)
	now := time.Now().UnixNano()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO pkg_versions
			(tenant, id, version, digest, installed_ns, source, signer, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, m.ID, m.Version, p.Digest, now, opts.Source, opts.Signer, manifestText)
		if err != nil {
			return err
		}
		if opts.Activate {
			return activate(ctx, tx, tenant, m.ID, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("package store: indexing %s %s: %w", m.ID, m.Version, err)
	}
	return s.Get(ctx, tenant, m.ID, m.Version)
}

func (s *Store) blobPath(digest, ext string) (string, error) {
	hexd, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexd) != 64 {
		return "", fmt.Errorf("package store: digest %q: expected sha256:<64 hex digits>", digest)
	}
	if _, err := hex.DecodeString(hexd); err != nil {
		return "", fmt.Errorf("package store: digest %q: expected sha256:<64 hex digits>", digest)
	}
	return filepath.Join(s.dir, "sha256", strings.ToLower(hexd)+ext), nil
}

func (s *Store) writeBlob(digest string, data, sig []byte) error {
	sum := sha256.Sum256(data)
	if "sha256:"+hex.EncodeToString(sum[:]) != digest {
		return fmt.Errorf("package store: %w", ErrCorrupt)
	}
	p, err := s.blobPath(digest, ".weftpkg")
	if err != nil {
		return err
	}
	if err := writeAtomic(p, data); err != nil {
		return err
	}
	if sig != nil {
		sp, _ := s.blobPath(digest, ".minisig")
		if err := writeAtomic(sp, sig); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic writes data to path so that it is either absent or whole.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("package store: writing %s: %w", path, err)
	}
	return nil
}

// Blob returns the bytes of the .weftpkg with this digest, checked against
// it, and its signature (nil when there is none).
//
// # Errors
//
// ErrNotFound when the blob is missing, ErrCorrupt when its bytes do not
// hash to digest.
func (s *Store) Blob(digest string) (data, sig []byte, err error) {
	p, err := s.blobPath(digest, ".weftpkg")
	if err != nil {
		return nil, nil, err
	}
	data, err = os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("package store: blob %s: %w", digest, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("package store: %w", err)
	}
	sum := sha256.Sum256(data)
	if "sha256:"+hex.EncodeToString(sum[:]) != digest {
		return nil, nil, fmt.Errorf("package store: %s: %w (the file was changed on disk)", p, ErrCorrupt)
	}
	sp, _ := s.blobPath(digest, ".minisig")
	sig, err = os.ReadFile(sp)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("package store: %w", err)
	}
	return data, sig, nil
}

// Package returns the installed package whose .weftpkg has digest, as
// pkgfile.LoadArchive reads it from the blob (ref names it in errors), but
// from the blob's unpacked copy when there is an intact one: a run then
// neither decompresses nor hashes the archive. Without a copy, or with a
// damaged one, it reads the blob (checking its digest, as Blob does) and
// writes the copy for the next time.
//
// # Errors
//
// As Blob and pkgfile.LoadArchive.
//
// # Notes
//
// The copy's checksums catch accidents, not tampering: the blob's digest
// was checked when the copy was made from it, and whoever can write the
// store's folder can also write the index that names the digest and the
// compiled code under the home's cache. The home is the trust boundary.
func (s *Store) Package(ref, digest string) (*pkgfile.Package, error) {
	up, err := s.blobPath(digest, ".unpacked")
	if err != nil {
		return nil, err
	}
	if data, err := readCapped(up, pkgfile.DefaultLimits.MaxTotal+1<<20); err == nil {
		if p, err := pkgfile.LoadUnpacked(ref, data); err == nil && p.Digest == digest {
			return p, nil
		}
		// Damaged or stale: made again from the blob below.
	}
	data, _, err := s.Blob(digest)
	if err != nil {
		return nil, err
	}
	p, unpacked, err := pkgfile.Unpack(ref, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if p.Digest != digest {
		return nil, fmt.Errorf("package store: %s: %w", ref, ErrCorrupt)
	}
	s.writeUnpacked(digest, unpacked)
	return p, nil
}

// writeUnpacked stores the unpacked copy of a blob. It is a cache: when
// it cannot be written (a read-only home), runs read the blob instead.
func (s *Store) writeUnpacked(digest string, unpacked []byte) {
	if p, err := s.blobPath(digest, ".unpacked"); err == nil {
		_ = writeAtomic(p, unpacked)
	}
}

// readCapped reads a file of at most max bytes.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}

const selectVersion = `SELECT v.tenant, v.id, v.version, v.digest, v.installed_ns, v.source, v.signer,
	v.deprecated, v.yanked, v.manifest,
	COALESCE((SELECT a.version FROM pkg_activations a WHERE a.tenant = v.tenant AND a.id = v.id
		ORDER BY a.seq DESC LIMIT 1) = v.version, 0)
	FROM pkg_versions v`

func scanVersions(rows *sql.Rows) ([]*Version, error) {
	defer rows.Close()
	var out []*Version
	for rows.Next() {
		v := &Version{}
		var ns int64
		if err := rows.Scan(&v.Tenant, &v.ID, &v.Version, &v.Digest, &ns, &v.Source, &v.Signer,
			&v.Deprecated, &v.Yanked, &v.ManifestText, &v.Active); err != nil {
			return nil, err
		}
		v.Installed = time.Unix(0, ns)
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns one installed version.
//
// # Errors
//
// ErrNotFound when tenant has no such version.
func (s *Store) Get(ctx context.Context, tenant, id, version string) (*Version, error) {
	rows, err := s.db.QueryContext(ctx, selectVersion+` WHERE v.tenant = ? AND v.id = ? AND v.version = ?`, tenant, id, version)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("package %s@%s: %w for tenant %s", id, version, ErrNotFound, tenant)
	}
	return vs[0], nil
}

// Versions returns the tenant's installed versions of id, newest first.
//
// # Errors
//
// ErrNotFound when none is installed.
func (s *Store) Versions(ctx context.Context, tenant, id string) ([]*Version, error) {
	rows, err := s.db.QueryContext(ctx, selectVersion+` WHERE v.tenant = ? AND v.id = ?`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("package %s: %w for tenant %s", id, ErrNotFound, tenant)
	}
	sortNewestFirst(vs)
	return vs, nil
}

// List returns every version the tenant has installed, by id, newest
// version first.
func (s *Store) List(ctx context.Context, tenant string) ([]*Version, error) {
	rows, err := s.db.QueryContext(ctx, selectVersion+` WHERE v.tenant = ?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	sortNewestFirst(vs)
	return vs, nil
}

// sortNewestFirst orders versions of each id by semver, newest first,
// keeping ids in order.
func sortNewestFirst(vs []*Version) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].ID != vs[j].ID {
			return vs[i].ID < vs[j].ID
		}
		a, errA := semver.NewVersion(vs[i].Version)
		b, errB := semver.NewVersion(vs[j].Version)
		if errA != nil || errB != nil {
			return vs[i].Version > vs[j].Version
		}
		return a.GreaterThan(b)
	})
}

// Resolve picks the version of id a workflow gets for tenant: with no
// constraint the active version, even when it is yanked (yanking keeps
// deployments working; Version.Yanked tells the caller to warn); with one,
// the active version when it satisfies the constraint and is not yanked
// (so that a rollback moves range-pinned workflows too), else the newest
// installed version that satisfies it and is not yanked.
//
// # Errors
//
// ErrNotFound when id is not installed; ErrNoMatch when no version
// satisfies the constraint (the message lists the installed ones);
// ErrYanked when the only candidate is yanked.
func (s *Store) Resolve(ctx context.Context, tenant, id, constraint string) (*Version, error) {
	vs, err := s.Versions(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if constraint == "" {
		for _, v := range vs {
			if v.Active {
				return v, nil
			}
		}
		for _, v := range vs {
			if !v.Yanked {
				return v, nil
			}
		}
		return nil, fmt.Errorf("package %s: every installed version is %w", id, ErrYanked)
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, fmt.Errorf("version constraint %q: %v", constraint, err)
	}
	for _, v := range vs {
		if sv, err := semver.NewVersion(v.Version); err == nil && v.Active && !v.Yanked && c.Check(sv) {
			return v, nil
		}
	}
	var have []string
	yanked := false
	for _, v := range vs {
		sv, err := semver.NewVersion(v.Version)
		if err != nil {
			continue
		}
		have = append(have, v.Version)
		if !c.Check(sv) {
			continue
		}
		if v.Yanked {
			yanked = true
			continue
		}
		return v, nil
	}
	if yanked {
		return nil, fmt.Errorf("package %s: the versions matching %q are %w", id, constraint, ErrYanked)
	}
	return nil, fmt.Errorf("package %s for tenant %s has version(s) %s; %w for %q", id, tenant, strings.Join(have, ", "), ErrNoMatch, constraint)
}

// Activate makes version the active one of id for tenant.
//
// # Errors
//
// ErrNotFound when the version is not installed; ErrYanked when it is
// yanked.
func (s *Store) Activate(ctx context.Context, tenant, id, version string) error {
	v, err := s.Get(ctx, tenant, id, version)
	if err != nil {
		return err
	}
	if v.Yanked {
		return fmt.Errorf("package %s@%s is %w; un-yank it first", id, version, ErrYanked)
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return activate(ctx, tx, tenant, id, version) })
}

func activate(ctx context.Context, tx *sql.Tx, tenant, id, version string) error {
	var cur sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT version FROM pkg_activations WHERE tenant = ? AND id = ? ORDER BY seq DESC LIMIT 1`,
		tenant, id).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if cur.Valid && cur.String == version {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO pkg_activations (tenant, id, version, at_ns) VALUES (?, ?, ?, ?)`,
		tenant, id, version, time.Now().UnixNano())
	return err
}

// Rollback makes the previously active version of id active again and
// returns it. Activations form a stack: each rollback goes one further
// back, skipping versions since removed or yanked.
//
// # Errors
//
// ErrNotFound when the package has never been activated; ErrNoEarlier
// when the active version is the first one activated.
func (s *Store) Rollback(ctx context.Context, tenant, id string) (*Version, error) {
	var to string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT a.seq, a.version, COALESCE(v.yanked, 1) FROM pkg_activations a
			LEFT JOIN pkg_versions v ON v.tenant = a.tenant AND v.id = a.id AND v.version = a.version
			WHERE a.tenant = ? AND a.id = ? ORDER BY a.seq DESC`, tenant, id)
		if err != nil {
			return err
		}
		type act struct {
			seq     int64
			version string
			gone    bool
		}
		var acts []act
		for rows.Next() {
			var a act
			if err := rows.Scan(&a.seq, &a.version, &a.gone); err != nil {
				rows.Close()
				return err
			}
			acts = append(acts, a)
		}
		rows.Close()
		if len(acts) == 0 {
			return fmt.Errorf("package %s: %w for tenant %s", id, ErrNotFound, tenant)
		}
		cur := acts[0].version
		var drop []int64
		for _, a := range acts {
			if a.version == cur || a.gone {
				drop = append(drop, a.seq)
				continue
			}
			to = a.version
			break
		}
		if to == "" {
			return fmt.Errorf("package %s: %s is the first version activated for tenant %s: %w (activate another with `weft pkg activate %s@VERSION`)", id, cur, tenant, ErrNoEarlier, id)
		}
		for _, seq := range drop {
			if _, err := tx.ExecContext(ctx, `DELETE FROM pkg_activations WHERE seq = ?`, seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, tenant, id, to)
}

// Deprecate marks a version deprecated with a message (it still runs, with
// a warning); an empty message clears the mark.
func (s *Store) Deprecate(ctx context.Context, tenant, id, version, message string) error {
	return s.update(ctx, tenant, id, version, `UPDATE pkg_versions SET deprecated = ?`, message)
}

// Yank marks a version yanked (no new resolution; lockfiles naming it still
// run), or clears the mark.
func (s *Store) Yank(ctx context.Context, tenant, id, version string, yanked bool) error {
	return s.update(ctx, tenant, id, version, `UPDATE pkg_versions SET yanked = ?`, yanked)
}

func (s *Store) update(ctx context.Context, tenant, id, version, set string, arg any) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, set+` WHERE tenant = ? AND id = ? AND version = ?`, arg, tenant, id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("package %s@%s: %w for tenant %s", id, version, ErrNotFound, tenant)
		}
		return nil
	})
}

// Remove uninstalls one version of id, or every version when version is
// "". A blob no tenant uses any more is deleted.
//
// # Errors
//
// ErrNotFound when nothing matched.
func (s *Store) Remove(ctx context.Context, tenant, id, version string) ([]*Version, error) {
	var vs []*Version
	var err error
	if version == "" {
		vs, err = s.Versions(ctx, tenant, id)
	} else {
		var v *Version
		v, err = s.Get(ctx, tenant, id, version)
		vs = []*Version{v}
	}
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for _, v := range vs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM pkg_versions WHERE tenant = ? AND id = ? AND version = ?`, tenant, id, v.Version); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM pkg_activations WHERE tenant = ? AND id = ? AND version = ?`, tenant, id, v.Version); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	for _, v := range vs {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pkg_versions WHERE digest = ?`, v.Digest).Scan(&n); err == nil && n == 0 {
			for _, ext := range []string{".weftpkg", ".minisig", ".unpacked"} {
				if p, err := s.blobPath(v.Digest, ext); err == nil {
					os.Remove(p)
				}
			}
		}
	}
	return vs, nil
}

// Generation returns a number that changes whenever any tenant's packages
// change (install, removal, activation, rollback, deprecation, yanking).
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT n FROM pkg_generation WHERE k = 1`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("package store: %w", err)
	}
	return n, nil
}

// tx runs fn in a transaction that also bumps the generation.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pkg_generation SET n = n + 1 WHERE k = 1`); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
