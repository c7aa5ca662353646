// `weft pkg publish PATH.wasm`: publishing a bare module (seed 000's
// `publish ./target/.../my_package.wasm`). This file finds the module's
// manifest and builds the .weftpkg in memory, exactly as `weft pkg build
// --no-build` would, for registry.go's publish command to send.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pkgfile"
)

// errNoManifest: no manifest for a bare module was found.
var errNoManifest = errors.New("no manifest")

// findWasmPackage returns what to load for a bare module: the module
// itself when NAME.toml or manifest.toml is beside it (as `weft pkg
// install` takes it), else the nearest parent folder whose manifest.toml
// names the module (its package `wasm`, or a node's `wasm`, resolves to
// that very file), which is then loaded as a folder package.
//
// # Errors
//
// errNoManifest, naming every folder it looked in and what each manifest
// named instead; a manifest that cannot be read or parsed.
func findWasmPackage(wasm string) (string, error) {
	abs, err := filepath.Abs(wasm)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", badInput("%v", err)
	}
	if !info.Mode().IsRegular() {
		return "", badInput("%s: expected a .wasm module file", wasm)
	}
	dir := filepath.Dir(abs)
	base := strings.TrimSuffix(filepath.Base(abs), ".wasm")
	for _, beside := range []string{base + ".toml", "manifest.toml"} {
		if _, err := os.Stat(filepath.Join(dir, beside)); err == nil {
			return wasm, nil
		}
	}
	looked := []string{dir + " (" + base + ".toml, manifest.toml)"}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		mf := filepath.Join(d, "manifest.toml")
		data, err := os.ReadFile(mf)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			looked = append(looked, d)
		case err != nil:
			return "", badInput("%v", err)
		default:
			m, err := manifest.Parse(mf, data)
			if err != nil {
				return "", err
			}
			mods := manifestModules(m)
			for _, p := range mods {
				if other, err := os.Stat(filepath.Join(d, filepath.FromSlash(p))); err == nil && os.SameFile(info, other) {
					return d, nil
				}
			}
			looked = append(looked, fmt.Sprintf("%s (its module(s): %s)", mf, strings.Join(mods, ", ")))
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("%w for %s: expected %s.toml or manifest.toml beside it, or a manifest.toml in a parent folder whose wasm = (or a node's wasm =) names it; looked in %s",
		errNoManifest, wasm, base, strings.Join(looked, "; "))
}

// manifestModules lists the module paths a manifest names, sorted.
func manifestModules(m *manifest.Manifest) []string {
	set := map[string]bool{}
	if m.Wasm != "" {
		set[m.Wasm] = true
	}
	for i := range m.Nodes {
		if p := m.ModuleOf(&m.Nodes[i]); p != "" && strings.HasSuffix(p, ".wasm") {
			set[p] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// packWasm builds the .weftpkg of a bare module (see findWasmPackage) as
// `weft pkg build --no-build` does: loaded and checked exactly as for a
// run, then packed reproducibly. It says on stderr which manifest it used.
func packWasm(ctx context.Context, e *env, wasm string) ([]byte, error) {
	src, err := findWasmPackage(wasm)
	if err != nil {
		return nil, pkgError(err)
	}
	p, err := pkgfile.Load(src)
	if err != nil {
		return nil, pkgError(err)
	}
	eng, err := e.newEngine(ctx, true)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	if _, err := eng.CheckPackage(ctx, p); err != nil {
		return nil, pkgError(err)
	}
	data, digest, err := pkgfile.Pack(p)
	if err != nil {
		return nil, pkgError(err)
	}
	from := src
	if src == wasm {
		from = "the manifest beside it"
	}
	fmt.Fprintf(e.stderr, "weft: built %s (%s) from %s with %s\n", pkgfile.FileName(p.Manifest), digest, wasm, from)
	return data, nil
}
