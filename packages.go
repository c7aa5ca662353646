// Custom nodes: WebAssembly packages made usable for the engine's
// workflows, and how a workflow's PACKAGE_ID/NODE_ID[@VERSION] finds them.

package weft

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/capability/cache"
	"github.com/weft-dev/weft/internal/capability/secrets"
	"github.com/weft-dev/weft/internal/capability/state"
	"github.com/weft-dev/weft/internal/capability/storage"
	"github.com/weft-dev/weft/internal/customnode"
	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/store"
	"github.com/weft-dev/weft/internal/wasmhost"
	"github.com/weft-dev/weft/internal/workflow"
)

// PackageInfo describes a package the engine can run.
type PackageInfo struct {
	ID, Version, Digest string
	Nodes               []string // node types, PACKAGE_ID/NODE_ID
	// Instrumented is false when a module runs with wazero's slower
	// context checks because the instrumenter could not handle it.
	Instrumented bool
}

type loadedPackage struct {
	pkg     *wasmhost.Package
	version *semver.Version
	specs   map[string]*bt.Spec // by node id
}

// wasmHost returns the engine's WebAssembly host, creating it on first use.
func (e *Engine) wasmHost(ctx context.Context) (*wasmhost.Host, error) {
	e.pkgMu.Lock()
	defer e.pkgMu.Unlock()
	if e.host != nil {
		return e.host, nil
	}
	caps, err := e.capabilities(ctx)
	if err != nil {
		return nil, err
	}
	h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: filepath.Join(e.cfg.Home, "cache"), Logger: e.cfg.Logger,
		Capabilities: caps, PackageConfig: e.cfg.PackageConfig})
	if err != nil {
		return nil, fmt.Errorf("%w: starting the WebAssembly host: %w", ErrInternal, err)
	}
	e.host = h
	return h, nil
}

// DefaultStorageBytesPerPackage is the storage.* quota per tenant and
// package when Config sets none.
const DefaultStorageBytesPerPackage = 256 << 20

// capabilities builds the services behind the host operations, all under
// the engine's home: the cache (in memory, or in Home/cache.db with
// Config.PersistentCache), node state in the journal's
// database (so a stateful node survives a restart), storage directories and
// the secret store.
func (e *Engine) capabilities(ctx context.Context) (wasmhost.Capabilities, error) {
	db, err := e.database(ctx)
	if err != nil {
		return wasmhost.Capabilities{}, err
	}
	st, err := state.New(ctx, db.DB())
	if err != nil {
		return wasmhost.Capabilities{}, fmt.Errorf("%w: node state: %w", ErrInternal, err)
	}
	quota := e.cfg.StorageBytesPerPackage
	if quota == 0 {
		quota = DefaultStorageBytesPerPackage
	}
	// oauth.token asks with the run's tenant: Config.Secrets, or each
	// tenant's files under Home.
	var sec wasmhost.Secrets = secrets.OpenHome(e.cfg.Home)
	if e.cfg.Secrets != nil {
		sec = e.cfg.Secrets
	}
	var c wasmhost.Cache = cache.New(e.cfg.CacheBytesPerPackage)
	if pc, ok := e.cacheDB.(*cache.SQLite); ok { // opened by an earlier, failed start
		c = pc
	} else if e.cfg.PersistentCache {
		pc, err := cache.OpenSQLite(ctx, filepath.Join(e.cfg.Home, "cache.db"), e.cfg.CacheBytesPerPackage)
		if err != nil {
			return wasmhost.Capabilities{}, fmt.Errorf("%w: the node cache: %w", ErrInternal, err)
		}
		e.cacheDB, c = pc, pc
	}
	return wasmhost.Capabilities{
		Cache:              c,
		State:              st,
		Storage:            storage.New(filepath.Join(e.cfg.Home, "storage"), quota),
		Secrets:            sec,
		HostCallsPerSecond: e.cfg.HostCallsPerSecond,
	}, nil
}

// AddPackage makes the package at path (a folder with manifest.toml, a
// .weftpkg file, or a .wasm with its manifest beside it) usable by
// workflows loaded afterwards, as `weft run --package` does.
//
// # Errors
//
// An error wrapping ErrInvalid when the package, its manifest or a module
// is invalid, naming the file and the problem.
func (e *Engine) AddPackage(ctx context.Context, path string) (*PackageInfo, error) {
	p, err := pkgfile.Load(path)
	if err != nil {
		return nil, &invalidError{err}
	}
	lp, info, err := e.loadPackage(ctx, path, p)
	if err != nil {
		return nil, err
	}
	m := lp.pkg.Manifest
	e.pkgMu.Lock()
	defer e.pkgMu.Unlock()
	for _, other := range e.pkgs[m.ID] {
		if other.version.Equal(lp.version) {
			lp.pkg.Close(ctx)
			if other.pkg.Digest == lp.pkg.Digest {
				return info, nil
			}
			return nil, &invalidError{fmt.Errorf("%s: package %s %s is already loaded with different contents (%s)", path, m.ID, m.Version, other.pkg.Digest)}
		}
	}
	e.pkgs[m.ID] = append(e.pkgs[m.ID], lp)
	return info, nil
}

// CheckPackage loads the package at path exactly as a run would (manifest,
// modules, ABI) and unloads it, for `weft pkg build` and installs.
//
// # Errors
//
// As AddPackage.
func (e *Engine) CheckPackage(ctx context.Context, p *pkgfile.Package) (*PackageInfo, error) {
	lp, info, err := e.loadPackage(ctx, p.Source, p)
	if err != nil {
		return nil, err
	}
	lp.pkg.Close(ctx)
	return info, nil
}

// loadPackage loads a read package into the WebAssembly host and builds its
// node specs; source names it in errors.
func (e *Engine) loadPackage(ctx context.Context, source string, p *pkgfile.Package) (*loadedPackage, *PackageInfo, error) {
	h, err := e.wasmHost(ctx)
	if err != nil {
		return nil, nil, err
	}
	pkg, err := h.Load(ctx, p)
	if err != nil {
		if errors.Is(err, wasmhost.ErrInternal) {
			return nil, nil, fmt.Errorf("%w: %w", ErrInternal, err)
		}
		return nil, nil, &invalidError{fmt.Errorf("%s: %w", source, err)}
	}
	m := pkg.Manifest
	v, err := semver.StrictNewVersion(m.Version)
	if err != nil {
		pkg.Close(ctx)
		return nil, nil, &invalidError{fmt.Errorf("%s: version %q: %w", source, m.Version, err)}
	}
	if m.MinWeftVersion != "" {
		need, err := semver.StrictNewVersion(m.MinWeftVersion)
		if err == nil && need.GreaterThan(semver.MustParse(Version)) {
			pkg.Close(ctx)
			return nil, nil, &invalidError{fmt.Errorf("%s: package %s %s needs weft %s or newer; this is weft %s", source, m.ID, m.Version, need, Version)}
		}
	}
	lp := &loadedPackage{pkg: pkg, version: v, specs: map[string]*bt.Spec{}}
	info := &PackageInfo{ID: m.ID, Version: m.Version, Digest: pkg.Digest, Instrumented: pkg.Instrumented()}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		lp.specs[n.ID] = customnode.Spec(pkg, n)
		info.Nodes = append(info.Nodes, customnode.TypeName(m, n))
	}
	return lp, info, nil
}

// database returns the engine's SQLite database: the journal's, or, when
// runs are not journaled, the same file opened for node state and the
// package index only.
func (e *Engine) database(ctx context.Context) (*journal.Journal, error) {
	if e.journal != nil {
		return e.journal, nil
	}
	e.dbMu.Lock()
	defer e.dbMu.Unlock()
	if e.stateDB == nil {
		j, err := journal.Open(ctx, filepath.Join(e.cfg.Home, "weft.db"))
		if err != nil {
			return nil, fmt.Errorf("%w: opening the database: %w", ErrInternal, err)
		}
		e.stateDB = j
	}
	return e.stateDB, nil
}

// packageStore returns the store of installed packages, opening it on
// first use.
func (e *Engine) packageStore(ctx context.Context) (*store.Store, error) {
	e.pkgMu.Lock()
	defer e.pkgMu.Unlock()
	if e.store != nil {
		return e.store, nil
	}
	db, err := e.database(ctx)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(e.cfg.Home, "packages"), db.DB())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	e.store = st
	return st, nil
}

// resolution is how one load of a workflow resolves custom node types: for
// one tenant, optionally pinned by a lockfile, recording what it chose.
type resolution struct {
	e      *Engine
	ctx    context.Context
	tenant string
	lock   *Lock
	source PackageSource
	// Resolved maps each custom type name, as written, to the package
	// version it resolved to.
	resolved map[string]LockedPackage
	warnings []string
}

// resolve finds the spec of PACKAGE_ID/NODE_ID[@CONSTRAINT]: among the
// packages added with AddPackage first (the node author's inner loop), then
// among the tenant's installed packages.
func (r *resolution) resolve(typeName string) (*bt.Spec, error) {
	ref, constraint, hasVersion := strings.Cut(typeName, "@")
	pkgID, nodeID, ok := strings.Cut(ref, "/")
	if !ok && manifest.TypeScriptNameProblem(ref) == "" {
		// NAME: the TypeScript node of package ts.NAME (api-v1.md).
		pkgID, nodeID, ok = manifest.TypeScriptPrefix+ref, ref, true
	} else if !ok {
		return nil, workflow.ErrUnknownType
	}
	if pkgID == "" || nodeID == "" {
		return nil, fmt.Errorf("expected PACKAGE_ID/NODE_ID[@VERSION], found %q", typeName)
	}
	if hasVersion && constraint == "" {
		return nil, fmt.Errorf("%q: expected a version or range after '@'", typeName)
	}
	lp, err := r.e.addedPackage(pkgID, constraint)
	if err != nil {
		return nil, err
	}
	if lp == nil {
		if lp, err = r.storedPackage(typeName, pkgID, constraint); err != nil {
			return nil, err
		}
	}
	spec, ok := lp.specs[nodeID]
	if !ok {
		var ids []string
		for id := range lp.specs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		hint := ""
		if s := bt.Nearest(nodeID, ids); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", pkgID+"/"+s)
		}
		return nil, fmt.Errorf("package %s %s has no node %q%s; its nodes: %s", pkgID, lp.version, nodeID, hint, strings.Join(ids, ", "))
	}
	if r.resolved != nil {
		r.resolved[typeName] = LockedPackage{ID: pkgID, Version: lp.version.String(), Digest: lp.pkg.Digest}
	}
	return spec, nil
}

// addedPackage picks among the packages added with AddPackage; nil when
// none has pkgID.
func (e *Engine) addedPackage(pkgID, constraint string) (*loadedPackage, error) {
	e.pkgMu.RLock()
	candidates := append([]*loadedPackage(nil), e.pkgs[pkgID]...)
	e.pkgMu.RUnlock()
	if len(candidates) == 0 {
		return nil, nil
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].version.GreaterThan(candidates[j].version) })
	if constraint == "" {
		return candidates[0], nil
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, fmt.Errorf("version constraint %q: %v", constraint, err)
	}
	for _, lp := range candidates {
		if c.Check(lp.version) {
			return lp, nil
		}
	}
	var have []string
	for _, lp := range candidates {
		have = append(have, lp.version.String())
	}
	return nil, fmt.Errorf("package %s has version(s) %s; none matches %q", pkgID, strings.Join(have, ", "), constraint)
}

// storedPackage resolves among the tenant's installed packages (or the
// load's PackageSource), or to the digest the lockfile names.
func (r *resolution) storedPackage(typeName, pkgID, constraint string) (*loadedPackage, error) {
	if r.source != nil {
		return r.sourcePackage(typeName, pkgID, constraint)
	}
	st, err := r.e.packageStore(r.ctx)
	if err != nil {
		return nil, err
	}
	var v *store.Version
	if r.lock != nil {
		locked, ok := r.lock.Packages[typeName]
		if !ok {
			return nil, fmt.Errorf("%q is not in the lockfile %s; run `weft lock` again", typeName, r.lock.File)
		}
		v, err = st.Get(r.ctx, r.tenant, locked.ID, locked.Version)
		if err != nil {
			return nil, fmt.Errorf("the lockfile %s pins %s@%s (%s), which is not installed for tenant %s: %w",
				r.lock.File, locked.ID, locked.Version, locked.Digest, r.tenant, err)
		}
		if v.Digest != locked.Digest {
			return nil, fmt.Errorf("the lockfile %s pins %s@%s with digest %s, but the installed one is %s",
				r.lock.File, locked.ID, locked.Version, locked.Digest, v.Digest)
		}
	} else {
		v, err = st.Resolve(r.ctx, r.tenant, pkgID, constraint)
		if errors.Is(err, store.ErrNotFound) {
			return nil, workflow.ErrUnknownType
		}
		if err != nil {
			return nil, err
		}
	}
	r.deprecated(v.ID, v.Version, v.Deprecated)
	if v.Yanked && r.lock == nil {
		r.warnings = append(r.warnings, fmt.Sprintf("package %s@%s is yanked but still the active version, so it still runs: activate or install another (`weft pkg activate %s@VERSION`)", v.ID, v.Version, v.ID))
	}
	return r.e.loadDigest(r.ctx, v.Ref(), v.Digest, func() (*pkgfile.Package, error) {
		return st.Package(v.Ref(), v.Digest)
	})
}

// sourcePackage resolves through the load's PackageSource: to the digest
// the lock names, or to what the source resolves.
func (r *resolution) sourcePackage(typeName, pkgID, constraint string) (*loadedPackage, error) {
	var sp *SourcePackage
	if r.lock != nil {
		locked, ok := r.lock.Packages[typeName]
		if !ok {
			return nil, fmt.Errorf("%q is not in the lock of this workflow version", typeName)
		}
		sp = &SourcePackage{ID: locked.ID, Version: locked.Version, Digest: locked.Digest}
	} else {
		var err error
		sp, err = r.source.Resolve(r.ctx, r.tenant, pkgID, constraint)
		if errors.Is(err, ErrNotInstalled) {
			return nil, workflow.ErrUnknownType
		}
		if err != nil {
			return nil, err
		}
		r.deprecated(sp.ID, sp.Version, sp.Deprecated)
	}
	ref := sp.ID + "@" + sp.Version
	return r.e.loadDigest(r.ctx, ref, sp.Digest, func() (*pkgfile.Package, error) {
		data, err := r.source.Fetch(r.ctx, r.tenant, sp.Digest)
		if err != nil {
			return nil, err
		}
		return pkgfile.LoadArchive(ref, bytes.NewReader(data))
	})
}

// deprecated records the warning of a deprecated package version.
func (r *resolution) deprecated(id, version, message string) {
	if message == "" {
		return
	}
	msg := fmt.Sprintf("package %s@%s is deprecated: %s", id, version, message)
	r.warnings = append(r.warnings, msg)
	r.e.cfg.Logger.Warn(msg, "tenant", r.tenant)
}

// loadDigest loads a package version into the WebAssembly host, once per
// digest: workflows loaded later share it, and a workflow keeps the version
// it resolved even after an upgrade or a rollback. read reads the package
// when it is not loaded yet; it must have the digest.
func (e *Engine) loadDigest(ctx context.Context, ref, digest string, read func() (*pkgfile.Package, error)) (*loadedPackage, error) {
	e.pkgMu.RLock()
	lp := e.stored[digest]
	e.pkgMu.RUnlock()
	if lp != nil {
		return lp, nil
	}
	p, err := read()
	if err != nil {
		return nil, err
	}
	if p.Digest != digest {
		return nil, fmt.Errorf("%w: package %s: expected digest %s, the bytes have %s", ErrInternal, ref, digest, p.Digest)
	}
	lp, _, err = e.loadPackage(ctx, ref, p)
	if err != nil {
		return nil, err
	}
	e.pkgMu.Lock()
	defer e.pkgMu.Unlock()
	if other := e.stored[digest]; other != nil {
		lp.pkg.Close(ctx)
		return other, nil
	}
	e.stored[digest] = lp
	return lp, nil
}

// customSpecs returns the node types of every package added to the
// engine, sorted by name.
func (e *Engine) customSpecs() []*bt.Spec {
	e.pkgMu.RLock()
	defer e.pkgMu.RUnlock()
	var out []*bt.Spec
	for _, list := range e.pkgs {
		for _, lp := range list {
			for _, s := range lp.specs {
				out = append(out, s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
