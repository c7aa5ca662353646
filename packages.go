// Custom nodes: WebAssembly packages made usable for the engine's
// workflows, and how a workflow's PACKAGE_ID/NODE_ID[@VERSION] finds them.

package weft

import (
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
	"github.com/weft-dev/weft/internal/pkgfile"
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
		Capabilities: caps})
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
// the engine's home: an in-memory cache, node state in the journal's
// database (so a stateful node survives a restart), storage directories and
// the secret store.
func (e *Engine) capabilities(ctx context.Context) (wasmhost.Capabilities, error) {
	db := e.journal
	if db == nil {
		j, err := journal.Open(ctx, filepath.Join(e.cfg.Home, "weft.db"))
		if err != nil {
			quota := e.cfg.StorageBytesPerPackage
			if quota == 0 {
				quota = DefaultStorageBytesPerPackage
			}
			return wasmhost.Capabilities{}, fmt.Errorf("%w: opening the state database: %w", ErrInternal, err)
		}
		e.stateDB = j
		db = j
	}
	st, err := state.New(ctx, db.DB())
	if err != nil {
		quota := e.cfg.StorageBytesPerPackage
		if quota == 0 {
			quota = DefaultStorageBytesPerPackage
		}
		return wasmhost.Capabilities{}, fmt.Errorf("%w: node state: %w", ErrInternal, err)
	}
	quota := e.cfg.StorageBytesPerPackage
	if quota == 0 {
		quota = DefaultStorageBytesPerPackage
	}
	return wasmhost.Capabilities{
		Cache:              cache.New(e.cfg.CacheBytesPerPackage),
		State:              st,
		Storage:            storage.New(filepath.Join(e.cfg.Home, "storage"), quota),
		Secrets:            secrets.OpenHome(e.cfg.Home),
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
	h, err := e.wasmHost(ctx)
	if err != nil {
		return nil, err
	}
	pkg, err := h.Load(ctx, p)
	if err != nil {
		if errors.Is(err, wasmhost.ErrInternal) {
			return nil, fmt.Errorf("%w: %w", ErrInternal, err)
		}
		return nil, &invalidError{fmt.Errorf("%s: %w", path, err)}
	}
	m := pkg.Manifest
	v, err := semver.StrictNewVersion(m.Version)
	if err != nil {
		return nil, &invalidError{fmt.Errorf("%s: version %q: %w", path, m.Version, err)}
	}
	if m.MinWeftVersion != "" {
		need, err := semver.StrictNewVersion(m.MinWeftVersion)
		if err == nil && need.GreaterThan(semver.MustParse(Version)) {
			pkg.Close(ctx)
			return nil, &invalidError{fmt.Errorf("%s: package %s %s needs weft %s or newer; this is weft %s", path, m.ID, m.Version, need, Version)}
		}
	}
	lp := &loadedPackage{pkg: pkg, version: v, specs: map[string]*bt.Spec{}}
	info := &PackageInfo{ID: m.ID, Version: m.Version, Digest: pkg.Digest, Instrumented: pkg.Instrumented()}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		lp.specs[n.ID] = customnode.Spec(pkg, n)
		info.Nodes = append(info.Nodes, customnode.TypeName(m, n))
	}
	e.pkgMu.Lock()
	defer e.pkgMu.Unlock()
	for _, other := range e.pkgs[m.ID] {
		if other.version.Equal(v) {
			if other.pkg.Digest == pkg.Digest {
				pkg.Close(ctx)
				return info, nil
			}
			pkg.Close(ctx)
			return nil, &invalidError{fmt.Errorf("%s: package %s %s is already loaded with different contents (%s)", path, m.ID, m.Version, other.pkg.Digest)}
		}
	}
	e.pkgs[m.ID] = append(e.pkgs[m.ID], lp)
	return info, nil
}

// resolve finds the spec of PACKAGE_ID/NODE_ID[@CONSTRAINT].
func (e *Engine) resolve(typeName string) (*bt.Spec, error) {
	ref, constraint, hasVersion := strings.Cut(typeName, "@")
	pkgID, nodeID, ok := strings.Cut(ref, "/")
	if !ok || pkgID == "" || nodeID == "" {
		return nil, fmt.Errorf("expected PACKAGE_ID/NODE_ID[@VERSION], found %q", typeName)
	}
	e.pkgMu.RLock()
	candidates := append([]*loadedPackage(nil), e.pkgs[pkgID]...)
	e.pkgMu.RUnlock()
	if len(candidates) == 0 {
		return nil, workflow.ErrUnknownType
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].version.GreaterThan(candidates[j].version) })
	var chosen *loadedPackage
	if hasVersion {
		c, err := semver.NewConstraint(constraint)
		if err != nil {
			return nil, fmt.Errorf("version constraint %q: %v", constraint, err)
		}
		for _, lp := range candidates {
			if c.Check(lp.version) {
				chosen = lp
				break
			}
		}
		if chosen == nil {
			var have []string
			for _, lp := range candidates {
				have = append(have, lp.version.String())
			}
			return nil, fmt.Errorf("package %s has version(s) %s; none matches %q", pkgID, strings.Join(have, ", "), constraint)
		}
	} else {
		chosen = candidates[0]
	}
	spec, ok := chosen.specs[nodeID]
	if !ok {
		var ids []string
		for id := range chosen.specs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		hint := ""
		if s := bt.Nearest(nodeID, ids); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", pkgID+"/"+s)
		}
		return nil, fmt.Errorf("package %s %s has no node %q%s; its nodes: %s", pkgID, chosen.version, nodeID, hint, strings.Join(ids, ", "))
	}
	return spec, nil
}

// CustomSpecs returns the node types of every package added to the engine,
// sorted by name.
func (e *Engine) CustomSpecs() []*bt.Spec {
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
