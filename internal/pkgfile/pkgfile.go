// Package pkgfile reads a custom-node package for a run (`weft run
// --package PATH`): its manifest and the WebAssembly modules its nodes run,
// from a folder, a .weftpkg file, or a bare .wasm with its manifest beside
// it (../shared/design/manifest.md, "The package file").
//
//	p, err := pkgfile.Load("math-utils-1.0.0.weftpkg")
//	code := p.Modules[p.Manifest.ModuleOf(p.Manifest.Node("add"))]
//
// Everything is read into memory; nothing is written to disk. Packages are
// treated as hostile: see ReadArchive for what a .weftpkg may hold.
//
// # Notes
//
// The package's default module (manifest `wasm`, used by nodes without
// their own) may be left out when the package holds exactly one module:
// for a .weftpkg that is its only .wasm entry; for a folder, the only .wasm
// file directly in it (subfolders are not searched: a source tree can hold
// many build outputs). Load writes the module it picked into
// Manifest.Wasm.
package pkgfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/tsnode"
)

// Sentinel errors, matched with errors.Is. Manifest problems wrap
// manifest.ErrInvalid (and are a *manifest.Errors for errors.As).
var (
	// ErrUnsafe: an archive entry a package must not hold (a link, a
	// device, a path leaving the package, a duplicate, a name outside the
	// package layout).
	ErrUnsafe = errors.New("unsafe package content")
	// ErrTooLarge: a size limit (entry, total, compression ratio).
	ErrTooLarge = errors.New("package too large")
	// ErrMissing: no manifest, or a module the manifest names is absent.
	ErrMissing = errors.New("missing from the package")
	// ErrFormat: not a package (not a gzip tar, not a WebAssembly module,
	// an unknown kind of path, several candidate default modules).
	ErrFormat = errors.New("not a valid package")
)

// Package is a package read for a run.
type Package struct {
	Manifest *manifest.Manifest
	// ManifestData is the manifest file's bytes as read.
	ManifestData []byte
	// Modules maps each module path the manifest's nodes use (see
	// Manifest.ModuleOf) to its WebAssembly bytes. Modules no node uses are
	// not read.
	Modules map[string][]byte
	// ModuleDigests, when set, maps each of Modules to the hex SHA-256 of
	// its bytes, as recorded by a reader that knows it without hashing (an
	// unpacked copy: LoadUnpacked). The WebAssembly host keys its caches by
	// it instead of hashing the module again. Nil: not known.
	ModuleDigests map[string]string
	// Sources are a TypeScript node's sources (src/...), kept in the
	// package for review; nil for other packages.
	Sources map[string][]byte
	// Digest identifies the package: "sha256:<hex>" of the .weftpkg file,
	// or, for a folder or bare module, of a listing of its files: one line
	// "<sha256 hex>  <path>\n" per file (manifest.toml and the modules), in
	// path order, as sha256sum prints them.
	Digest string
	// Source is the path Load was given.
	Source string
	// Dir is the absolute folder, for folder sources only.
	Dir string
}

// Load reads the package at path: a folder holding manifest.toml (or that
// manifest.toml itself), a .weftpkg file, or a .wasm module with its
// manifest beside it (NAME.toml for NAME.wasm, else manifest.toml in the
// same folder).
//
//	p, err := pkgfile.Load("./math")
//
// # Errors
//
// Errors wrap ErrMissing, ErrUnsafe, ErrTooLarge, ErrFormat or
// manifest.ErrInvalid, name the file, and say what was expected and found;
// os errors (fs.ErrNotExist, ...) are wrapped as they are.
func Load(p string) (*Package, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", p, err)
	}
	switch {
	case info.IsDir():
		return loadDir(p, p)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is not a regular file or folder", ErrFormat, p)
	case filepath.Base(p) == "manifest.toml":
		return loadDir(p, filepath.Dir(p))
	case strings.HasSuffix(p, ".weftpkg"):
		if info.Size() > DefaultLimits.MaxTotal {
			return nil, fmt.Errorf("%w: %s is %d bytes, over the %d-byte limit", ErrTooLarge, p, info.Size(), DefaultLimits.MaxTotal)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", p, err)
		}
		defer f.Close()
		return LoadArchive(p, f)
	case strings.HasSuffix(p, ".wasm"):
		return loadWasm(p)
	}
	return nil, fmt.Errorf("%w: %s: expected a package folder, a .weftpkg file or a .wasm module", ErrFormat, p)
}

// LoadArchive reads a .weftpkg from r (see ReadArchive, with
// DefaultLimits); source names it in errors and becomes Package.Source.
// The digest covers every byte of r.
//
// # Errors
//
// As Load.
func LoadArchive(source string, r io.Reader) (*Package, error) {
	p, _, err := loadArchive(source, r)
	return p, err
}

// loadArchive is LoadArchive, also returning the archive it read.
func loadArchive(source string, r io.Reader) (*Package, *Archive, error) {
	h := sha256.New()
	counted := &meter{r: io.TeeReader(r, h), limit: DefaultLimits.MaxTotal, what: "the file"}
	a, err := ReadArchive(counted, DefaultLimits)
	if err != nil {
		return nil, nil, fmt.Errorf("package %s: %w", source, err)
	}
	// ReadArchive reads the gzip stream to its end; whatever follows would
	// have failed as a second gzip member. Drain anyway so that the digest
	// covers all of r, whatever the reader's buffering.
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return nil, nil, fmt.Errorf("package %s: %w", source, err)
	}
	p, err := fromArchive(source, a, "sha256:"+hex.EncodeToString(h.Sum(nil)))
	if err != nil {
		return nil, nil, err
	}
	return p, a, nil
}

// fromArchive makes the Package of an archive's files (read by ReadArchive,
// or from an unpacked copy) whose .weftpkg has digest.
func fromArchive(source string, a *Archive, digest string) (*Package, error) {
	data, ok := a.Files["manifest.toml"]
	if !ok {
		return nil, fmt.Errorf("%w: package %s has no manifest.toml", ErrMissing, source)
	}
	m, err := manifest.Parse(source+"/manifest.toml", data)
	if err != nil {
		return nil, err
	}
	var wasm []string
	for _, name := range a.Names {
		if strings.HasSuffix(name, ".wasm") {
			wasm = append(wasm, name)
		}
	}
	mods, err := modules(m, source, wasm, func(name string) ([]byte, error) {
		if data, ok := a.Files[name]; ok {
			return data, nil
		}
		return nil, fs.ErrNotExist
	})
	if err != nil {
		return nil, err
	}
	var sources map[string][]byte
	for _, name := range a.Names {
		if strings.HasPrefix(name, SourceDir) {
			if sources == nil {
				sources = map[string][]byte{}
			}
			sources[name] = a.Files[name]
		}
	}
	return &Package{Manifest: m, ManifestData: data, Modules: mods, Sources: sources, Digest: digest, Source: source}, nil
}

// loadDir reads a package folder.
func loadDir(source, dir string) (*Package, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", source, err)
	}
	defer root.Close()
	data, err := readFile(root, dir, "manifest.toml", DefaultLimits.MaxManifest)
	if errors.Is(err, fs.ErrNotExist) && tsnode.IsProject(dir) {
		return loadProject(source, dir)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no manifest.toml (nor node.ts and package.json, a TypeScript node's project)", ErrMissing, dir)
	}
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(filepath.Join(dir, "manifest.toml"), data)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", source, err)
	}
	var wasm []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".wasm") && !e.IsDir() {
			wasm = append(wasm, e.Name())
		}
	}
	mods, err := modules(m, dir, wasm, func(name string) ([]byte, error) {
		return readFile(root, dir, name, DefaultLimits.MaxModule)
	})
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", source, err)
	}
	return &Package{Manifest: m, ManifestData: data, Modules: mods, Digest: listingDigest(data, mods), Source: source, Dir: abs}, nil
}

// loadProject builds a TypeScript node's project folder in-process
// (tsnode.BuildProject): its package holds the manifest made from the
// node's declaration, the bundle and the source.
func loadProject(source, dir string) (*Package, error) {
	res, err := tsnode.BuildProject(context.Background(), dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", manifest.ErrInvalid, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", source, err)
	}
	p := FromBuild(source, res)
	p.Dir = abs
	return p, nil
}

// FromBuild is the package a TypeScript node's build made (tsnode.Build):
// its manifest, bundle and sources, with the listing digest of a folder.
// source names it in messages.
func FromBuild(source string, res *tsnode.Result) *Package {
	p := &Package{Manifest: res.Manifest, ManifestData: res.Files["manifest.toml"], Source: source,
		Modules: map[string][]byte{}, Sources: map[string][]byte{}}
	for name, data := range res.Files {
		switch {
		case strings.HasPrefix(name, SourceDir):
			p.Sources[name] = data
		case name != "manifest.toml":
			p.Modules[name] = data
		}
	}
	all := map[string][]byte{}
	maps.Copy(all, p.Modules)
	maps.Copy(all, p.Sources)
	p.Digest = listingDigest(p.ManifestData, all)
	return p
}

// loadWasm reads a bare module and the manifest beside it.
func loadWasm(p string) (*Package, error) {
	dir, base := filepath.Dir(p), filepath.Base(p)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", p, err)
	}
	defer root.Close()
	manifestName := strings.TrimSuffix(base, ".wasm") + ".toml"
	data, err := readFile(root, dir, manifestName, DefaultLimits.MaxManifest)
	if errors.Is(err, fs.ErrNotExist) {
		manifestName = "manifest.toml"
		data, err = readFile(root, dir, manifestName, DefaultLimits.MaxManifest)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no manifest for %s: expected %s or manifest.toml beside it",
				ErrMissing, p, strings.TrimSuffix(base, ".wasm")+".toml")
		}
	}
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(filepath.Join(dir, manifestName), data)
	if err != nil {
		return nil, err
	}
	if m.Wasm != "" && path.Base(m.Wasm) != base {
		return nil, fmt.Errorf("%w: %s names module %q (wasm = ...), but the module given is %s",
			ErrFormat, filepath.Join(dir, manifestName), m.Wasm, base)
	}
	main := m.Wasm
	if main == "" {
		main = base
		m.Wasm = base
	}
	mods, err := modules(m, dir, []string{main}, func(name string) ([]byte, error) {
		if name == main {
			return readFile(root, dir, base, DefaultLimits.MaxModule)
		}
		return readFile(root, dir, name, DefaultLimits.MaxModule)
	})
	if err != nil {
		return nil, err
	}
	return &Package{Manifest: m, ManifestData: data, Modules: mods, Digest: listingDigest(data, mods), Source: p}, nil
}

// readFile reads name (a "/"-separated path) inside root, which must not
// leave it, and must be a regular file of at most max bytes.
func readFile(root *os.Root, dir, name string, max int64) ([]byte, error) {
	full := filepath.Join(dir, filepath.FromSlash(name))
	info, err := root.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrFormat, full)
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%w: %s is %d bytes, over the %d-byte limit", ErrTooLarge, full, info.Size(), max)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: %s is over the %d-byte limit", ErrTooLarge, full, max)
	}
	return data, nil
}

// modules resolves the package's default module (when nodes need it and
// the manifest leaves it out: the only candidate), then reads every module
// the nodes use with read, checking that each is a WebAssembly core module.
func modules(m *manifest.Manifest, source string, candidates []string, read func(string) ([]byte, error)) (map[string][]byte, error) {
	if m.Script != "" {
		code, err := read(m.Script)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: package %s: its script %q is not in the package", ErrMissing, source, m.Script)
		}
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(code) {
			return nil, fmt.Errorf("%w: package %s: script %q is not UTF-8 text", ErrFormat, source, m.Script)
		}
		return map[string][]byte{m.Script: code}, nil
	}
	needDefault := false
	for i := range m.Nodes {
		if m.Nodes[i].Wasm == "" {
			needDefault = true
		}
	}
	if needDefault && m.Wasm == "" {
		switch len(candidates) {
		case 0:
			return nil, fmt.Errorf("%w: package %s holds no .wasm module", ErrMissing, source)
		case 1:
			m.Wasm = candidates[0]
		default:
			sorted := append([]string(nil), candidates...)
			sort.Strings(sorted)
			return nil, fmt.Errorf("%w: package %s holds several modules (%s): name the default one with wasm = \"...\" in manifest.toml",
				ErrFormat, source, strings.Join(sorted, ", "))
		}
	}
	mods := map[string][]byte{}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		name := m.ModuleOf(n)
		if _, done := mods[name]; done {
			continue
		}
		code, err := read(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: package %s: node %s runs module %q, which is not in the package", ErrMissing, source, n.ID, name)
		}
		if err != nil {
			return nil, err
		}
		if err := checkModuleHeader(code); err != nil {
			return nil, fmt.Errorf("%w: package %s: module %q %v", ErrFormat, source, name, err)
		}
		mods[name] = code
	}
	return mods, nil
}

// checkModuleHeader checks the WebAssembly magic and core module version.
func checkModuleHeader(code []byte) error {
	if len(code) < 8 || !bytes.Equal(code[:4], []byte("\x00asm")) {
		return errors.New("is not a WebAssembly module (no \\0asm magic)")
	}
	switch {
	case bytes.Equal(code[4:8], []byte{1, 0, 0, 0}):
		return nil
	case code[6] == 1 && code[7] == 0: // layer 1: the component model
		return errors.New("is a WebAssembly component; ABI v1 nodes are core modules (wasm32, e.g. wasm32-wasip1)")
	}
	return fmt.Errorf("has WebAssembly version % x; expected 01 00 00 00 (a core module)", code[4:8])
}

// listingDigest is the digest of a folder or bare-module package: sha256
// of "<sha256 hex>  <path>\n" lines for manifest.toml and each module, in
// path order.
func listingDigest(manifestData []byte, mods map[string][]byte) string {
	files := map[string][]byte{"manifest.toml": manifestData}
	for name, code := range mods {
		files[name] = code
	}
	var listing bytes.Buffer
	for _, name := range sortedNames(files) {
		sum := sha256.Sum256(files[name])
		listing.WriteString(hex.EncodeToString(sum[:]))
		listing.WriteString("  ")
		listing.WriteString(name)
		listing.WriteByte('\n')
	}
	sum := sha256.Sum256(listing.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:])
}
