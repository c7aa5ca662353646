// Tests of Pack (reproducible package files) and RunBuild.

package pkgfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPackReproducible(t *testing.T) {
	build := func(mtime time.Time, mode os.FileMode) ([]byte, string) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(manifestTOML))
		writeFile(t, filepath.Join(dir, "only.wasm"), wasmModule)
		writeFile(t, filepath.Join(dir, "README.md"), []byte("# Test\n"))
		writeFile(t, filepath.Join(dir, "icons", "plus.svg"), []byte("<svg/>"))
		writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not packed"))
		for _, f := range []string{"manifest.toml", "only.wasm", "README.md", "icons/plus.svg"} {
			p := filepath.Join(dir, f)
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
		}
		p, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		data, digest, err := Pack(p)
		if err != nil {
			t.Fatal(err)
		}
		return data, digest
	}
	a, da := build(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), 0o644)
	b, db := build(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), 0o600)
	if !bytes.Equal(a, b) || da != db {
		t.Fatalf("two builds of the same inputs differ: %s vs %s", da, db)
	}
	sum := sha256.Sum256(a)
	if da != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("digest %s is not the file's sha256", da)
	}
	// The file reads back with the same identity and holds what was packed.
	p, err := LoadArchive("x.weftpkg", bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if p.Digest != da || string(p.ManifestData) != manifestTOML || !bytes.Equal(p.Modules["only.wasm"], wasmModule) {
		t.Errorf("round trip: %+v", p)
	}
	arc, err := ReadArchive(bytes.NewReader(a), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(arc.Names, ","); got != "README.md,icons/plus.svg,manifest.toml,only.wasm" {
		t.Errorf("entries %s", got)
	}
	// Changing one byte of input changes the identity.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(manifestTOML+"\n"))
	writeFile(t, filepath.Join(dir, "only.wasm"), wasmModule)
	p2, _ := Load(dir)
	if _, d2, _ := Pack(p2); d2 == da {
		t.Error("a changed manifest kept the digest")
	}
}

func TestPackRefusesBadIcon(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(manifestTOML))
	writeFile(t, filepath.Join(dir, "only.wasm"), wasmModule)
	writeFile(t, filepath.Join(dir, "icons", "run.sh"), []byte("#!/bin/sh"))
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Pack(p); err == nil || !strings.Contains(err.Error(), "icons/run.sh") {
		t.Errorf("got %v", err)
	}
}

func TestRunBuild(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(manifestTOML))
	var out bytes.Buffer
	if ran, err := RunBuild(context.Background(), dir, &out); ran || err != nil {
		t.Fatalf("no [build]: ran=%v err=%v", ran, err)
	}
	m := strings.Replace(manifestTOML, "[[nodes]]", "[build]\ncommand = \"printf '\\\\0asm\\\\1\\\\0\\\\0\\\\0' > only.wasm && echo built\"\n\n[[nodes]]", 1)
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(m))
	ran, err := RunBuild(context.Background(), dir, &out)
	if !ran || err != nil || !strings.Contains(out.String(), "built") {
		t.Fatalf("ran=%v err=%v out=%q", ran, err, out.String())
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("the built module does not load: %v", err)
	}
	m = strings.Replace(manifestTOML, "[[nodes]]", "[build]\ncommand = \"echo broken >&2; exit 3\"\n\n[[nodes]]", 1)
	writeFile(t, filepath.Join(dir, "manifest.toml"), []byte(m))
	out.Reset()
	if _, err := RunBuild(context.Background(), dir, &out); err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(out.String(), "broken") {
		t.Errorf("failing command: %v %q", err, out.String())
	}
}

// TestStaleOnlyForBuildInputs: editing a source makes a folder stale;
// editing its manifest, a workflow or a README does not.
func TestStaleOnlyForBuildInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, at time.Time) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour)
	write("manifest.toml", "manifest_version = 1\nid = \"test.s\"\nname = \"S\"\nversion = \"1.0.0\"\nwasm = \"s.wasm\"\n[build]\ncommand = \"true\"\n[[nodes]]\nid = \"n\"\nname = \"N\"\n", t0)
	write("node.c", "int x;", t0)
	write("s.wasm", "\x00asm\x01\x00\x00\x00", t0.Add(time.Minute))
	if stale, why, err := Stale(dir); err != nil || stale {
		t.Fatalf("fresh: %v %s %v", stale, why, err)
	}
	later := t0.Add(10 * time.Minute)
	for _, f := range []string{"manifest.toml", "example.yaml", "README.md", "flow.lock", "trace.jsonl"} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		write(f, string(data)+"\n", later)
		if stale, why, err := Stale(dir); err != nil || stale {
			t.Errorf("after editing %s: stale %v (%s) %v", f, stale, why, err)
		}
	}
	write("node.c", "int y;", later)
	if stale, why, _ := Stale(dir); !stale || !strings.Contains(why, "node.c") {
		t.Fatalf("after editing node.c: %v %s", stale, why)
	}
}
