// Behaviour tests of the Store, one table run against both backends: SQLite
// in t.TempDir() always, PostgreSQL when WEFT_TEST_POSTGRES names a database
// (each test in its own schema). Real databases, no mocks; includes the
// concurrency tests (claims, idempotency keys, two stores on one database)
// and BenchmarkCommit.

package db_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
)

// env is what a behaviour test gets: a Store on a new database, and a way
// to open another Store on the same database (another server).
type env struct {
	st  db.Store
	dsn string
}

func (e *env) another(t *testing.T) db.Store { return dbtest.Open(t, e.dsn) }

var behaviours = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"meta", testMeta},
	{"tenants", testTenants},
	{"tokens", testTokens},
	{"package versions", testPackageVersions},
	{"package pages", testPackagePages},
	{"activation history", testActivation},
	{"workflow versions", testWorkflowVersions},
	{"workflow list and archive", testWorkflowListArchive},
	{"concurrent workflow puts", testConcurrentWorkflowPuts},
	{"create run", testCreateRun},
	{"idempotency key", testIdempotencyKey},
	{"concurrent idempotency key", testConcurrentIdempotencyKey},
	{"list runs", testListRuns},
	{"claim runs", testClaimRuns},
	{"concurrent claims", testConcurrentClaims},
	{"claims from two stores", testClaimsTwoStores},
	{"claim expired", testClaimExpired},
	{"renew leases", testRenewLeases},
	{"request cancel", testRequestCancel},
	{"commit", testCommit},
	{"commit conflicts", testCommitConflicts},
	{"commit many", testCommitMany},
	{"commit while renewing", testCommitWhileRenewing},
	{"events", testEvents},
	{"secrets", testSecrets},
	{"triggers", testTriggers},
	{"trusted keys", testTrustedKeys},
	{"cross tenant", testCrossTenant},
	{"reopen", testReopen},
	{"bad cursor", testBadCursor},
	{"times", testTimes},
}

func TestStore(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == "postgres" {
				dbtest.RequirePostgres(t) // one skip (or CI failure) for all
			}
			for _, bh := range behaviours {
				t.Run(bh.name, func(t *testing.T) {
					t.Parallel()
					dsn := b.NewDSN(t)
					bh.fn(t, &env{st: dbtest.Open(t, dsn), dsn: dsn})
				})
			}
		})
	}
}

// ---- helpers ----

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)

func is(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Fatalf("%s = %v: not UTC", what, got)
	}
}

func tenant(t *testing.T, st db.Store, id string) {
	t.Helper()
	ok(t, st.CreateTenant(t.Context(), &db.Tenant{ID: id, Name: strings.ToUpper(id), CreatedAt: t0}), "CreateTenant "+id)
}

// pkgBlob returns bytes of a fake .weftpkg and their digest.
func pkgBlob(s string) ([]byte, string) {
	b := []byte("weftpkg:" + s)
	sum := sha256.Sum256(b)
	return b, "sha256:" + hex.EncodeToString(sum[:])
}

func createPkg(t *testing.T, st db.Store, tenant, pkg, version string, at time.Time) *db.PackageVersion {
	t.Helper()
	blob, digest := pkgBlob(tenant + pkg + version)
	v, created, err := st.CreatePackageVersion(t.Context(), &db.PackageVersion{
		Tenant: tenant, Package: pkg, Version: version, Digest: digest,
		Info: json.RawMessage(`{"nodes":[]}`), CreatedBy: "dev", CreatedAt: at,
	}, blob)
	ok(t, err, "CreatePackageVersion "+version)
	if !created {
		t.Fatalf("CreatePackageVersion %s: created false", version)
	}
	return v
}

func queue(t *testing.T, st db.Store, tenant, id string, at time.Time) *db.Run {
	t.Helper()
	r, created, err := st.CreateRun(t.Context(), &db.Run{ID: id, Tenant: tenant, Workflow: "wf", Version: 1,
		Inputs: json.RawMessage(`{"x":1}`), CreatedAt: at})
	ok(t, err, "CreateRun "+id)
	if !created {
		t.Fatalf("CreateRun %s: created false", id)
	}
	return r
}

// running creates a run claimed at once by owner.
func running(t *testing.T, st db.Store, tenant, id, owner string, lease time.Time) *db.Run {
	t.Helper()
	r, _, err := st.CreateRun(t.Context(), &db.Run{ID: id, Tenant: tenant, Workflow: "wf", Version: 1,
		CreatedAt: t0, Owner: owner, LeaseUntil: lease})
	ok(t, err, "CreateRun "+id)
	return r
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func runIDs(rs []*db.Run) []string { return ids(rs, func(r *db.Run) string { return r.ID }) }

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s = %s, want %s", what, g, w)
	}
}

// ---- behaviours ----

func testMeta(t *testing.T, e *env) {
	ctx := t.Context()
	v, err := e.st.GetMeta(ctx, db.MetaSchemaVersion)
	ok(t, err, "GetMeta schema_version")
	eq(t, "schema version", v, "1")
	_, err = e.st.GetMeta(ctx, "admin-token")
	is(t, err, db.ErrNotFound, "GetMeta missing")
	set, err := e.st.SetMetaIfAbsent(ctx, "admin-token", "one")
	ok(t, err, "SetMetaIfAbsent")
	if !set {
		t.Fatal("SetMetaIfAbsent first: false")
	}
	set, err = e.another(t).SetMetaIfAbsent(ctx, "admin-token", "two")
	ok(t, err, "SetMetaIfAbsent again")
	if set {
		t.Fatal("SetMetaIfAbsent second: true")
	}
	v, err = e.st.GetMeta(ctx, "admin-token")
	ok(t, err, "GetMeta")
	eq(t, "meta", v, "one")
}

func testTenants(t *testing.T, e *env) {
	ctx := t.Context()
	in := &db.Tenant{ID: "acme", Name: "Acme", RequireApproval: true, HTTPAllowPrivate: true, CreatedAt: t0}
	ok(t, e.st.CreateTenant(ctx, in), "CreateTenant")
	is(t, e.st.CreateTenant(ctx, &db.Tenant{ID: "acme"}), db.ErrExists, "CreateTenant again")
	got, err := e.st.GetTenant(ctx, "acme")
	ok(t, err, "GetTenant")
	if got.Name != "Acme" || !got.RequireApproval || !got.HTTPAllowPrivate {
		t.Fatalf("GetTenant = %+v", got)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, t0)
	_, err = e.st.GetTenant(ctx, "nope")
	is(t, err, db.ErrNotFound, "GetTenant missing")
	noDefaults := &db.Tenant{ID: "zeta"}
	ok(t, e.st.CreateTenant(ctx, noDefaults), "CreateTenant without CreatedAt")
	if noDefaults.CreatedAt.IsZero() {
		t.Fatal("CreateTenant did not set CreatedAt")
	}

	// Pages by id: 2 + 5 more tenants, 3 a page.
	for _, id := range []string{"b1", "b2", "b3", "b4", "b5"} {
		tenant(t, e.st, id)
	}
	var all []string
	p := db.Page{Limit: 3}
	for range 10 {
		ts, next, err := e.st.ListTenants(ctx, p)
		ok(t, err, "ListTenants")
		if len(ts) > 3 {
			t.Fatalf("page of %d", len(ts))
		}
		all = append(all, ids(ts, func(t *db.Tenant) string { return t.ID })...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	eq(t, "tenants", all, []string{"acme", "b1", "b2", "b3", "b4", "b5", "zeta"})
	ts, next, err := e.st.ListTenants(ctx, db.Page{Limit: 7})
	ok(t, err, "ListTenants")
	if len(ts) != 7 || next != "" {
		t.Fatalf("a page of all: %d, next %q", len(ts), next)
	}
}

func testTokens(t *testing.T, e *env) {
	ctx := t.Context()
	admin := &db.Token{ID: "tok-admin", Hash: "h0", Role: db.RoleAdmin, Name: "first", CreatedAt: t0}
	ok(t, e.st.CreateToken(ctx, admin), "CreateToken admin")
	dev := &db.Token{Hash: "h1", Tenant: "acme", Role: db.RoleDeveloper, Name: "ci"}
	ok(t, e.st.CreateToken(ctx, dev), "CreateToken without id")
	if dev.ID == "" || dev.CreatedAt.IsZero() {
		t.Fatalf("CreateToken did not fill in id and time: %+v", dev)
	}
	is(t, e.st.CreateToken(ctx, &db.Token{ID: "tok-admin", Hash: "h2"}), db.ErrExists, "CreateToken same id")
	is(t, e.st.CreateToken(ctx, &db.Token{ID: "other", Hash: "h1"}), db.ErrExists, "CreateToken same hash")

	got, err := e.st.TokenByHash(ctx, "h1")
	ok(t, err, "TokenByHash")
	if got.ID != dev.ID || got.Tenant != "acme" || got.Role != db.RoleDeveloper || !got.RevokedAt.IsZero() {
		t.Fatalf("TokenByHash = %+v", got)
	}
	got, err = e.st.GetToken(ctx, "tok-admin")
	ok(t, err, "GetToken")
	if got.Tenant != "" || got.Hash != "h0" {
		t.Fatalf("GetToken = %+v", got)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, t0)
	_, err = e.st.TokenByHash(ctx, "nope")
	is(t, err, db.ErrNotFound, "TokenByHash missing")

	at := t0.Add(time.Hour)
	ok(t, e.st.RevokeToken(ctx, dev.ID, at), "RevokeToken")
	ok(t, e.st.RevokeToken(ctx, dev.ID, at.Add(time.Hour)), "RevokeToken again")
	_, err = e.st.TokenByHash(ctx, "h1")
	is(t, err, db.ErrNotFound, "TokenByHash revoked")
	got, err = e.st.GetToken(ctx, dev.ID)
	ok(t, err, "GetToken revoked")
	sameTime(t, "RevokedAt", got.RevokedAt, at)
	is(t, e.st.RevokeToken(ctx, "nope", at), db.ErrNotFound, "RevokeToken missing")
}

func testPackageVersions(t *testing.T, e *env) {
	ctx := t.Context()
	blob, digest := pkgBlob("math 1.0.0")
	in := &db.PackageVersion{Tenant: "acme", Package: "com.example.math", Version: "1.0.0", Digest: digest,
		Status: db.StatusActive, Info: json.RawMessage(`{"nodes":["Add"]}`), Signer: "RWQ", CreatedBy: "dev", CreatedAt: t0}
	v, created, err := e.st.CreatePackageVersion(ctx, in, blob)
	ok(t, err, "CreatePackageVersion")
	if !created || v.ID == "" || v.Status != db.StatusDraft || !v.ActivatedAt.IsZero() {
		t.Fatalf("CreatePackageVersion = %+v, %v", v, created)
	}
	got, err := e.st.GetPackageVersion(ctx, "acme", v.ID)
	ok(t, err, "GetPackageVersion")
	eq(t, "stored version", got, v)
	if string(got.Info) != `{"nodes":["Add"]}` {
		t.Fatalf("Info = %s", got.Info)
	}

	again, created, err := e.st.CreatePackageVersion(ctx, &db.PackageVersion{Tenant: "acme", Package: "com.example.math",
		Version: "1.0.0", Digest: digest, CreatedAt: t0.Add(time.Hour)}, blob)
	ok(t, err, "CreatePackageVersion same digest")
	if created || again.ID != v.ID {
		t.Fatalf("CreatePackageVersion same digest: created %v, id %s want %s", created, again.ID, v.ID)
	}
	other, otherDigest := pkgBlob("something else")
	_, _, err = e.st.CreatePackageVersion(ctx, &db.PackageVersion{Tenant: "acme", Package: "com.example.math",
		Version: "1.0.0", Digest: otherDigest}, other)
	is(t, err, db.ErrConflict, "CreatePackageVersion other digest")
	_, _, err = e.st.CreatePackageVersion(ctx, &db.PackageVersion{Tenant: "acme", Package: "com.example.math",
		Version: "1.0.1", Digest: digest}, other)
	if err == nil || errors.Is(err, db.ErrConflict) {
		t.Fatalf("CreatePackageVersion with a digest not of its blob: err = %v", err)
	}
	// The conflicting upload's blob was not kept.
	_, err = e.st.Blob(ctx, otherDigest)
	is(t, err, db.ErrNotFound, "Blob of the refused upload")

	b, err := e.st.Blob(ctx, digest)
	ok(t, err, "Blob")
	if !bytes.Equal(b, blob) {
		t.Fatalf("Blob = %q", b)
	}
	// Another tenant uploading the same bytes shares the blob.
	v2, created, err := e.st.CreatePackageVersion(ctx, &db.PackageVersion{Tenant: "beta", Package: "com.example.math",
		Version: "1.0.0", Digest: digest}, blob)
	ok(t, err, "CreatePackageVersion other tenant")
	if !created || v2.ID == v.ID {
		t.Fatalf("other tenant: created %v, id %s", created, v2.ID)
	}

	createPkg(t, e.st, "acme", "com.example.math", "1.1.0", t0.Add(time.Minute))
	createPkg(t, e.st, "acme", "ts.slack", "0.1.0", t0.Add(2*time.Minute))
	vs, err := e.st.PackageVersions(ctx, "acme", "com.example.math")
	ok(t, err, "PackageVersions")
	eq(t, "versions", ids(vs, func(v *db.PackageVersion) string { return v.Version }), []string{"1.0.0", "1.1.0"})
	vs, err = e.st.PackageVersions(ctx, "acme", "nope")
	ok(t, err, "PackageVersions of none")
	if len(vs) != 0 {
		t.Fatalf("PackageVersions of none = %d", len(vs))
	}
	list, _, err := e.st.ListPackageVersions(ctx, "acme", db.PackageFilter{Package: "com.example.math"}, db.Page{})
	ok(t, err, "ListPackageVersions by package")
	eq(t, "newest first", ids(list, func(v *db.PackageVersion) string { return v.Version }), []string{"1.1.0", "1.0.0"})
	_, err = e.st.Activate(ctx, "acme", list[0].ID, t0)
	ok(t, err, "Activate")
	list, _, err = e.st.ListPackageVersions(ctx, "acme", db.PackageFilter{Status: db.StatusDraft}, db.Page{})
	ok(t, err, "ListPackageVersions drafts")
	eq(t, "drafts", ids(list, func(v *db.PackageVersion) string { return v.Package + "@" + v.Version }),
		[]string{"ts.slack@0.1.0", "com.example.math@1.0.0"})
}

func testPackagePages(t *testing.T, e *env) {
	ctx := t.Context()
	var want []string
	for i := range 7 {
		// Two share each creation time: the id breaks the tie.
		v := createPkg(t, e.st, "acme", "p", fmt.Sprintf("1.0.%d", i), t0.Add(time.Duration(i/2)*time.Second))
		want = append(want, v.ID)
	}
	all, _, err := e.st.ListPackageVersions(ctx, "acme", db.PackageFilter{}, db.Page{Limit: db.MaxLimit + 1})
	ok(t, err, "ListPackageVersions")
	var paged []string
	p := db.Page{Limit: 2}
	for {
		vs, next, err := e.st.ListPackageVersions(ctx, "acme", db.PackageFilter{}, p)
		ok(t, err, "ListPackageVersions page")
		paged = append(paged, ids(vs, func(v *db.PackageVersion) string { return v.ID })...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	eq(t, "pages", paged, ids(all, func(v *db.PackageVersion) string { return v.ID }))
	slices.SortFunc(all, func(a, b *db.PackageVersion) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	eq(t, "order", paged, ids(all, func(v *db.PackageVersion) string { return v.ID }))
	if len(paged) != len(want) {
		t.Fatalf("%d listed, want %d", len(paged), len(want))
	}
}

func testActivation(t *testing.T, e *env) {
	ctx := t.Context()
	const pkg = "com.example.math"
	v1 := createPkg(t, e.st, "acme", pkg, "1.0.0", t0)
	v2 := createPkg(t, e.st, "acme", pkg, "2.0.0", t0.Add(time.Second))
	v3 := createPkg(t, e.st, "acme", pkg, "3.0.0", t0.Add(2*time.Second))
	gen := func() int64 {
		g, err := e.st.Generation(ctx)
		ok(t, err, "Generation")
		return g
	}
	status := func(want map[string]string) {
		t.Helper()
		vs, err := e.st.PackageVersions(ctx, "acme", pkg)
		ok(t, err, "PackageVersions")
		got := map[string]string{}
		for _, v := range vs {
			got[v.Version] = v.Status
		}
		eq(t, "statuses", got, want)
	}
	g := gen()
	_, err := e.st.Rollback(ctx, "acme", pkg, t0)
	is(t, err, db.ErrConflict, "Rollback with no history")
	_, err = e.st.Deprecate(ctx, "acme", v1.ID, "old")
	is(t, err, db.ErrConflict, "Deprecate a draft")

	at := t0.Add(time.Hour)
	a, err := e.st.Activate(ctx, "acme", v1.ID, at)
	ok(t, err, "Activate v1")
	if a.Status != db.StatusActive {
		t.Fatalf("Activate: status %s", a.Status)
	}
	sameTime(t, "ActivatedAt", a.ActivatedAt, at)
	if gen() <= g {
		t.Fatal("Generation did not increase on Activate")
	}
	g = gen()
	_, err = e.st.Activate(ctx, "acme", v1.ID, at)
	is(t, err, db.ErrConflict, "Activate the active version")

	_, err = e.st.Activate(ctx, "acme", v2.ID, at.Add(time.Minute))
	ok(t, err, "Activate v2")
	status(map[string]string{"1.0.0": "inactive", "2.0.0": "active", "3.0.0": "draft"})
	d, err := e.st.Deprecate(ctx, "acme", v2.ID, "use 3")
	ok(t, err, "Deprecate v2")
	if d.Status != db.StatusDeprecated || d.Deprecated != "use 3" {
		t.Fatalf("Deprecate = %+v", d)
	}
	if gen() <= g {
		t.Fatal("Generation did not increase on Deprecate")
	}
	g = gen()
	_, err = e.st.Deprecate(ctx, "acme", v1.ID, "x")
	is(t, err, db.ErrConflict, "Deprecate an inactive version")
	_, err = e.st.Deprecate(ctx, "acme", v2.ID, "x")
	is(t, err, db.ErrConflict, "Deprecate a deprecated version")

	_, err = e.st.Activate(ctx, "acme", v3.ID, at.Add(2*time.Minute))
	ok(t, err, "Activate v3")
	status(map[string]string{"1.0.0": "inactive", "2.0.0": "inactive", "3.0.0": "active"})
	// Activate v1 again: history v1, v2, v3, v1.
	_, err = e.st.Activate(ctx, "acme", v1.ID, at.Add(3*time.Minute))
	ok(t, err, "Activate v1 again")
	status(map[string]string{"1.0.0": "active", "2.0.0": "inactive", "3.0.0": "inactive"})
	g = gen()

	rollTo := func(want *db.PackageVersion) {
		t.Helper()
		r, err := e.st.Rollback(ctx, "acme", pkg, at.Add(time.Hour))
		ok(t, err, "Rollback to "+want.Version)
		if r.ID != want.ID || r.Status != db.StatusActive || r.Deprecated != "" {
			t.Fatalf("Rollback = %s %s %q, want %s active", r.Version, r.Status, r.Deprecated, want.Version)
		}
		sameTime(t, "ActivatedAt", r.ActivatedAt, at.Add(time.Hour))
		if gen() <= g {
			t.Fatal("Generation did not increase on Rollback")
		}
		g = gen()
	}
	rollTo(v3)
	status(map[string]string{"1.0.0": "inactive", "2.0.0": "inactive", "3.0.0": "active"})
	rollTo(v2) // deprecated when it was replaced; active again now
	rollTo(v1)
	status(map[string]string{"1.0.0": "active", "2.0.0": "inactive", "3.0.0": "inactive"})
	_, err = e.st.Rollback(ctx, "acme", pkg, at)
	is(t, err, db.ErrConflict, "Rollback past the first activation")
	_, err = e.st.Rollback(ctx, "acme", "nope", at)
	is(t, err, db.ErrNotFound, "Rollback of an unknown package")

	// A deprecated current version may be activated again: no history
	// entry, so one rollback still goes to the version before it.
	_, err = e.st.Activate(ctx, "acme", v2.ID, at)
	ok(t, err, "Activate v2")
	_, err = e.st.Deprecate(ctx, "acme", v2.ID, "bad")
	ok(t, err, "Deprecate v2")
	a, err = e.st.Activate(ctx, "acme", v2.ID, at)
	ok(t, err, "Activate deprecated v2")
	if a.Status != db.StatusActive || a.Deprecated != "" {
		t.Fatalf("re-activated: %+v", a)
	}
	rollTo(v1)
}

func testWorkflowVersions(t *testing.T, e *env) {
	ctx := t.Context()
	put := func(src string, at time.Time) (*db.WorkflowVersion, bool) {
		t.Helper()
		v, created, err := e.st.PutWorkflowVersion(ctx, &db.WorkflowVersion{Tenant: "acme", Workflow: "hello",
			Source: []byte(src), Packages: json.RawMessage(`{}`), CreatedBy: "dev", CreatedAt: at})
		ok(t, err, "PutWorkflowVersion")
		return v, created
	}
	v, created := put("a: 1\n", t0)
	if !created || v.Version != 1 {
		t.Fatalf("first put: v%d created %v", v.Version, created)
	}
	v, created = put("a: 1\n", t0.Add(time.Second))
	if created || v.Version != 1 {
		t.Fatalf("same source: v%d created %v", v.Version, created)
	}
	sameTime(t, "unchanged CreatedAt", v.CreatedAt, t0)
	v, created = put("a: 2\n", t0.Add(time.Minute))
	if !created || v.Version != 2 {
		t.Fatalf("second: v%d created %v", v.Version, created)
	}
	v, created = put("a: 1\n", t0.Add(2*time.Minute)) // only the newest counts
	if !created || v.Version != 3 {
		t.Fatalf("third: v%d created %v", v.Version, created)
	}
	got, err := e.st.GetWorkflowVersion(ctx, "acme", "hello", 0)
	ok(t, err, "GetWorkflowVersion newest")
	if got.Version != 3 || string(got.Source) != "a: 1\n" || string(got.Packages) != `{}` || got.CreatedBy != "dev" {
		t.Fatalf("newest = %+v", got)
	}
	got, err = e.st.GetWorkflowVersion(ctx, "acme", "hello", 2)
	ok(t, err, "GetWorkflowVersion 2")
	if string(got.Source) != "a: 2\n" {
		t.Fatalf("v2 = %q", got.Source)
	}
	sameTime(t, "v2 CreatedAt", got.CreatedAt, t0.Add(time.Minute))
	_, err = e.st.GetWorkflowVersion(ctx, "acme", "hello", 4)
	is(t, err, db.ErrNotFound, "GetWorkflowVersion 4")
	_, err = e.st.GetWorkflowVersion(ctx, "acme", "nope", 0)
	is(t, err, db.ErrNotFound, "GetWorkflowVersion of none")

	w, err := e.st.GetWorkflow(ctx, "acme", "hello")
	ok(t, err, "GetWorkflow")
	if w.LatestVersion != 3 || w.Archived {
		t.Fatalf("GetWorkflow = %+v", w)
	}
	sameTime(t, "CreatedAt", w.CreatedAt, t0)
	sameTime(t, "UpdatedAt", w.UpdatedAt, t0.Add(2*time.Minute))

	var all []int
	p := db.Page{Limit: 2}
	for {
		vs, next, err := e.st.ListWorkflowVersions(ctx, "acme", "hello", p)
		ok(t, err, "ListWorkflowVersions")
		all = append(all, slices.Collect(func(yield func(int) bool) {
			for _, v := range vs {
				yield(v.Version)
			}
		})...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	eq(t, "versions newest first", all, []int{3, 2, 1})
	_, _, err = e.st.ListWorkflowVersions(ctx, "acme", "nope", db.Page{})
	is(t, err, db.ErrNotFound, "ListWorkflowVersions of none")
}

func testWorkflowListArchive(t *testing.T, e *env) {
	ctx := t.Context()
	for _, id := range []string{"c", "a", "b"} {
		_, _, err := e.st.PutWorkflowVersion(ctx, &db.WorkflowVersion{Tenant: "acme", Workflow: id, Source: []byte(id)})
		ok(t, err, "PutWorkflowVersion "+id)
	}
	ws, next, err := e.st.ListWorkflows(ctx, "acme", db.Page{Limit: 2})
	ok(t, err, "ListWorkflows")
	eq(t, "first page", ids(ws, func(w *db.Workflow) string { return w.ID }), []string{"a", "b"})
	ws, next, err = e.st.ListWorkflows(ctx, "acme", db.Page{Limit: 2, Cursor: next})
	ok(t, err, "ListWorkflows 2")
	eq(t, "second page", ids(ws, func(w *db.Workflow) string { return w.ID }), []string{"c"})
	if next != "" {
		t.Fatalf("next after the last page: %q", next)
	}

	ok(t, e.st.ArchiveWorkflow(ctx, "acme", "b"), "ArchiveWorkflow")
	ok(t, e.st.ArchiveWorkflow(ctx, "acme", "b"), "ArchiveWorkflow again")
	is(t, e.st.ArchiveWorkflow(ctx, "acme", "nope"), db.ErrNotFound, "ArchiveWorkflow missing")
	w, err := e.st.GetWorkflow(ctx, "acme", "b")
	ok(t, err, "GetWorkflow archived")
	if !w.Archived {
		t.Fatal("not archived")
	}
	ws, _, err = e.st.ListWorkflows(ctx, "acme", db.Page{})
	ok(t, err, "ListWorkflows")
	if len(ws) != 3 || !ws[1].Archived {
		t.Fatalf("ListWorkflows with an archived one: %+v", ws)
	}
	// Putting the same source unarchives without a new version...
	v, created, err := e.st.PutWorkflowVersion(ctx, &db.WorkflowVersion{Tenant: "acme", Workflow: "b", Source: []byte("b")})
	ok(t, err, "PutWorkflowVersion same")
	if created || v.Version != 1 {
		t.Fatalf("same source: v%d created %v", v.Version, created)
	}
	w, _ = e.st.GetWorkflow(ctx, "acme", "b")
	if w.Archived {
		t.Fatal("still archived after a put")
	}
	// ...and a new source too.
	ok(t, e.st.ArchiveWorkflow(ctx, "acme", "b"), "ArchiveWorkflow")
	v, created, err = e.st.PutWorkflowVersion(ctx, &db.WorkflowVersion{Tenant: "acme", Workflow: "b", Source: []byte("b2")})
	ok(t, err, "PutWorkflowVersion new")
	if !created || v.Version != 2 {
		t.Fatalf("new source: v%d created %v", v.Version, created)
	}
	w, _ = e.st.GetWorkflow(ctx, "acme", "b")
	if w.Archived || w.LatestVersion != 2 {
		t.Fatalf("after a new version: %+v", w)
	}
}

func testConcurrentWorkflowPuts(t *testing.T, e *env) {
	ctx := t.Context()
	other := e.another(t)
	const n = 10
	versions := make([]int, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			st := e.st
			if i%2 == 1 {
				st = other
			}
			v, created, err := st.PutWorkflowVersion(ctx, &db.WorkflowVersion{Tenant: "acme", Workflow: "w", Source: fmt.Appendf(nil, "src %d", i)})
			if err == nil && !created {
				err = errors.New("created false")
			}
			if err != nil {
				errs <- err
				return
			}
			versions[i] = v.Version
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("PutWorkflowVersion: %v", err)
	}
	sort.Ints(versions)
	eq(t, "versions", versions, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
}

func testCreateRun(t *testing.T, e *env) {
	ctx := t.Context()
	r := queue(t, e.st, "acme", "run-1", t0)
	if r.Status != db.RunQueued || r.Attempts != 0 || !r.StartedAt.IsZero() || r.Owner != "" {
		t.Fatalf("queued run = %+v", r)
	}
	got, err := e.st.GetRun(ctx, "acme", "run-1")
	ok(t, err, "GetRun")
	eq(t, "stored run", got, r)
	if string(got.Inputs) != `{"x":1}` || got.Blackboard != nil {
		t.Fatalf("inputs %s blackboard %s", got.Inputs, got.Blackboard)
	}
	_, _, err = e.st.CreateRun(ctx, &db.Run{ID: "run-1", Tenant: "acme", Workflow: "wf"})
	is(t, err, db.ErrExists, "CreateRun same id")

	lease := t0.Add(time.Minute)
	owned, created, err := e.st.CreateRun(ctx, &db.Run{Tenant: "acme", Workflow: "wf", Version: 2, Owner: "srv-1",
		LeaseUntil: lease, Trigger: "trg", CreatedBy: "tok", Packages: json.RawMessage(`{"p":1}`), CreatedAt: t0})
	ok(t, err, "CreateRun with owner")
	if !created || owned.ID == "" || owned.Status != db.RunRunning || owned.Attempts != 1 {
		t.Fatalf("owned run = %+v", owned)
	}
	got, err = e.st.GetRun(ctx, "acme", owned.ID)
	ok(t, err, "GetRun owned")
	eq(t, "stored owned run", got, owned)
	sameTime(t, "StartedAt", got.StartedAt, t0)
	sameTime(t, "LeaseUntil", got.LeaseUntil, lease)
	if got.Trigger != "trg" || got.CreatedBy != "tok" || string(got.Packages) != `{"p":1}` || got.Owner != "srv-1" {
		t.Fatalf("owned run = %+v", got)
	}
	_, err = e.st.GetRun(ctx, "acme", "nope")
	is(t, err, db.ErrNotFound, "GetRun missing")
}

func testIdempotencyKey(t *testing.T, e *env) {
	ctx := t.Context()
	first, created, err := e.st.CreateRun(ctx, &db.Run{ID: "r1", Tenant: "acme", Workflow: "wf", IdempotencyKey: "k"})
	ok(t, err, "CreateRun")
	if !created {
		t.Fatal("created false")
	}
	again, created, err := e.st.CreateRun(ctx, &db.Run{ID: "r2", Tenant: "acme", Workflow: "other", IdempotencyKey: "k"})
	ok(t, err, "CreateRun same key")
	if created || again.ID != "r1" || again.Workflow != "wf" {
		t.Fatalf("same key: created %v, %+v", created, again)
	}
	eq(t, "earlier run", again, first)
	_, err = e.st.GetRun(ctx, "acme", "r2")
	is(t, err, db.ErrNotFound, "the second run was not stored")
	// Another tenant's key is its own.
	_, created, err = e.st.CreateRun(ctx, &db.Run{ID: "r3", Tenant: "beta", Workflow: "wf", IdempotencyKey: "k"})
	ok(t, err, "CreateRun other tenant")
	if !created {
		t.Fatal("other tenant's run not created")
	}
	// No key: never deduplicated.
	for _, id := range []string{"r4", "r5"} {
		_, created, err = e.st.CreateRun(ctx, &db.Run{ID: id, Tenant: "acme", Workflow: "wf"})
		ok(t, err, "CreateRun without key")
		if !created {
			t.Fatal("run without key not created")
		}
	}
	// The key stays taken after the run ended.
	_, err = e.st.RequestCancel(ctx, "acme", "r1", t0)
	ok(t, err, "RequestCancel")
	again, created, err = e.st.CreateRun(ctx, &db.Run{ID: "r6", Tenant: "acme", Workflow: "wf", IdempotencyKey: "k"})
	ok(t, err, "CreateRun after the end")
	if created || again.ID != "r1" || again.Status != db.RunCanceled {
		t.Fatalf("after the end: created %v, %+v", created, again)
	}
}

func testConcurrentIdempotencyKey(t *testing.T, e *env) {
	ctx := t.Context()
	other := e.another(t)
	const n = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdN := 0
	got := map[string]bool{}
	for i := range n {
		wg.Go(func() {
			st := e.st
			if i%2 == 1 {
				st = other
			}
			r, created, err := st.CreateRun(ctx, &db.Run{ID: fmt.Sprintf("run-%d", i), Tenant: "acme", Workflow: "wf", IdempotencyKey: "same"})
			if err != nil {
				t.Errorf("CreateRun %d: %v", i, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if created {
				createdN++
			}
			got[r.ID] = true
		})
	}
	wg.Wait()
	if createdN != 1 || len(got) != 1 {
		t.Fatalf("%d created, ids %v; want one run", createdN, got)
	}
	rs, _, err := e.st.ListRuns(ctx, "acme", db.RunFilter{}, db.Page{})
	ok(t, err, "ListRuns")
	if len(rs) != 1 {
		t.Fatalf("%d runs stored", len(rs))
	}
}

func testListRuns(t *testing.T, e *env) {
	ctx := t.Context()
	for i := range 9 {
		wf := "a"
		if i%3 == 0 {
			wf = "b"
		}
		// Three share each time; the id breaks ties.
		_, _, err := e.st.CreateRun(ctx, &db.Run{ID: fmt.Sprintf("r%d", i), Tenant: "acme", Workflow: wf,
			CreatedAt: t0.Add(time.Duration(i/3) * time.Second)})
		ok(t, err, "CreateRun")
	}
	queue(t, e.st, "beta", "other", t0)
	_, err := e.st.RequestCancel(ctx, "acme", "r4", t0)
	ok(t, err, "RequestCancel")

	var all []string
	p := db.Page{Limit: 4}
	for {
		rs, next, err := e.st.ListRuns(ctx, "acme", db.RunFilter{}, p)
		ok(t, err, "ListRuns")
		all = append(all, runIDs(rs)...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	eq(t, "newest first", all, []string{"r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1", "r0"})
	rs, _, err := e.st.ListRuns(ctx, "acme", db.RunFilter{Workflow: "b"}, db.Page{})
	ok(t, err, "ListRuns by workflow")
	eq(t, "workflow b", runIDs(rs), []string{"r6", "r3", "r0"})
	rs, _, err = e.st.ListRuns(ctx, "acme", db.RunFilter{Status: db.RunCanceled}, db.Page{})
	ok(t, err, "ListRuns by status")
	eq(t, "canceled", runIDs(rs), []string{"r4"})
	rs, next, err := e.st.ListRuns(ctx, "acme", db.RunFilter{Workflow: "a", Status: db.RunQueued}, db.Page{Limit: 2})
	ok(t, err, "ListRuns by both")
	eq(t, "a queued", runIDs(rs), []string{"r8", "r7"})
	rs, _, err = e.st.ListRuns(ctx, "acme", db.RunFilter{Workflow: "a", Status: db.RunQueued}, db.Page{Limit: 2, Cursor: next})
	ok(t, err, "ListRuns by both, page 2")
	eq(t, "a queued, page 2", runIDs(rs), []string{"r5", "r2"})
}

func testClaimRuns(t *testing.T, e *env) {
	ctx := t.Context()
	queue(t, e.st, "acme", "r3", t0.Add(3*time.Second))
	queue(t, e.st, "acme", "r1", t0.Add(time.Second))
	queue(t, e.st, "beta", "r2", t0.Add(2*time.Second))
	running(t, e.st, "acme", "owned", "srv-0", t0.Add(time.Hour))
	rs, err := e.st.ClaimRuns(ctx, "srv-1", 0, t0, nil)
	ok(t, err, "ClaimRuns 0")
	if len(rs) != 0 {
		t.Fatalf("ClaimRuns 0 claimed %d", len(rs))
	}
	lease := t0.Add(time.Minute)
	before := time.Now().Add(-time.Second)
	rs, err = e.st.ClaimRuns(ctx, "srv-1", 2, lease, nil)
	ok(t, err, "ClaimRuns")
	eq(t, "oldest first, any tenant", runIDs(rs), []string{"r1", "r2"})
	for _, r := range rs {
		if r.Status != db.RunRunning || r.Owner != "srv-1" || r.Attempts != 1 || r.StartedAt.Before(before) {
			t.Fatalf("claimed run = %+v", r)
		}
		sameTime(t, "LeaseUntil", r.LeaseUntil, lease)
		got, err := e.st.GetRun(ctx, r.Tenant, r.ID)
		ok(t, err, "GetRun")
		eq(t, "stored claimed run", got, r)
	}
	rs, err = e.st.ClaimRuns(ctx, "srv-2", 10, lease, nil)
	ok(t, err, "ClaimRuns rest")
	eq(t, "the rest", runIDs(rs), []string{"r3"})
	// Runs of a tenant at its bound stay queued.
	queue(t, e.st, "acme", "r8", t0.Add(8*time.Second))
	queue(t, e.st, "beta", "r9", t0.Add(9*time.Second))
	rs, err = e.st.ClaimRuns(ctx, "srv-2", 10, lease, []string{"acme"})
	ok(t, err, "ClaimRuns skipping acme")
	eq(t, "claimed skipping acme", runIDs(rs), []string{"r9"})
	rs, err = e.st.ClaimRuns(ctx, "srv-2", 10, lease, nil)
	ok(t, err, "ClaimRuns acme's")
	eq(t, "acme's, once not skipped", runIDs(rs), []string{"r8"})
	rs, err = e.st.ClaimRuns(ctx, "srv-2", 10, lease, nil)
	ok(t, err, "ClaimRuns none")
	if len(rs) != 0 {
		t.Fatalf("claimed %v from an empty queue", runIDs(rs))
	}
}

// claimAll has workers goroutines per store claim from stores until the
// queue is empty, and checks that every one of want runs was claimed once.
func claimAll(t *testing.T, stores []db.Store, workers, want int) {
	ctx := t.Context()
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	for si, st := range stores {
		for w := range workers {
			owner := fmt.Sprintf("srv-%d-%d", si, w)
			wg.Go(func() {
				for {
					rs, err := st.ClaimRuns(ctx, owner, 3, t0.Add(time.Hour), nil)
					if err != nil {
						t.Errorf("ClaimRuns %s: %v", owner, err)
						return
					}
					if len(rs) == 0 {
						return
					}
					mu.Lock()
					for _, r := range rs {
						if prev, dup := claimed[r.ID]; dup {
							t.Errorf("run %s claimed by %s and %s", r.ID, prev, owner)
						}
						claimed[r.ID] = owner
						if r.Owner != owner || r.Attempts != 1 {
							t.Errorf("claimed %+v", r)
						}
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(claimed) != want {
		t.Fatalf("%d runs claimed, want %d", len(claimed), want)
	}
	rs, _, err := stores[0].ListRuns(ctx, "acme", db.RunFilter{Status: db.RunQueued}, db.Page{})
	ok(t, err, "ListRuns")
	if len(rs) != 0 {
		t.Fatalf("%d runs still queued", len(rs))
	}
	for id, owner := range claimed {
		r, err := stores[0].GetRun(ctx, "acme", id)
		ok(t, err, "GetRun")
		if r.Owner != owner || r.Status != db.RunRunning {
			t.Fatalf("run %s: owner %s status %s, claimed by %s", id, r.Owner, r.Status, owner)
		}
	}
}

func testConcurrentClaims(t *testing.T, e *env) {
	const n = 200
	for i := range n {
		queue(t, e.st, "acme", fmt.Sprintf("run-%03d", i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	claimAll(t, []db.Store{e.st}, 20, n)
}

func testClaimsTwoStores(t *testing.T, e *env) {
	const n = 150
	for i := range n {
		queue(t, e.st, "acme", fmt.Sprintf("run-%03d", i), t0)
	}
	claimAll(t, []db.Store{e.st, e.another(t)}, 5, n)
}

func testClaimExpired(t *testing.T, e *env) {
	ctx := t.Context()
	running(t, e.st, "acme", "early", "dead", t0.Add(time.Minute))
	running(t, e.st, "acme", "late", "dead", t0.Add(time.Hour))
	running(t, e.st, "acme", "alive", "srv-1", t0.Add(48*time.Hour))
	queue(t, e.st, "acme", "queued", t0)

	rs, err := e.st.ClaimExpired(ctx, "srv-2", 10, t0, t0.Add(2*time.Hour))
	ok(t, err, "ClaimExpired before any lease ends")
	if len(rs) != 0 {
		t.Fatalf("claimed %v", runIDs(rs))
	}
	rs, err = e.st.ClaimExpired(ctx, "srv-2", 10, t0.Add(2*time.Minute), t0.Add(2*time.Hour))
	ok(t, err, "ClaimExpired")
	eq(t, "expired", runIDs(rs), []string{"early"})
	r := rs[0]
	if r.Owner != "srv-2" || r.Attempts != 2 || r.Status != db.RunRunning {
		t.Fatalf("reclaimed = %+v", r)
	}
	sameTime(t, "StartedAt kept", r.StartedAt, t0)
	sameTime(t, "LeaseUntil", r.LeaseUntil, t0.Add(2*time.Hour))

	// A restarted single server takes every running run with a far-future now.
	rs, err = e.st.ClaimExpired(ctx, "srv-3", 10, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), t0.Add(3*time.Hour))
	ok(t, err, "ClaimExpired far future")
	eq(t, "all running", sortedIDs(rs), []string{"alive", "early", "late"})
	rs, err = e.st.ClaimExpired(ctx, "srv-3", 0, t0, t0)
	ok(t, err, "ClaimExpired 0")
	if len(rs) != 0 {
		t.Fatal("ClaimExpired 0 claimed")
	}
}

func sortedIDs(rs []*db.Run) []string {
	s := runIDs(rs)
	sort.Strings(s)
	return s
}

func testRenewLeases(t *testing.T, e *env) {
	ctx := t.Context()
	running(t, e.st, "acme", "a", "srv-1", t0)
	running(t, e.st, "beta", "b", "srv-1", t0)
	running(t, e.st, "acme", "c", "srv-2", t0)
	_, err := e.st.RequestCancel(ctx, "beta", "b", t0)
	ok(t, err, "RequestCancel")
	lease := t0.Add(time.Hour)
	cancel, err := e.st.RenewLeases(ctx, "srv-1", lease)
	ok(t, err, "RenewLeases")
	eq(t, "cancel", cancel, []string{"b"})
	for _, c := range []struct{ tenant, id string }{{"acme", "a"}, {"beta", "b"}} {
		r, err := e.st.GetRun(ctx, c.tenant, c.id)
		ok(t, err, "GetRun")
		sameTime(t, "renewed lease", r.LeaseUntil, lease)
	}
	r, _ := e.st.GetRun(ctx, "acme", "c")
	sameTime(t, "other owner's lease", r.LeaseUntil, t0)
	cancel, err = e.st.RenewLeases(ctx, "nobody", lease)
	ok(t, err, "RenewLeases of none")
	if len(cancel) != 0 {
		t.Fatalf("cancel = %v", cancel)
	}
}

func testRequestCancel(t *testing.T, e *env) {
	ctx := t.Context()
	queue(t, e.st, "acme", "q", t0)
	running(t, e.st, "acme", "r", "srv-1", t0.Add(time.Hour))
	at := t0.Add(time.Minute)
	c, err := e.st.RequestCancel(ctx, "acme", "q", at)
	ok(t, err, "RequestCancel queued")
	if c.Status != db.RunCanceled || !c.CancelRequested {
		t.Fatalf("canceled queued run = %+v", c)
	}
	sameTime(t, "EndedAt", c.EndedAt, at)
	got, _ := e.st.GetRun(ctx, "acme", "q")
	eq(t, "stored", got, c)
	rs, err := e.st.ClaimRuns(ctx, "srv-1", 10, at, nil)
	ok(t, err, "ClaimRuns")
	if len(rs) != 0 {
		t.Fatal("a canceled run was claimed")
	}

	c, err = e.st.RequestCancel(ctx, "acme", "r", at)
	ok(t, err, "RequestCancel running")
	if c.Status != db.RunRunning || !c.CancelRequested || !c.EndedAt.IsZero() {
		t.Fatalf("cancel-requested running run = %+v", c)
	}
	_, err = e.st.RequestCancel(ctx, "acme", "r", at)
	ok(t, err, "RequestCancel running again")

	_, err = e.st.RequestCancel(ctx, "acme", "q", at)
	is(t, err, db.ErrConflict, "RequestCancel ended")
	_, err = e.st.RequestCancel(ctx, "acme", "nope", at)
	is(t, err, db.ErrNotFound, "RequestCancel missing")
}

func testCommit(t *testing.T, e *env) {
	ctx := t.Context()
	running(t, e.st, "acme", "r1", "srv-1", t0.Add(time.Hour))
	running(t, e.st, "acme", "r2", "srv-1", t0.Add(time.Hour))
	_, _, err := e.st.CreateRun(ctx, &db.Run{ID: "r3", Tenant: "acme", Workflow: "wf", Owner: "srv-1",
		Packages: json.RawMessage(`{"orig":1}`)})
	ok(t, err, "CreateRun r3")
	ev := func(run string, seq int64) db.Event {
		return db.Event{RunID: run, Seq: seq, Data: fmt.Appendf(nil, `{"seq":%d,"run":%q}`, seq, run)}
	}
	var b db.Batch
	for i := int64(1); i <= 100; i++ {
		b.Events = append(b.Events, ev("r1", i))
	}
	b.Events = append(b.Events, ev("r2", 1), ev("r2", 2))
	ended := t0.Add(2 * time.Minute)
	b.Ends = []db.RunEnd{
		{Tenant: "acme", RunID: "r1", Status: db.RunFailure, Error: "boom", Blackboard: json.RawMessage(`{"out":2}`),
			Packages: json.RawMessage(`{"resolved":1}`), EndedAt: ended, Owner: "srv-1"},
		{Tenant: "acme", RunID: "r3", Status: db.RunInterrupted, Owner: "srv-1"},
	}
	ok(t, e.st.Commit(ctx, &b), "Commit")

	r, err := e.st.GetRun(ctx, "acme", "r1")
	ok(t, err, "GetRun")
	if r.Status != db.RunFailure || r.Error != "boom" || string(r.Blackboard) != `{"out":2}` || string(r.Packages) != `{"resolved":1}` {
		t.Fatalf("ended run = %+v", r)
	}
	sameTime(t, "EndedAt", r.EndedAt, ended)
	r, _ = e.st.GetRun(ctx, "acme", "r3")
	if r.Status != db.RunInterrupted || string(r.Packages) != `{"orig":1}` || r.EndedAt.IsZero() {
		t.Fatalf("r3 (end without Packages) = %+v", r)
	}
	r, _ = e.st.GetRun(ctx, "acme", "r2")
	if r.Status != db.RunRunning {
		t.Fatalf("r2 = %s", r.Status)
	}
	evs, err := e.st.Events(ctx, "acme", "r1", 0, 0)
	ok(t, err, "Events")
	if len(evs) != 100 {
		t.Fatalf("%d events", len(evs))
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.RunID != "r1" || string(e.Data) != fmt.Sprintf(`{"seq":%d,"run":"r1"}`, i+1) {
			t.Fatalf("event %d = %+v %s", i, e, e.Data)
		}
	}
	n, err := e.st.LastSeq(ctx, "r1")
	ok(t, err, "LastSeq")
	if n != 100 {
		t.Fatalf("LastSeq = %d", n)
	}
	n, err = e.st.LastSeq(ctx, "r2")
	ok(t, err, "LastSeq r2")
	if n != 2 {
		t.Fatalf("LastSeq r2 = %d", n)
	}
	n, err = e.st.LastSeq(ctx, "none")
	ok(t, err, "LastSeq none")
	if n != 0 {
		t.Fatalf("LastSeq none = %d", n)
	}
	ok(t, e.st.Commit(ctx, &db.Batch{}), "Commit empty")
	ok(t, e.st.Commit(ctx, &db.Batch{Ends: []db.RunEnd{{Tenant: "acme", RunID: "r2", Status: db.RunSuccess, Owner: "srv-1"}}}), "Commit an end alone")
	r, _ = e.st.GetRun(ctx, "acme", "r2")
	if r.Status != db.RunSuccess || r.EndedAt.IsZero() || r.Blackboard != nil {
		t.Fatalf("r2 = %+v", r)
	}
}

func testCommitConflicts(t *testing.T, e *env) {
	ctx := t.Context()
	running(t, e.st, "acme", "mine", "srv-1", t0.Add(time.Hour))
	running(t, e.st, "acme", "taken", "srv-2", t0.Add(time.Hour)) // reclaimed by srv-2
	running(t, e.st, "acme", "done", "srv-1", t0.Add(time.Hour))
	queue(t, e.st, "acme", "queued", t0)
	ok(t, e.st.Commit(ctx, &db.Batch{
		Events: []db.Event{{RunID: "done", Seq: 1, Data: json.RawMessage(`{}`)}},
		Ends:   []db.RunEnd{{Tenant: "acme", RunID: "done", Status: db.RunSuccess, Owner: "srv-1", EndedAt: t0}},
	}), "Commit done")

	err := e.st.Commit(ctx, &db.Batch{
		Events: []db.Event{
			{RunID: "mine", Seq: 1, Data: json.RawMessage(`{"a":1}`)},
			{RunID: "done", Seq: 1, Data: json.RawMessage(`{"dup":true}`)}, // stored already
			{RunID: "taken", Seq: 1, Data: json.RawMessage(`{"t":1}`)},
		},
		Ends: []db.RunEnd{
			{Tenant: "acme", RunID: "taken", Status: db.RunSuccess, Owner: "srv-1"},
			// Two ends of one run: in batch order, the first that applies wins.
			{Tenant: "beta", RunID: "mine", Status: db.RunFailure, Owner: "srv-1"},
			{Tenant: "acme", RunID: "mine", Status: db.RunSuccess, Owner: "srv-1"},
			{Tenant: "acme", RunID: "mine", Status: db.RunInterrupted, Owner: "srv-1"},
			{Tenant: "acme", RunID: "done", Status: db.RunFailure, Owner: "srv-1"},
			{Tenant: "acme", RunID: "queued", Status: db.RunFailure, Owner: "srv-1"},
		},
	})
	is(t, err, db.ErrConflict, "Commit with stale ends")
	var cc *db.CommitConflict
	if !errors.As(err, &cc) {
		t.Fatalf("err = %T, want *db.CommitConflict", err)
	}
	eq(t, "skipped", cc.SkippedEnds, []string{"done", "mine", "mine", "queued", "taken"})
	if cc.DroppedEvents != 1 {
		t.Fatalf("DroppedEvents = %d", cc.DroppedEvents)
	}
	// The rest committed.
	r, _ := e.st.GetRun(ctx, "acme", "mine")
	if r.Status != db.RunSuccess {
		t.Fatalf("mine = %s", r.Status)
	}
	r, _ = e.st.GetRun(ctx, "acme", "taken")
	if r.Status != db.RunRunning || r.Owner != "srv-2" {
		t.Fatalf("taken = %s %s", r.Status, r.Owner)
	}
	r, _ = e.st.GetRun(ctx, "acme", "done")
	if r.Status != db.RunSuccess {
		t.Fatalf("done = %s", r.Status)
	}
	evs, _ := e.st.Events(ctx, "acme", "done", 0, 0)
	if len(evs) != 1 || string(evs[0].Data) != `{}` {
		t.Fatalf("done's events = %+v", evs)
	}
	evs, _ = e.st.Events(ctx, "acme", "mine", 0, 0)
	if len(evs) != 1 {
		t.Fatalf("mine's events = %+v", evs)
	}

	// A batch with a non-final status writes nothing and is no conflict.
	err = e.st.Commit(ctx, &db.Batch{
		Events: []db.Event{{RunID: "taken", Seq: 2, Data: json.RawMessage(`{}`)}},
		Ends:   []db.RunEnd{{Tenant: "acme", RunID: "taken", Status: db.RunRunning, Owner: "srv-2"}},
	})
	if err == nil || errors.Is(err, db.ErrConflict) {
		t.Fatalf("Commit with a non-final status: %v", err)
	}
	n, _ := e.st.LastSeq(ctx, "taken")
	if n != 1 {
		t.Fatalf("LastSeq(taken) = %d after a refused batch", n)
	}
}

// testCommitMany commits more events and ends than one statement takes.
func testCommitMany(t *testing.T, e *env) {
	ctx := t.Context()
	const runs = 150
	var b db.Batch
	for i := range runs {
		id := fmt.Sprintf("r%03d", i)
		running(t, e.st, "acme", id, "srv", t0.Add(time.Hour))
		for seq := int64(1); seq <= 3; seq++ {
			b.Events = append(b.Events, db.Event{RunID: id, Seq: seq, Data: fmt.Appendf(nil, `{"s":%d}`, seq)})
		}
		b.Ends = append(b.Ends, db.RunEnd{Tenant: "acme", RunID: id, Status: db.RunSuccess, Owner: "srv",
			Blackboard: fmt.Appendf(nil, `{"i":%d}`, i)})
	}
	ok(t, e.st.Commit(ctx, &b), "Commit")
	rs, _, err := e.st.ListRuns(ctx, "acme", db.RunFilter{Status: db.RunSuccess}, db.Page{Limit: db.MaxLimit})
	ok(t, err, "ListRuns")
	if len(rs) != runs {
		t.Fatalf("%d runs ended, want %d", len(rs), runs)
	}
	for _, r := range rs {
		var i int
		fmt.Sscanf(r.ID, "r%03d", &i)
		if string(r.Blackboard) != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("run %s blackboard %s", r.ID, r.Blackboard)
		}
		if n, _ := e.st.LastSeq(ctx, r.ID); n != 3 {
			t.Fatalf("run %s LastSeq %d", r.ID, n)
		}
	}
}

// testCommitWhileRenewing ends an owner's runs in batches while the same
// owner renews its leases, another server looks for expired runs, and
// cancels arrive: nothing deadlocks, fails or gets lost.
func testCommitWhileRenewing(t *testing.T, e *env) {
	ctx := t.Context()
	other := e.another(t)
	const runs = 120
	for i := range runs {
		running(t, e.st, "acme", fmt.Sprintf("r%03d", i), "srv", t0.Add(time.Hour))
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := e.st.RenewLeases(ctx, "srv", t0.Add(2*time.Hour)); err != nil {
				t.Errorf("RenewLeases: %v", err)
				return
			}
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if rs, err := other.ClaimExpired(ctx, "thief", 5, t0, t0.Add(time.Hour)); err != nil || len(rs) != 0 {
				t.Errorf("ClaimExpired: %d, %v", len(rs), err)
				return
			}
		}
	})
	wg.Go(func() {
		for i := 0; i < runs; i += 7 {
			// ErrConflict when the run ended first.
			if _, err := other.RequestCancel(ctx, "acme", fmt.Sprintf("r%03d", i), t0); err != nil && !errors.Is(err, db.ErrConflict) {
				t.Errorf("RequestCancel: %v", err)
				return
			}
		}
	})
	var commits sync.WaitGroup
	for w := range 3 {
		commits.Go(func() {
			for i := w * 10; i < runs; i += 30 {
				var b db.Batch
				for j := i; j < i+10; j++ {
					id := fmt.Sprintf("r%03d", j)
					b.Events = append(b.Events, db.Event{RunID: id, Seq: 1, Data: json.RawMessage(`{}`)})
					b.Ends = append(b.Ends, db.RunEnd{Tenant: "acme", RunID: id, Status: db.RunSuccess, Owner: "srv"})
				}
				if err := e.st.Commit(ctx, &b); err != nil {
					t.Errorf("Commit: %v", err)
					return
				}
			}
		})
	}
	commits.Wait()
	close(done)
	wg.Wait()
	rs, _, err := e.st.ListRuns(ctx, "acme", db.RunFilter{Status: db.RunSuccess}, db.Page{Limit: db.MaxLimit})
	ok(t, err, "ListRuns")
	if len(rs) != runs {
		t.Fatalf("%d runs ended, want %d", len(rs), runs)
	}
}

func testEvents(t *testing.T, e *env) {
	ctx := t.Context()
	running(t, e.st, "acme", "r", "srv-1", t0)
	running(t, e.st, "acme", "empty", "srv-1", t0)
	var b db.Batch
	for i := int64(1); i <= 10; i++ {
		b.Events = append(b.Events, db.Event{RunID: "r", Seq: i, Data: fmt.Appendf(nil, `{"i":%d}`, i)})
	}
	ok(t, e.st.Commit(ctx, &b), "Commit")
	seqs := func(evs []db.Event) []int64 {
		out := []int64{}
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	evs, err := e.st.Events(ctx, "acme", "r", 3, 4)
	ok(t, err, "Events")
	eq(t, "after 3, 4", seqs(evs), []int64{4, 5, 6, 7})
	evs, err = e.st.Events(ctx, "acme", "r", 8, 100)
	ok(t, err, "Events tail")
	eq(t, "after 8", seqs(evs), []int64{9, 10})
	evs, err = e.st.Events(ctx, "acme", "r", 10, 0)
	ok(t, err, "Events none left")
	if len(evs) != 0 {
		t.Fatalf("after 10: %v", seqs(evs))
	}
	evs, err = e.st.Events(ctx, "acme", "empty", 0, 10)
	ok(t, err, "Events of a run without events")
	if len(evs) != 0 {
		t.Fatal("events of an empty run")
	}
	_, err = e.st.Events(ctx, "acme", "nope", 0, 10)
	is(t, err, db.ErrNotFound, "Events of no run")
	_, err = e.st.Events(ctx, "beta", "r", 0, 10)
	is(t, err, db.ErrNotFound, "Events of another tenant's run")
}

func testSecrets(t *testing.T, e *env) {
	ctx := t.Context()
	exp := t0.Add(24 * time.Hour)
	ok(t, e.st.PutSecret(ctx, &db.Secret{Tenant: "acme", Name: "B", Value: "v1", ExpiresAt: exp, UpdatedAt: t0}), "PutSecret")
	ok(t, e.st.PutSecret(ctx, &db.Secret{Tenant: "acme", Name: "A", Value: "a"}), "PutSecret A")
	s, err := e.st.GetSecret(ctx, "acme", "B")
	ok(t, err, "GetSecret")
	if s.Value != "v1" {
		t.Fatalf("value %q", s.Value)
	}
	sameTime(t, "ExpiresAt", s.ExpiresAt, exp)
	sameTime(t, "UpdatedAt", s.UpdatedAt, t0)
	ok(t, e.st.PutSecret(ctx, &db.Secret{Tenant: "acme", Name: "B", Value: "v2", UpdatedAt: t0.Add(time.Hour)}), "PutSecret replace")
	s, _ = e.st.GetSecret(ctx, "acme", "B")
	if s.Value != "v2" || !s.ExpiresAt.IsZero() {
		t.Fatalf("replaced = %+v", s)
	}
	sameTime(t, "UpdatedAt", s.UpdatedAt, t0.Add(time.Hour))
	list, err := e.st.ListSecrets(ctx, "acme")
	ok(t, err, "ListSecrets")
	eq(t, "names", ids(list, func(s *db.Secret) string { return s.Name }), []string{"A", "B"})
	for _, s := range list {
		if s.Value != "" || s.UpdatedAt.IsZero() {
			t.Fatalf("listed %+v", s)
		}
	}
	ok(t, e.st.DeleteSecret(ctx, "acme", "A"), "DeleteSecret")
	is(t, e.st.DeleteSecret(ctx, "acme", "A"), db.ErrNotFound, "DeleteSecret again")
	_, err = e.st.GetSecret(ctx, "acme", "A")
	is(t, err, db.ErrNotFound, "GetSecret deleted")
}

func testTriggers(t *testing.T, e *env) {
	ctx := t.Context()
	sched := &db.Trigger{ID: "t1", Tenant: "acme", Workflow: "wf", Type: db.TriggerSchedule, Cron: "*/5 * * * *",
		Timezone: "Europe/Paris", Inputs: json.RawMessage(`{"a":1}`), Overlap: db.OverlapSkip, NextFire: t0, CreatedAt: t0}
	ok(t, e.st.CreateTrigger(ctx, sched), "CreateTrigger")
	is(t, e.st.CreateTrigger(ctx, &db.Trigger{ID: "t1", Tenant: "acme", Workflow: "wf"}), db.ErrExists, "CreateTrigger same id")
	hook := &db.Trigger{Tenant: "acme", Workflow: "other", Type: db.TriggerWebhook, Secret: "hmac", CreatedAt: t0.Add(time.Second)}
	ok(t, e.st.CreateTrigger(ctx, hook), "CreateTrigger webhook")
	if hook.ID == "" {
		t.Fatal("no id")
	}
	later := &db.Trigger{ID: "t3", Tenant: "acme", Workflow: "wf", Type: db.TriggerSchedule, NextFire: t0.Add(time.Hour), CreatedAt: t0.Add(2 * time.Second)}
	ok(t, e.st.CreateTrigger(ctx, later), "CreateTrigger later")

	got, err := e.st.GetTrigger(ctx, "t1")
	ok(t, err, "GetTrigger")
	eq(t, "stored trigger", got, sched)
	got, err = e.st.GetTrigger(ctx, hook.ID)
	ok(t, err, "GetTrigger webhook")
	if got.Secret != "hmac" || got.Inputs != nil || !got.NextFire.IsZero() {
		t.Fatalf("webhook = %+v", got)
	}
	_, err = e.st.GetTrigger(ctx, "nope")
	is(t, err, db.ErrNotFound, "GetTrigger missing")

	list, err := e.st.ListTriggers(ctx, "acme", "wf")
	ok(t, err, "ListTriggers wf")
	eq(t, "wf's", ids(list, func(t *db.Trigger) string { return t.ID }), []string{"t1", "t3"})
	list, err = e.st.ListTriggers(ctx, "acme", "")
	ok(t, err, "ListTriggers all")
	eq(t, "all", ids(list, func(t *db.Trigger) string { return t.ID }), []string{"t1", hook.ID, "t3"})

	due, err := e.st.DueTriggers(ctx, t0.Add(time.Minute))
	ok(t, err, "DueTriggers")
	eq(t, "due", ids(due, func(t *db.Trigger) string { return t.ID }), []string{"t1"})
	won, err := e.st.AdvanceTrigger(ctx, "t1", t0, t0.Add(5*time.Minute))
	ok(t, err, "AdvanceTrigger")
	if !won {
		t.Fatal("AdvanceTrigger: lost")
	}
	won, err = e.another(t).AdvanceTrigger(ctx, "t1", t0, t0.Add(5*time.Minute))
	ok(t, err, "AdvanceTrigger again")
	if won {
		t.Fatal("AdvanceTrigger from the old time won twice")
	}
	won, err = e.st.AdvanceTrigger(ctx, "nope", t0, t0)
	ok(t, err, "AdvanceTrigger missing")
	if won {
		t.Fatal("AdvanceTrigger of no trigger won")
	}
	due, _ = e.st.DueTriggers(ctx, t0.Add(time.Minute))
	if len(due) != 0 {
		t.Fatalf("still due: %v", ids(due, func(t *db.Trigger) string { return t.ID }))
	}
	due, _ = e.st.DueTriggers(ctx, t0.Add(2*time.Hour))
	eq(t, "due later", ids(due, func(t *db.Trigger) string { return t.ID }), []string{"t1", "t3"})

	n, err := e.st.ActiveRunsOfTrigger(ctx, "t1")
	ok(t, err, "ActiveRunsOfTrigger")
	if n != 0 {
		t.Fatalf("active = %d", n)
	}
	for i, owner := range []string{"", "srv", "srv", ""} {
		_, _, err := e.st.CreateRun(ctx, &db.Run{ID: fmt.Sprint("r", i), Tenant: "acme", Workflow: "wf", Trigger: "t1", Owner: owner})
		ok(t, err, "CreateRun")
	}
	queue(t, e.st, "acme", "untriggered", t0)
	ok(t, e.st.Commit(ctx, &db.Batch{Ends: []db.RunEnd{{Tenant: "acme", RunID: "r2", Status: db.RunSuccess, Owner: "srv"}}}), "Commit")
	_, err = e.st.RequestCancel(ctx, "acme", "r3", t0)
	ok(t, err, "RequestCancel")
	n, err = e.st.ActiveRunsOfTrigger(ctx, "t1")
	ok(t, err, "ActiveRunsOfTrigger")
	if n != 2 {
		t.Fatalf("active = %d, want 2", n)
	}
	n, _ = e.st.ActiveRunsOfTrigger(ctx, "")
	if n != 0 {
		t.Fatalf("active runs of no trigger = %d", n)
	}

	ok(t, e.st.DeleteTrigger(ctx, "acme", "t1"), "DeleteTrigger")
	is(t, e.st.DeleteTrigger(ctx, "acme", "t1"), db.ErrNotFound, "DeleteTrigger again")
	_, err = e.st.GetTrigger(ctx, "t1")
	is(t, err, db.ErrNotFound, "GetTrigger deleted")
}

func testTrustedKeys(t *testing.T, e *env) {
	ctx := t.Context()
	ok(t, e.st.PutTrustedKey(ctx, &db.TrustedKey{Tenant: "acme", ID: "BBBB", PublicKey: "pk-b", Comment: "b", CreatedAt: t0}), "PutTrustedKey")
	ok(t, e.st.PutTrustedKey(ctx, &db.TrustedKey{Tenant: "acme", ID: "AAAA", PublicKey: "pk-a"}), "PutTrustedKey A")
	ok(t, e.st.PutTrustedKey(ctx, &db.TrustedKey{Tenant: "acme", ID: "BBBB", PublicKey: "pk-b2", Comment: "b2", CreatedAt: t0.Add(time.Hour)}), "PutTrustedKey replace")
	ks, err := e.st.ListTrustedKeys(ctx, "acme")
	ok(t, err, "ListTrustedKeys")
	eq(t, "ids", ids(ks, func(k *db.TrustedKey) string { return k.ID }), []string{"AAAA", "BBBB"})
	if ks[1].PublicKey != "pk-b2" || ks[1].Comment != "b2" {
		t.Fatalf("replaced key = %+v", ks[1])
	}
	sameTime(t, "CreatedAt kept", ks[1].CreatedAt, t0)
	ok(t, e.st.DeleteTrustedKey(ctx, "acme", "AAAA"), "DeleteTrustedKey")
	is(t, e.st.DeleteTrustedKey(ctx, "acme", "AAAA"), db.ErrNotFound, "DeleteTrustedKey again")
	ks, _ = e.st.ListTrustedKeys(ctx, "acme")
	if len(ks) != 1 {
		t.Fatalf("%d keys", len(ks))
	}
}

// testCrossTenant: every tenant-scoped lookup of tenant acme's objects by
// tenant beta answers ErrNotFound, exactly as for a missing one, and
// changes nothing.
func testCrossTenant(t *testing.T, e *env) {
	ctx := t.Context()
	st := e.st
	tenant(t, st, "acme")
	tenant(t, st, "beta")
	v1 := createPkg(t, st, "acme", "p", "1.0.0", t0)
	v2 := createPkg(t, st, "acme", "p", "2.0.0", t0)
	_, err := st.Activate(ctx, "acme", v1.ID, t0)
	ok(t, err, "Activate")
	_, err = st.Activate(ctx, "acme", v2.ID, t0)
	ok(t, err, "Activate")
	_, _, err = st.PutWorkflowVersion(ctx, &db.WorkflowVersion{Tenant: "acme", Workflow: "wf", Source: []byte("x")})
	ok(t, err, "PutWorkflowVersion")
	running(t, st, "acme", "run", "srv", t0.Add(time.Hour))
	queue(t, st, "acme", "queued", t0)
	ok(t, st.Commit(ctx, &db.Batch{Events: []db.Event{{RunID: "run", Seq: 1, Data: json.RawMessage(`{}`)}}}), "Commit")
	ok(t, st.PutSecret(ctx, &db.Secret{Tenant: "acme", Name: "S", Value: "v"}), "PutSecret")
	ok(t, st.CreateTrigger(ctx, &db.Trigger{ID: "trg", Tenant: "acme", Workflow: "wf", Type: db.TriggerWebhook}), "CreateTrigger")
	ok(t, st.PutTrustedKey(ctx, &db.TrustedKey{Tenant: "acme", ID: "K", PublicKey: "pk"}), "PutTrustedKey")

	const b = "beta"
	notFound := map[string]func() error{
		"GetPackageVersion": func() error { _, err := st.GetPackageVersion(ctx, b, v1.ID); return err },
		"Activate":          func() error { _, err := st.Activate(ctx, b, v1.ID, t0); return err },
		"Deprecate":         func() error { _, err := st.Deprecate(ctx, b, v2.ID, "x"); return err },
		"Rollback":          func() error { _, err := st.Rollback(ctx, b, "p", t0); return err },
		"GetWorkflowVersion": func() error {
			_, err := st.GetWorkflowVersion(ctx, b, "wf", 0)
			return err
		},
		"GetWorkflowVersion 1": func() error { _, err := st.GetWorkflowVersion(ctx, b, "wf", 1); return err },
		"GetWorkflow":          func() error { _, err := st.GetWorkflow(ctx, b, "wf"); return err },
		"ListWorkflowVersions": func() error { _, _, err := st.ListWorkflowVersions(ctx, b, "wf", db.Page{}); return err },
		"ArchiveWorkflow":      func() error { return st.ArchiveWorkflow(ctx, b, "wf") },
		"GetRun":               func() error { _, err := st.GetRun(ctx, b, "run"); return err },
		"RequestCancel":        func() error { _, err := st.RequestCancel(ctx, b, "run", t0); return err },
		"RequestCancel queued": func() error { _, err := st.RequestCancel(ctx, b, "queued", t0); return err },
		"Events":               func() error { _, err := st.Events(ctx, b, "run", 0, 10); return err },
		"GetSecret":            func() error { _, err := st.GetSecret(ctx, b, "S"); return err },
		"DeleteSecret":         func() error { return st.DeleteSecret(ctx, b, "S") },
		"DeleteTrigger":        func() error { return st.DeleteTrigger(ctx, b, "trg") },
		"DeleteTrustedKey":     func() error { return st.DeleteTrustedKey(ctx, b, "K") },
	}
	for name, f := range notFound {
		is(t, f(), db.ErrNotFound, name+" of another tenant")
	}
	empty := map[string]func() (int, error){
		"PackageVersions": func() (int, error) { vs, err := st.PackageVersions(ctx, b, "p"); return len(vs), err },
		"ListPackageVersions": func() (int, error) {
			vs, _, err := st.ListPackageVersions(ctx, b, db.PackageFilter{}, db.Page{})
			return len(vs), err
		},
		"ListWorkflows": func() (int, error) { ws, _, err := st.ListWorkflows(ctx, b, db.Page{}); return len(ws), err },
		"ListRuns": func() (int, error) {
			rs, _, err := st.ListRuns(ctx, b, db.RunFilter{}, db.Page{})
			return len(rs), err
		},
		"ListSecrets":     func() (int, error) { ss, err := st.ListSecrets(ctx, b); return len(ss), err },
		"ListTriggers":    func() (int, error) { ts, err := st.ListTriggers(ctx, b, ""); return len(ts), err },
		"ListTrustedKeys": func() (int, error) { ks, err := st.ListTrustedKeys(ctx, b); return len(ks), err },
	}
	for name, f := range empty {
		n, err := f()
		ok(t, err, name)
		if n != 0 {
			t.Fatalf("%s of another tenant: %d items", name, n)
		}
	}
	err = st.Commit(ctx, &db.Batch{Ends: []db.RunEnd{{Tenant: b, RunID: "run", Status: db.RunSuccess, Owner: "srv"}}})
	is(t, err, db.ErrConflict, "Commit of another tenant's run's end")

	// Nothing changed.
	r, _ := st.GetRun(ctx, "acme", "run")
	if r.Status != db.RunRunning || r.CancelRequested {
		t.Fatalf("run = %+v", r)
	}
	r, _ = st.GetRun(ctx, "acme", "queued")
	if r.Status != db.RunQueued {
		t.Fatalf("queued = %s", r.Status)
	}
	w, _ := st.GetWorkflow(ctx, "acme", "wf")
	if w.Archived {
		t.Fatal("archived by another tenant")
	}
	v, _ := st.GetPackageVersion(ctx, "acme", v2.ID)
	if v.Status != db.StatusActive {
		t.Fatalf("v2 = %s", v.Status)
	}
	if _, err := st.GetSecret(ctx, "acme", "S"); err != nil {
		t.Fatal("secret gone")
	}
	if _, err := st.GetTrigger(ctx, "trg"); err != nil {
		t.Fatal("trigger gone")
	}
	if ks, _ := st.ListTrustedKeys(ctx, "acme"); len(ks) != 1 {
		t.Fatal("key gone")
	}
}

func testReopen(t *testing.T, e *env) {
	ctx := t.Context()
	first, err := db.Open(ctx, e.dsn)
	ok(t, err, "Open")
	tenant(t, first, "acme")
	queue(t, first, "acme", "r", t0)
	ok(t, first.Close(), "Close")
	// Open migrates again: a no-op on an up-to-date schema.
	for _, s := range []db.Store{e.another(t), e.another(t)} {
		if _, err := s.GetTenant(ctx, "acme"); err != nil {
			t.Fatalf("GetTenant after reopen: %v", err)
		}
		if _, err := s.GetRun(ctx, "acme", "r"); err != nil {
			t.Fatalf("GetRun after reopen: %v", err)
		}
		v, err := s.GetMeta(ctx, db.MetaSchemaVersion)
		ok(t, err, "GetMeta")
		eq(t, "schema version", v, "1")
	}
}

func dbtestPostgresUnset() bool { return os.Getenv(dbtest.EnvPostgres) == "" }

func testBadCursor(t *testing.T, e *env) {
	ctx := t.Context()
	for _, c := range []string{"!!", "bm90IGpzb24"} { // not base64; not JSON
		_, _, err := e.st.ListRuns(ctx, "acme", db.RunFilter{}, db.Page{Cursor: c})
		is(t, err, db.ErrBadCursor, "ListRuns "+c)
		_, _, err = e.st.ListTenants(ctx, db.Page{Cursor: c})
		is(t, err, db.ErrBadCursor, "ListTenants "+c)
	}
}

func testTimes(t *testing.T, e *env) {
	ctx := t.Context()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	at := time.Date(2031, 7, 8, 9, 10, 11, 987654321, paris)
	ok(t, e.st.CreateTenant(ctx, &db.Tenant{ID: "tz", CreatedAt: at}), "CreateTenant")
	got, err := e.st.GetTenant(ctx, "tz")
	ok(t, err, "GetTenant")
	sameTime(t, "nanosecond time in UTC", got.CreatedAt, at)
	if got.CreatedAt.Location() != time.UTC {
		t.Fatalf("location %v", got.CreatedAt.Location())
	}
	r := running(t, e.st, "tz", "r", "srv", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	if !r.LeaseUntil.After(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a far-future lease reads back as %v", r.LeaseUntil)
	}
	rs, err := e.st.ClaimExpired(ctx, "other", 10, time.Now(), time.Now())
	ok(t, err, "ClaimExpired")
	if len(rs) != 0 {
		t.Fatal("a far-future lease expired")
	}
}

// ---- benchmark ----

// BenchmarkCommit commits batches of 12 runs, each 8 events and its end
// (96 events and 12 ends a transaction, as a busy server does); one op is
// one run. PostgreSQL too when WEFT_TEST_POSTGRES is set.
func BenchmarkCommit(b *testing.B) {
	for _, be := range dbtest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			if be.Name == "postgres" && dbtestPostgresUnset() {
				b.Skip("WEFT_TEST_POSTGRES is not set")
			}
			dsn := be.NewDSN(b)
			st := dbtest.Open(b, dsn)
			ctx := context.Background()
			const perBatch = 12
			n := b.N
			idsOf := make([]string, n)
			for i := range n {
				r, _, err := st.CreateRun(ctx, &db.Run{Tenant: "acme", Workflow: "wf", Owner: "srv", LeaseUntil: t0})
				if err != nil {
					b.Fatal(err)
				}
				idsOf[i] = r.ID
			}
			if be.Name == "postgres" {
				// As autovacuum would have by now: without statistics the
				// planner may scan the partial index of running runs, all
				// b.N of them here, instead of the primary key.
				analyze(b, dsn)
			}
			data := json.RawMessage(`{"type":"node_end","node":"fetch","status":"success","t":"2026-03-04T05:06:07.123456789Z","ms":12}`)
			b.ResetTimer()
			for i := 0; i < n; i += perBatch {
				var batch db.Batch
				for _, id := range idsOf[i:min(i+perBatch, n)] {
					for seq := int64(1); seq <= 8; seq++ {
						batch.Events = append(batch.Events, db.Event{RunID: id, Seq: seq, Data: data})
					}
					batch.Ends = append(batch.Ends, db.RunEnd{Tenant: "acme", RunID: id, Status: db.RunSuccess,
						Blackboard: json.RawMessage(`{"out":1}`), Owner: "srv"})
				}
				if err := st.Commit(ctx, &batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func analyze(b *testing.B, dsn string) {
	c, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCreateRun creates queued runs one at a time.
func BenchmarkCreateRun(b *testing.B) {
	for _, be := range dbtest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			if be.Name == "postgres" && dbtestPostgresUnset() {
				b.Skip("WEFT_TEST_POSTGRES is not set")
			}
			st := dbtest.Open(b, be.NewDSN(b))
			ctx := context.Background()
			in := json.RawMessage(`{"name":"world"}`)
			for b.Loop() {
				if _, _, err := st.CreateRun(ctx, &db.Run{Tenant: "acme", Workflow: "wf", Inputs: in}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
