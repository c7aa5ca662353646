// Tests of the trust store: add, list, remove, idempotence, conflicts, names,
// file modes, and damaged store files.

package signing

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrustStoreAddListRemove(t *testing.T) {
	pubA, _ := fixedKey(t, 1)
	pubB, _ := fixedKey(t, 2)
	idA, idB := mustID(t, pubA), mustID(t, pubB)
	store := TrustStore{Dir: filepath.Join(t.TempDir(), "home", "trust")}

	// An absent folder is an empty store.
	if keys, err := store.List(); err != nil || len(keys) != 0 {
		t.Fatalf("List = %v, %v", keys, err)
	}
	kA, err := store.Add(pubA, "  Example Corp  ")
	if err != nil {
		t.Fatal(err)
	}
	want := Key{ID: idA, Name: "Example Corp", Path: filepath.Join(store.Dir, idA+".pub")}
	if kA != want {
		t.Fatalf("Add = %+v, want %+v", kA, want)
	}
	fi, err := os.Stat(store.Dir)
	if err != nil || fi.Mode() != os.ModeDir|0o700 {
		t.Fatalf("store folder mode %v (%v), want drwx------", fi.Mode(), err)
	}
	fi, err = os.Stat(kA.Path)
	if err != nil || fi.Mode() != 0o644 {
		t.Fatalf("key file mode %v (%v), want -rw-r--r--", fi.Mode(), err)
	}
	b, _ := os.ReadFile(kA.Path)
	pubLine := strings.Split(string(pubA), "\n")[1]
	if string(b) != "untrusted comment: weft trusted key "+idA+": Example Corp\n"+pubLine+"\n" {
		t.Fatalf("key file:\n%s", b)
	}

	// Idempotent: same key again (even as a bare line, with another name).
	for _, again := range [][]byte{pubA, []byte(pubLine), []byte(pubLine + "\n")} {
		k, err := store.Add(again, "Other Name")
		if err != nil || k != want {
			t.Fatalf("Add again = %+v, %v; want %+v", k, err, want)
		}
	}
	if b2, _ := os.ReadFile(kA.Path); string(b2) != string(b) {
		t.Fatal("adding the same key again changed its file")
	}

	// The bare base64 key, without a name.
	kB, err := store.Add([]byte(strings.Split(string(pubB), "\n")[1]), "")
	if err != nil || kB != (Key{ID: idB, Path: filepath.Join(store.Dir, idB+".pub")}) {
		t.Fatalf("Add bare = %+v, %v", kB, err)
	}

	// Other files in the folder are ignored.
	os.WriteFile(filepath.Join(store.Dir, "README"), []byte("notes"), 0o644)
	os.WriteFile(filepath.Join(store.Dir, "abc.pub"), []byte("junk"), 0o644)
	keys, err := store.List()
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []Key{kA, kB}
	if idB < idA {
		wantKeys = []Key{kB, kA}
	}
	if len(keys) != 2 || keys[0] != wantKeys[0] || keys[1] != wantKeys[1] {
		t.Fatalf("List = %+v, want %+v", keys, wantKeys)
	}

	// Remove: IDs in any case, leading zeros optional.
	if err := store.Remove(strings.ToLower(idA)); err != nil {
		t.Fatal(err)
	}
	err = store.Remove(idA)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "key "+idA+" is not in the trust store") {
		t.Fatalf("second Remove: %v", err)
	}
	for _, bad := range []string{"", "xyz", "../../etc/passwd", "12345678901234567", "0x12"} {
		if err := store.Remove(bad); err == nil || errors.Is(err, ErrUnknownKey) {
			t.Errorf("Remove(%q) = %v, want an invalid-ID error", bad, err)
		}
	}
	if keys, _ := store.List(); len(keys) != 1 || keys[0] != kB {
		t.Fatalf("List after Remove = %+v", keys)
	}
}

func TestTrustStoreShortIDs(t *testing.T) {
	// A key whose ID has leading zeros is stored and removed by its full ID.
	pub, _ := fixedKey(t, 1)
	raw, _ := base64.StdEncoding.DecodeString(strings.Split(string(pub), "\n")[1])
	binary.LittleEndian.PutUint64(raw[2:10], 0xABC)
	store := storeWith(t)
	k, err := store.Add([]byte(base64.StdEncoding.EncodeToString(raw)), "")
	if err != nil || k.ID != "0000000000000ABC" {
		t.Fatalf("Add = %+v, %v", k, err)
	}
	if err := store.Remove("abc"); err != nil {
		t.Fatal(err)
	}
}

func TestTrustStoreConflict(t *testing.T) {
	pubA, _ := fixedKey(t, 1)
	pubB, _ := fixedKey(t, 2)
	// Key B under key A's ID.
	rawA, _ := base64.StdEncoding.DecodeString(strings.Split(string(pubA), "\n")[1])
	rawB, _ := base64.StdEncoding.DecodeString(strings.Split(string(pubB), "\n")[1])
	copy(rawB[2:10], rawA[2:10])
	forged := []byte("untrusted comment: x\n" + base64.StdEncoding.EncodeToString(rawB) + "\n")

	store := storeWith(t)
	kA, err := store.Add(pubA, "A")
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Add(forged, "B")
	if !errors.Is(err, ErrKeyConflict) || !strings.Contains(err.Error(), "a different key with ID "+kA.ID+" is already trusted") {
		t.Fatalf("err = %v", err)
	}
	if keys, _ := store.List(); len(keys) != 1 || keys[0] != kA {
		t.Fatalf("List = %+v", keys)
	}
}

func TestTrustStoreNames(t *testing.T) {
	pub, _ := fixedKey(t, 1)
	for _, name := range []string{"two\nlines", "tab\there", "esc\x1b[31m", strings.Repeat("n", MaxNameSize+1), "bad \xff", "line\u2028sep"} {
		if _, err := storeWith(t).Add(pub, name); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	k, err := storeWith(t).Add(pub, "Zoë's Nodes, Inc. (https://example.com)")
	if err != nil || k.Name != "Zoë's Nodes, Inc. (https://example.com)" {
		t.Fatalf("Add = %+v, %v", k, err)
	}
	// The name survives a round trip through the file.
	store := storeWith(t)
	store.Add(pub, "A: B")
	if keys, _ := store.List(); len(keys) != 1 || keys[0].Name != "A: B" {
		t.Fatalf("List = %+v", keys)
	}
}

func TestTrustStoreAddFile(t *testing.T) {
	pub, sec := fixedKey(t, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "publisher.pub")
	os.WriteFile(path, pub, 0o644)
	store := storeWith(t)
	k, err := store.AddFile(path, "P")
	if err != nil || k.ID != mustID(t, pub) {
		t.Fatalf("AddFile = %+v, %v", k, err)
	}
	os.WriteFile(path, sec, 0o600)
	_, err = store.AddFile(path, "P")
	if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), path+": public key not in minisign format") {
		t.Fatalf("AddFile(secret key) = %v", err)
	}
	if _, err := store.AddFile(filepath.Join(dir, "missing.pub"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("AddFile(missing) = %v", err)
	}
	if _, err := store.AddFile(dir, ""); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("AddFile(folder) = %v", err)
	}
}

func TestTrustStoreDamagedFile(t *testing.T) {
	pubA, secA := fixedKey(t, 1)
	pubB, _ := fixedKey(t, 2)
	store := storeWith(t, pubA)
	idA := mustID(t, pubA)
	data := []byte("d")
	sig := mustSign(t, secA, "", data, "c")
	path := filepath.Join(store.Dir, idA+".pub")

	// A file holding another key than its name says is refused, not used.
	os.WriteFile(path, pubB, 0o644)
	for _, err := range []error{
		func() error { _, err := store.Verify(data, sig); return err }(),
		func() error { _, err := store.List(); return err }(),
	} {
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "trust store file "+path) || !strings.Contains(err.Error(), "not "+idA) {
			t.Fatalf("err = %v", err)
		}
	}
	os.WriteFile(path, []byte("garbage"), 0o644)
	if _, err := store.Verify(data, sig); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "trust store file "+path) {
		t.Fatalf("err = %v", err)
	}
	// A damaged file can still be removed.
	if err := store.Remove(idA); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Verify(data, sig); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("err = %v", err)
	}
}

func TestTrustStoreNoDir(t *testing.T) {
	pub, sec := fixedKey(t, 1)
	var s TrustStore
	if _, err := s.Add(pub, ""); err == nil {
		t.Error("Add with no folder succeeded")
	}
	if _, err := s.List(); err == nil {
		t.Error("List with no folder succeeded")
	}
	if err := s.Remove("AB"); err == nil {
		t.Error("Remove with no folder succeeded")
	}
	if _, err := s.Verify([]byte("d"), mustSign(t, sec, "", []byte("d"), "c")); err == nil || errors.Is(err, ErrUntrusted) {
		t.Errorf("Verify with no folder: %v", err)
	}
}
