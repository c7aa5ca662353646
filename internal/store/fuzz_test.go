// Fuzzing installs into the store: whatever bytes arrive as a package
// file, Add never panics, never writes outside the store's folder, and
// stores only what reads back whole.

package store

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// tarGz builds a gzip-compressed tar of hostile or valid entries.
func tarGz(t testing.TB, entries ...*tar.Header) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		body := []byte("x")
		if h.Name == "manifest.toml" {
			body = []byte("manifest_version = 1\nid = \"com.example.f\"\nname = \"F\"\nversion = \"1.0.0\"\n\n[[nodes]]\nid = \"a\"\nname = \"A\"\n")
		}
		if h.Typeflag == tar.TypeReg || h.Typeflag == 0 {
			if h.Size == 0 {
				h.Size = int64(len(body))
			}
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if h.Size <= int64(len(body)) {
				tw.Write(body[:h.Size])
			}
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func FuzzAdd(f *testing.F) {
	f.Add(pkgTB(f, id, "1.0.0", ""))
	f.Add(tarGz(f, &tar.Header{Name: "manifest.toml"}, &tar.Header{Name: "../../escape.wasm"}))
	f.Add(tarGz(f, &tar.Header{Name: "manifest.toml"}, &tar.Header{Name: "/etc/cron.d/x.wasm"}))
	f.Add(tarGz(f, &tar.Header{Name: "manifest.toml"}, &tar.Header{Name: "m.wasm", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}))
	f.Add(tarGz(f, &tar.Header{Name: "manifest.toml"}, &tar.Header{Name: "m.wasm", Typeflag: tar.TypeLink, Linkname: "manifest.toml"}))
	// A zip-bomb-like entry: 1 GiB of zeros compresses to about 1 MiB.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "m.wasm", Size: 64 << 20, Mode: 0o644})
	tw.Write(make([]byte, 64<<20))
	tw.Close()
	zw.Close()
	f.Add(bomb.Bytes())
	s, home := openStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := s.Add(context.Background(), "default", data, AddOptions{Activate: true})
		// Nothing outside packages/ and the database.
		filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
			rel, _ := filepath.Rel(home, p)
			if d == nil || d.IsDir() {
				return nil
			}
			if !strings.HasPrefix(rel, filepath.Join("packages", "sha256")+string(filepath.Separator)) && !strings.HasPrefix(rel, "weft.db") {
				t.Fatalf("Add wrote %s", rel)
			}
			return nil
		})
		if err != nil {
			return
		}
		defer s.Remove(context.Background(), "default", v.ID, v.Version)
		got, _, err := s.Blob(v.Digest)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("stored %s does not read back: %v", v.Digest, err)
		}
	})
}
