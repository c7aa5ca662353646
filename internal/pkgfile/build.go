// Writing package files: a reproducible .weftpkg (sorted entries, zeroed
// times and owners, fixed compression) from a package folder or bare module,
// and running a manifest's [build] command first.

package pkgfile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/tsnode"
)

// FileName is the conventional name of a package file: ID-VERSION.weftpkg.
func FileName(m *manifest.Manifest) string { return m.ID + "-" + m.Version + ".weftpkg" }

// Pack writes p as a .weftpkg: manifest.toml, the modules its nodes use,
// the sources of a TypeScript node (src/), and, for a folder, its README.md and icons/ when present. The same inputs
// give the same bytes: entries are sorted by name, with mode 0644, times
// zeroed and no owner, and gzip runs at a fixed level with no name or time
// in its header. It returns the file's bytes and digest ("sha256:<hex>").
//
//	p, err := pkgfile.Load("./math")
//	data, digest, err := pkgfile.Pack(p)
//
// # Errors
//
// An extra file of the folder that a package may not hold (an icon of an
// unknown type) or cannot be read.
func Pack(p *Package) ([]byte, string, error) {
	files := map[string][]byte{"manifest.toml": p.ManifestData}
	for name, code := range p.Modules {
		files[name] = code
	}
	for name, data := range p.Sources {
		files[name] = data
	}
	if p.Dir != "" {
		if err := addExtras(p.Dir, files); err != nil {
			return nil, "", err
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n])),
			ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if len(n) <= 100 {
			hdr.Format = tar.FormatUSTAR
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, "", fmt.Errorf("package %s: writing %s: %w", p.Source, n, err)
		}
		if _, err := tw.Write(files[n]); err != nil {
			return nil, "", fmt.Errorf("package %s: writing %s: %w", p.Source, n, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), "sha256:" + hex.EncodeToString(sum[:]), nil
}

// addExtras adds README.md and the files under icons/ of a package folder.
func addExtras(dir string, files map[string][]byte) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if data, err := readFile(root, dir, "README.md", DefaultLimits.MaxManifest); err == nil {
		files["README.md"] = data
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	err = fs.WalkDir(root.FS(), "icons", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && name == "icons" {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if err := CheckEntryName(name); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		data, err := readFile(root, dir, name, DefaultLimits.MaxModule)
		if err != nil {
			return err
		}
		files[name] = data
		return nil
	})
	return err
}

// RunBuild runs the [build] command of the manifest in dir, if it has one,
// with sh -c in dir, its output going to out. It returns false when there
// is no command.
//
// # Errors
//
// The manifest cannot be read or is invalid; the command fails (its exit
// status is in the error, its output went to out).
func RunBuild(ctx context.Context, dir string, out io.Writer) (bool, error) {
	if tsnode.IsProject(dir) {
		return false, nil // compiled in-process by every Load
	}
	mf := filepath.Join(dir, "manifest.toml")
	data, err := os.ReadFile(mf)
	if err != nil {
		return false, fmt.Errorf("package %s: %w", dir, err)
	}
	m, err := manifest.Parse(mf, data)
	if err != nil {
		return false, err
	}
	if m.Build == nil || m.Build.Command == "" {
		return false, nil
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", m.Build.Command)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return true, fmt.Errorf("%s: [build] command %q failed: %w", mf, m.Build.Command, err)
	}
	return true, nil
}

// skipDirs are folders Stale does not look into: dependencies and build
// output, which change without the author editing the package.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "target": true}

// IsBuildInput reports whether a file of a package folder, by its name,
// can change what the [build] command makes: not the manifest (read at
// load, not compiled in), workflows, lockfiles, docs, traces, or the build's
// own outputs.
func IsBuildInput(name string) bool {
	if name == "manifest.toml" {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".wasm", ".weftpkg", ".yaml", ".yml", ".lock", ".md", ".jsonl":
		return false
	}
	return true
}

// Stale reports whether a package folder with a [build] command needs
// building: a module its manifest names is missing, or a build input of the
// folder (see IsBuildInput; outside .git, node_modules and target) is newer
// than the oldest module. It also says why, for the log. A folder without [build] is never
// stale.
//
// # Errors
//
// The manifest cannot be read or is invalid.
func Stale(dir string) (bool, string, error) {
	if tsnode.IsProject(dir) {
		return false, "", nil // compiled in-process by every Load
	}
	mf := filepath.Join(dir, "manifest.toml")
	data, err := os.ReadFile(mf)
	if err != nil {
		return false, "", fmt.Errorf("package %s: %w", dir, err)
	}
	m, err := manifest.Parse(mf, data)
	if err != nil {
		return false, "", err
	}
	if m.Build == nil || m.Build.Command == "" {
		return false, "", nil
	}
	mods := map[string]bool{}
	if m.Wasm != "" {
		mods[m.Wasm] = true
	}
	for i := range m.Nodes {
		if p := m.ModuleOf(&m.Nodes[i]); p != "" {
			mods[p] = true
		}
	}
	if len(mods) == 0 {
		return true, "the manifest names no module yet", nil
	}
	var oldest time.Time
	for p := range mods {
		info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return true, p + " is missing", nil
		}
		if oldest.IsZero() || info.ModTime().Before(oldest) {
			oldest = info.ModTime()
		}
	}
	var newer string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !IsBuildInput(d.Name()) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(oldest) {
			newer, _ = filepath.Rel(dir, p)
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return false, "", err
	}
	if newer != "" {
		return true, newer + " is newer than the module", nil
	}
	return false, "", nil
}
