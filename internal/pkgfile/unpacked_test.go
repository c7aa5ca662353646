// Tests of unpacked copies: Unpack then LoadUnpacked gives the package
// LoadArchive gives, and any damage to a copy is refused.

package pkgfile

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

func unpackedFixture(t testing.TB) ([]byte, []byte) {
	t.Helper()
	data := mkArchive(t,
		entry{name: "./", typeflag: tar.TypeDir},
		entry{name: "./manifest.toml", body: manifestTOML},
		entry{name: "math.wasm", body: string(wasmModule) + "\x00\x05hello"},
		entry{name: "README.md", body: "# Test"},
		entry{name: "src/", typeflag: tar.TypeDir},
		entry{name: "src/index.ts", body: "export {}"},
	)
	_, u, err := Unpack("test.weftpkg", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return data, u
}

func TestUnpackedRoundTrip(t *testing.T) {
	data, u := unpackedFixture(t)
	want, err := LoadArchive("test.weftpkg", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadUnpacked("test.weftpkg", u)
	if err != nil {
		t.Fatal(err)
	}
	code := want.Modules["math.wasm"]
	sum := sha256.Sum256(code)
	if len(got.ModuleDigests) != 1 || got.ModuleDigests["math.wasm"] != hex.EncodeToString(sum[:]) {
		t.Errorf("module digests %v", got.ModuleDigests)
	}
	if want.ModuleDigests != nil {
		t.Errorf("LoadArchive set module digests: %v", want.ModuleDigests)
	}
	got.ModuleDigests = nil
	// The manifest's default module was picked ("math.wasm") the same way.
	if !reflect.DeepEqual(got, want) || got.Manifest.Wasm != "math.wasm" {
		t.Errorf("LoadUnpacked:\n%+v\nLoadArchive:\n%+v", got, want)
	}
	if len(got.Sources) != 1 || string(got.Sources["src/index.ts"]) != "export {}" {
		t.Errorf("sources %v", got.Sources)
	}
}

// TestUnpackedDamage: a changed byte anywhere, a truncation or extra bytes
// make LoadUnpacked refuse the copy with ErrFormat, never return other
// contents.
func TestUnpackedDamage(t *testing.T) {
	_, u := unpackedFixture(t)
	for i := range u {
		for _, bit := range []byte{0x01, 0x80} {
			d := bytes.Clone(u)
			d[i] ^= bit
			if p, err := LoadUnpacked("x", d); !errors.Is(err, ErrFormat) {
				t.Fatalf("byte %d ^ %#x: %v, package %+v", i, bit, err, p)
			}
		}
	}
	for _, d := range [][]byte{u[:len(u)-1], u[:len(u)/2], u[:20], nil, append(bytes.Clone(u), 0)} {
		if _, err := LoadUnpacked("x", d); !errors.Is(err, ErrFormat) {
			t.Errorf("%d of %d bytes: %v", len(d), len(u), err)
		}
	}
}
