// Packages: a manifest with its compiled modules and the per-tenant pools
// of warm instances.

package wasmhost

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pkgfile"
)

// Package is a loaded package, ready to call. It is safe for concurrent
// use; each call takes an instance of its own.
type Package struct {
	host     *Host
	Manifest *manifest.Manifest
	Digest   string

	byNode  map[string]*module
	timeout time.Duration
	respCap int

	limits tenantBuckets // host calls per second, by tenant

	httpOnce   sync.Once
	httpClient *http.Client // http.request's client, under the manifest's policy

	mu    sync.Mutex
	pools map[poolKey]*pool
	spare map[*module]*instance // instances made at load, untouched by any tenant

	initReq []byte // weft_init's request: the operator's config (lifecycle.go)
}

type poolKey struct {
	tenant string
	mod    *module
}

// Load checks, instruments and compiles every module of a package, and
// checks each module's ABI version on a first instance.
//
// # Errors
//
// An error wrapping ErrInvalidModule that names the module and every way it
// departs from ABI v1 or the limits.
func (h *Host) Load(ctx context.Context, p *pkgfile.Package) (*Package, error) {
	m := p.Manifest
	pkg := &Package{host: h, Manifest: m, Digest: p.Digest, byNode: map[string]*module{},
		timeout: m.Timeout(), respCap: MaxResponse, pools: map[poolKey]*pool{}, spare: map[*module]*instance{}}
	if m.Permissions.Memory == "heavy" || m.Permissions.Memory == "intensive" {
		pkg.respCap = MaxResponseLarge
	}
	var err error
	if pkg.initReq, err = initRequest(h.cfg.PackageConfig[m.ID]); err != nil {
		return nil, fmt.Errorf("package %s@%s: %w", m.ID, m.Version, err)
	}
	byPath := map[string]*module{}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		path := m.ModuleOf(n)
		mod, ok := byPath[path]
		if !ok {
			code, ok := p.Modules[path]
			if !ok {
				return nil, fmt.Errorf("%w: package %s: node %s: module %s is not in the package", ErrInvalidModule, m.ID, n.ID, path)
			}
			if m.Script != "" {
				ns, err := h.compileScript(m, path, code)
				if err != nil {
					return nil, err
				}
				mod = &module{name: path, script: ns, instrumented: true}
				byPath[path] = mod
				pkg.byNode[n.ID] = mod
				continue
			}
			var err error
			mod, err = h.compile(ctx, m.ID+"/"+path, code, p.ModuleDigests[path], m.MemoryPages())
			if err != nil {
				return nil, fmt.Errorf("package %s@%s: %w", m.ID, m.Version, err)
			}
			inst, err := mod.instantiate(ctx, pkg.timeout)
			if err != nil {
				return nil, fmt.Errorf("%w: package %s@%s: %w", ErrInvalidModule, m.ID, m.Version, err)
			}
			if err := mod.checkVersion(ctx, inst); err != nil {
				inst.close(ctx)
				return nil, fmt.Errorf("package %s@%s: %w", m.ID, m.Version, err)
			}
			pkg.spare[mod] = inst
			byPath[path] = mod
		}
		pkg.byNode[n.ID] = mod
	}
	return pkg, nil
}

// Close releases every warm instance. Calls in flight finish first on
// their own instances, which are then closed.
func (p *Package) Close(ctx context.Context) {
	p.mu.Lock()
	pools, spare := p.pools, p.spare
	p.pools, p.spare = map[poolKey]*pool{}, map[*module]*instance{}
	p.mu.Unlock()
	if p.httpClient != nil {
		p.httpClient.CloseIdleConnections()
	}
	for _, pl := range pools {
		pl.drain(ctx)
	}
	for _, inst := range spare {
		p.retire(ctx, inst) // never handed to a call: no weft_cleanup
	}
}

// Instrumented reports whether every module of the package runs
// instrumented (false: some run with wazero's slower context checks).
func (p *Package) Instrumented() bool {
	for _, m := range p.byNode {
		if !m.instrumented {
			return false
		}
	}
	return true
}

// acquire returns an instance of mod for tenant: a warm one from the
// tenant's pool, the untouched instance made at load, or a new one.
func (p *Package) acquire(ctx context.Context, tenant string, mod *module) (*instance, *pool, error) {
	fresh := p.Manifest.FreshInstance
	p.mu.Lock()
	key := poolKey{tenant, mod}
	pl := p.pools[key]
	if pl == nil {
		pl = &pool{max: p.host.cfg.PoolSize, retire: p.retire}
		p.pools[key] = pl
	}
	inst := p.spare[mod]
	delete(p.spare, mod)
	p.mu.Unlock()
	if inst == nil && !fresh {
		inst = pl.get()
	}
	if inst == nil {
		var err error
		if inst, err = mod.instantiate(ctx, p.timeout); err != nil {
			return nil, nil, err
		}
	}
	if !inst.ready {
		if err := p.initInstance(ctx, inst); err != nil {
			inst.broken = true
			inst.close(ctx)
			return nil, nil, err
		}
	}
	if fresh {
		return inst, nil, nil
	}
	return inst, pl, nil
}

func (p *Package) release(ctx context.Context, inst *instance, pl *pool) {
	inst.cur = nil
	if pl == nil {
		p.retire(ctx, inst)
		return
	}
	pl.put(ctx, inst)
}
