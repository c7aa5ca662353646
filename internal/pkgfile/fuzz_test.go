// Fuzzing the .weftpkg reader, at both layers: raw bytes as the file, and
// raw bytes as the tar inside a valid gzip stream (where mutations of a
// compressed stream would mostly just break its checksum).

package pkgfile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func FuzzReadArchive(f *testing.F) {
	valid := mkTar(f, []entry{
		{name: "./", typeflag: tar.TypeDir},
		{name: "manifest.toml", body: manifestTOML},
		{name: "m.wasm", body: string(wasmModule)},
		{name: "icons/a.png", body: "png"},
	})
	f.Add(valid, true)
	f.Add(gz(f, valid), false)
	f.Add(mkTar(f, []entry{{name: "manifest.toml", body: manifestTOML}, {name: "../m.wasm", body: "x"}}), true)
	f.Add(mkTar(f, []entry{{name: "m.wasm", typeflag: tar.TypeSymlink, link: "/etc/passwd"}}), true)
	f.Add(mkTar(f, []entry{{name: "m.wasm", body: "abc", size: 1 << 30}}), true)
	f.Fuzz(func(t *testing.T, data []byte, wrap bool) {
		if wrap {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		a, err := ReadArchive(bytes.NewReader(data), DefaultLimits)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, name := range a.Names {
			if err := CheckEntryName(name); err != nil {
				t.Fatalf("accepted %q: %v", name, err)
			}
			if seen[strings.ToLower(name)] {
				t.Fatalf("accepted %q twice", name)
			}
			seen[strings.ToLower(name)] = true
			if _, ok := a.Files[name]; !ok {
				t.Fatalf("%q listed but not in Files", name)
			}
		}
		if len(a.Names) != len(a.Files) {
			t.Fatalf("%d names, %d files", len(a.Names), len(a.Files))
		}
		if p, err := LoadArchive("f.weftpkg", bytes.NewReader(data)); err == nil {
			for _, n := range p.Manifest.Nodes {
				if _, ok := p.Modules[p.Manifest.ModuleOf(&n)]; !ok {
					t.Fatalf("node %s has no module", n.ID)
				}
			}
		}
	})
}
