// Tests of Load for folders, bare modules and .weftpkg files, and of every
// refusal of ReadArchive, with archives built in the tests.

package pkgfile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/weft-dev/weft/internal/manifest"
)

// wasmModule is the smallest valid core module: magic and version.
var wasmModule = []byte("\x00asm\x01\x00\x00\x00")

const manifestTOML = `manifest_version = 1
id = "com.example.test"
name = "Test"
version = "1.0.0"

[[nodes]]
id = "a"
name = "A"
`

// withModule returns the test manifest naming its default module.
func withModule(mod string) string {
	return strings.Replace(manifestTOML, "version = \"1.0.0\"\n", "version = \"1.0.0\"\nwasm = \""+mod+"\"\n", 1)
}

// entry is one tar entry for mkArchive.
type entry struct {
	name     string
	body     string
	typeflag byte   // default TypeReg
	link     string // for links
	size     int64  // header size when not len(body) (the body is then cut)
}

// mkTar builds an uncompressed tar.
func mkTar(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Linkname: e.link, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if e.size != 0 {
			hdr.Size = e.size
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			hdr = &tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "x"}}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil && e.size == 0 {
				t.Fatal(err)
			}
		}
		if e.size != 0 {
			return buf.Bytes() // a truncated archive
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mkArchive(t testing.TB, entries ...entry) []byte { return gz(t, mkTar(t, entries)) }

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadArchive(t *testing.T) {
	data := mkArchive(t,
		entry{name: "./", typeflag: tar.TypeDir},
		entry{name: "./manifest.toml", body: manifestTOML},
		entry{name: "math.wasm", body: string(wasmModule)},
		entry{name: "README.md", body: "# Test"},
		entry{name: "icons/", typeflag: tar.TypeDir},
		entry{name: "icons/plus.svg", body: "<svg/>"},
	)
	path := filepath.Join(t.TempDir(), "test-1.0.0.weftpkg")
	writeFile(t, path, data)
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if p.Digest != "sha256:"+hex.EncodeToString(sum[:]) || p.Source != path || p.Dir != "" {
		t.Errorf("digest %s, source %s, dir %q", p.Digest, p.Source, p.Dir)
	}
	if p.Manifest.Wasm != "math.wasm" || len(p.Modules) != 1 || !bytes.Equal(p.Modules["math.wasm"], wasmModule) {
		t.Errorf("default module %q, modules %v", p.Manifest.Wasm, p.Modules)
	}
	a, err := ReadArchive(bytes.NewReader(data), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Names, ",") != "manifest.toml,math.wasm,README.md,icons/plus.svg" || string(a.Files["icons/plus.svg"]) != "<svg/>" {
		t.Errorf("archive names %v", a.Names)
	}
}

// TestArchiveRefusals: each hostile or broken archive is refused with the
// right sentinel and a message naming the problem.
func TestArchiveRefusals(t *testing.T) {
	man := entry{name: "manifest.toml", body: manifestTOML}
	mod := entry{name: "m.wasm", body: string(wasmModule)}
	tarWith := func(extra []byte) []byte {
		raw := mkTar(t, []entry{man, mod})
		return gz(t, append(raw, extra...))
	}
	corrupt := mkArchive(t, man, mod)
	corrupt[len(corrupt)-8] ^= 0xff // the CRC
	bomb := mkArchive(t, man, entry{name: "m.wasm", body: string(wasmModule) + strings.Repeat("\x00", 20<<20)})
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"absolute path", mkArchive(t, man, entry{name: "/etc/x.wasm", body: "x"}), ErrUnsafe, "absolute"},
		{"dot-dot", mkArchive(t, man, entry{name: "../x.wasm", body: "x"}), ErrUnsafe, `".." segment`},
		{"dot-dot inside", mkArchive(t, man, entry{name: "a/../../x.wasm", body: "x"}), ErrUnsafe, `".." segment`},
		{"dot-dot directory", mkArchive(t, man, entry{name: "../", typeflag: tar.TypeDir}), ErrUnsafe, `".." path segment`},
		{"backslash", mkArchive(t, man, entry{name: `a\..\x.wasm`, body: "x"}), ErrUnsafe, `'\'`},
		{"symlink", mkArchive(t, man, entry{name: "m.wasm", typeflag: tar.TypeSymlink, link: "/etc/passwd"}), ErrUnsafe, "is a link"},
		{"hard link", mkArchive(t, man, entry{name: "m.wasm", typeflag: tar.TypeLink, link: "manifest.toml"}), ErrUnsafe, "is a link"},
		{"char device", mkArchive(t, man, entry{name: "m.wasm", typeflag: tar.TypeChar}), ErrUnsafe, "character device"},
		{"block device", mkArchive(t, man, entry{name: "m.wasm", typeflag: tar.TypeBlock}), ErrUnsafe, "block device"},
		{"fifo", mkArchive(t, man, entry{name: "m.wasm", typeflag: tar.TypeFifo}), ErrUnsafe, "FIFO"},
		{"duplicate", mkArchive(t, man, mod, entry{name: "m.wasm", body: "x"}), ErrUnsafe, "appears twice"},
		{"duplicate by case", mkArchive(t, man, mod, entry{name: "M.wasm", body: "x"}), ErrUnsafe, "appears twice"},
		{"duplicate with ./", mkArchive(t, man, mod, entry{name: "./manifest.toml", body: "x"}), ErrUnsafe, "appears twice"},
		{"outside the layout", mkArchive(t, man, mod, entry{name: "LICENSE", body: "x"}), ErrUnsafe, "not part of a package"},
		{"source file", mkArchive(t, man, mod, entry{name: "src/main.c", body: "x"}), ErrUnsafe, "not part of a package"},
		{"icon type", mkArchive(t, man, mod, entry{name: "icons/x.exe", body: "x"}), ErrUnsafe, "icons must be"},
		{"odd character", mkArchive(t, man, entry{name: "m\x01.wasm", body: "x"}), ErrUnsafe, "character"},
		{"manifest too large", mkArchive(t, entry{name: "manifest.toml", body: strings.Repeat("#", 1<<20+1)}), ErrTooLarge, "over the 1048576-byte limit"},
		{"readme too large", mkArchive(t, man, entry{name: "README.md", body: strings.Repeat("a", 4<<20+1)}), ErrTooLarge, "over the 4194304-byte limit"},
		{"decompression bomb", bomb, ErrTooLarge, "decompression bomb"},
		{"not gzip", []byte("PK\x03\x04 a zip file"), ErrFormat, "not gzip-compressed"},
		{"gzip but not tar", gz(t, []byte(strings.Repeat("not a tar header ", 100))), ErrFormat, ""},
		{"truncated", gz(t, mkTar(t, []entry{man, {name: "m.wasm", body: "abc", size: 100 << 20}})), ErrFormat, "truncated"},
		{"data after the archive", tarWith([]byte("hidden payload")), ErrUnsafe, "data after the end of the archive"},
		{"data after the gzip stream", append(mkArchive(t, man, mod), "trailing"...), ErrFormat, "data after the end of the gzip stream"},
		{"corrupt checksum", corrupt, ErrFormat, "checksum"},
		{"global header", mkArchive(t, man, entry{name: "g", typeflag: tar.TypeXGlobalHeader}), ErrUnsafe, "global PAX header"},
	}
	for _, tt := range tests {
		_, err := LoadArchive(tt.name+".weftpkg", bytes.NewReader(tt.data))
		if err == nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v; want %v containing %q", tt.name, err, tt.want, tt.msg)
		}
		if err != nil && !strings.Contains(err.Error(), tt.name+".weftpkg") {
			t.Errorf("%s: error %q does not name the file", tt.name, err)
		}
	}
}

func TestArchiveLimits(t *testing.T) {
	man := entry{name: "manifest.toml", body: manifestTOML}
	many := []entry{man}
	for i := range 20 {
		many = append(many, entry{name: "icons/" + string(rune('a'+i)) + ".png", body: "x"})
	}
	lim := DefaultLimits
	lim.MaxEntries = 10
	if _, err := ReadArchive(bytes.NewReader(mkArchive(t, many...)), lim); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 10 entries") {
		t.Errorf("entries: %v", err)
	}
	lim = DefaultLimits
	lim.MaxTotal = 1000
	big := mkArchive(t, man, entry{name: "a.wasm", body: strings.Repeat("x", 600)}, entry{name: "b.wasm", body: strings.Repeat("y", 600)})
	if _, err := ReadArchive(bytes.NewReader(big), lim); !errors.Is(err, ErrTooLarge) {
		t.Errorf("total: %v", err)
	}
	lim = DefaultLimits
	lim.MaxModule = 100
	if _, err := ReadArchive(bytes.NewReader(big), lim); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), `"a.wasm" is 600 bytes`) {
		t.Errorf("module: %v", err)
	}
	lim = DefaultLimits
	lim.MaxTotal = 100 // the compressed file itself
	if _, err := ReadArchive(bytes.NewReader(big), lim); !errors.Is(err, ErrTooLarge) {
		t.Errorf("file: %v", err)
	}
	// A header claiming 200 MiB over a few bytes of data must not make the
	// reader allocate 200 MiB.
	lying := gz(t, mkTar(t, []entry{man, {name: "m.wasm", body: "abc", size: 200 << 20}}))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := ReadArchive(bytes.NewReader(lying), DefaultLimits); !errors.Is(err, ErrFormat) {
		t.Errorf("lying header: %v", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("a lying header made the reader allocate %d bytes", grew)
	}
}

func TestArchiveModules(t *testing.T) {
	man := entry{name: "manifest.toml", body: manifestTOML}
	tests := []struct {
		name    string
		entries []entry
		want    error
		msg     string
	}{
		{"no manifest", []entry{{name: "m.wasm", body: string(wasmModule)}}, ErrMissing, "no manifest.toml"},
		{"no module", []entry{man}, ErrMissing, "holds no .wasm module"},
		{"several modules", []entry{man, {name: "b.wasm", body: string(wasmModule)}, {name: "a.wasm", body: string(wasmModule)}}, ErrFormat, "several modules (a.wasm, b.wasm)"},
		{"named module missing", []entry{{name: "manifest.toml", body: withModule("build/x.wasm")}, {name: "x.wasm", body: string(wasmModule)}}, ErrMissing, `node a runs module "build/x.wasm", which is not in the package`},
		{"not wasm", []entry{man, {name: "m.wasm", body: "#!/bin/sh"}}, ErrFormat, "not a WebAssembly module"},
		{"component", []entry{man, {name: "m.wasm", body: "\x00asm\x0d\x00\x01\x00"}}, ErrFormat, "is a WebAssembly component"},
		{"bad manifest", []entry{{name: "manifest.toml", body: "manifest_version = 2"}, {name: "m.wasm", body: string(wasmModule)}}, manifest.ErrInvalid, "x.weftpkg/manifest.toml:1:20: manifest_version: expected 1"},
	}
	for _, tt := range tests {
		_, err := LoadArchive("x.weftpkg", bytes.NewReader(mkArchive(t, tt.entries...)))
		if err == nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v; want %v containing %q", tt.name, err, tt.want, tt.msg)
		}
	}
	// Per-node modules, one unused module, default named explicitly.
	m := withModule("build/main.wasm") + "\n[[nodes]]\nid = \"b\"\nname = \"B\"\nwasm = \"other.wasm\"\n"
	p, err := LoadArchive("x.weftpkg", bytes.NewReader(mkArchive(t, entry{name: "manifest.toml", body: m},
		entry{name: "build/main.wasm", body: string(wasmModule)}, entry{name: "other.wasm", body: string(wasmModule) + "\x00"},
		entry{name: "unused.wasm", body: string(wasmModule)})))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Modules) != 2 || len(p.Modules["other.wasm"]) != 9 || p.Manifest.ModuleOf(p.Manifest.Node("a")) != "build/main.wasm" {
		t.Errorf("modules %v", p.Modules)
	}
}

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(manifestTOML))
	writeFile(t, filepath.Join(dir, "only.wasm"), wasmModule)
	writeFile(t, filepath.Join(dir, "target", "deep", "other.wasm"), wasmModule) // not a candidate
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	if p.Dir != abs || p.Source != dir || p.Manifest.Wasm != "only.wasm" || len(p.Modules) != 1 || !strings.HasPrefix(p.Digest, "sha256:") {
		t.Errorf("%+v", p)
	}
	// The digest is the sha256 of a sha256sum-style listing.
	ms, ws := sha256.Sum256([]byte(manifestTOML)), sha256.Sum256(wasmModule)
	listing := hex.EncodeToString(ms[:]) + "  manifest.toml\n" + hex.EncodeToString(ws[:]) + "  only.wasm\n"
	if sum := sha256.Sum256([]byte(listing)); p.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("digest %s is not that of the listing\n%s", p.Digest, listing)
	}
	// The manifest path works too, and gives the same package.
	q, err := Load(filepath.Join(dir, "manifest.toml"))
	if err != nil || q.Digest != p.Digest {
		t.Errorf("via manifest.toml: %v %v", q, err)
	}
	// A bare module with the same files has the same digest.
	r, err := Load(filepath.Join(dir, "only.wasm"))
	if err != nil || r.Digest != p.Digest || r.Dir != "" {
		t.Errorf("bare module: %+v %v", r, err)
	}
	// Changing a module changes the digest.
	writeFile(t, filepath.Join(dir, "only.wasm"), append(wasmModule, 0))
	if s, err := Load(dir); err != nil || s.Digest == p.Digest {
		t.Errorf("digest did not change: %v", err)
	}
	// A second module makes the default ambiguous.
	writeFile(t, filepath.Join(dir, "second.wasm"), wasmModule)
	if _, err := Load(dir); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "several modules (only.wasm, second.wasm)") {
		t.Errorf("ambiguous default: %v", err)
	}
}

func TestLoadFolderErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := Load(empty); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "no manifest.toml") {
		t.Errorf("no manifest: %v", err)
	}
	if _, err := Load(filepath.Join(empty, "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
	other := filepath.Join(empty, "notes.txt")
	writeFile(t, other, []byte("x"))
	if _, err := Load(other); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown kind: %v", err)
	}

	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "manifest.toml"), []byte("manifest_version = 1\nid = \"x\"\n"))
	_, err := Load(bad)
	var errs *manifest.Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), filepath.Join(bad, "manifest.toml")+":2:6: id:") {
		t.Errorf("bad manifest: %v", err)
	}

	none := t.TempDir()
	writeFile(t, filepath.Join(none, "manifest.toml"), []byte(manifestTOML))
	if _, err := Load(none); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "holds no .wasm module") {
		t.Errorf("no module: %v", err)
	}

	// A module that is a symlink leaving the folder is refused.
	escape := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.wasm")
	writeFile(t, outside, wasmModule)
	writeFile(t, filepath.Join(escape, "manifest.toml"), []byte(withModule("m.wasm")))
	if err := os.Symlink(outside, filepath.Join(escape, "m.wasm")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if _, err := Load(escape); err == nil || !strings.Contains(err.Error(), "m.wasm") {
		t.Errorf("escaping symlink: %v", err)
	}

	// A FIFO is refused without blocking.
	fifo := t.TempDir()
	writeFile(t, filepath.Join(fifo, "manifest.toml"), []byte(withModule("m.wasm")))
	if err := syscall.Mkfifo(filepath.Join(fifo, "m.wasm"), 0o644); err == nil {
		if _, err := Load(fifo); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("fifo: %v", err)
		}
	}

	// Over the size limit.
	large := t.TempDir()
	writeFile(t, filepath.Join(large, "manifest.toml"), bytes.Repeat([]byte("#"), 1<<20+1))
	if _, err := Load(large); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large manifest: %v", err)
	}
}

func TestLoadWasm(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "calc.wasm"), wasmModule)
	if _, err := Load(filepath.Join(dir, "calc.wasm")); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "expected calc.toml or manifest.toml beside it") {
		t.Errorf("no manifest: %v", err)
	}
	// manifest.toml in the same folder.
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(manifestTOML))
	p, err := Load(filepath.Join(dir, "calc.wasm"))
	if err != nil || p.Manifest.Wasm != "calc.wasm" || !bytes.Equal(p.Modules["calc.wasm"], wasmModule) {
		t.Fatalf("%+v %v", p, err)
	}
	// NAME.toml wins over manifest.toml, and may name the module with a
	// folder that the bare layout does not have.
	writeFile(t, filepath.Join(dir, "calc.toml"), []byte(withModule("build/calc.wasm")))
	p, err = Load(filepath.Join(dir, "calc.wasm"))
	if err != nil || p.Manifest.Wasm != "build/calc.wasm" || p.Modules["build/calc.wasm"] == nil {
		t.Fatalf("%+v %v", p, err)
	}
	// A manifest naming another module does not describe this one.
	writeFile(t, filepath.Join(dir, "calc.toml"), []byte(withModule("other.wasm")))
	if _, err := Load(filepath.Join(dir, "calc.wasm")); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `names module "other.wasm"`) {
		t.Errorf("mismatch: %v", err)
	}
}

func TestCheckEntryName(t *testing.T) {
	for _, ok := range []string{"manifest.toml", "README.md", "a.wasm", "build/a.wasm", "icons/a.png", "icons/dark/a.SVG"} {
		if err := CheckEntryName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/manifest.toml", "../a.wasm", "readme.md", "README", "icons", "icons/", "icons/../a.png",
		"icons/a.png.exe", "a.wasm/", "manifest.toml/x", "./a.wasm", "a//b.wasm", "x.toml"} {
		if err := CheckEntryName(bad); !errors.Is(err, ErrUnsafe) {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}
