// Tests of installed packages through the embedding API: install, resolve
// per tenant, upgrades that leave runs in flight on their version,
// lockfiles, and refusals that leave nothing installed.

package weft_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/enginex"
)

// releasePackage builds the e2e release fixture as version v and returns
// its .weftpkg bytes.
func releasePackage(t *testing.T, v string) []byte {
	t.Helper()
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Fatalf("wat2wasm (Debian: wabt) is needed: %v", err)
	}
	dir := t.TempDir()
	for _, f := range []string{"manifest.toml", "release.wat"} {
		data, err := os.ReadFile(filepath.Join("e2e", "testdata", "pkgs", "release", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(strings.ReplaceAll(string(data), "1.0.0", v)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("wat2wasm", filepath.Join(dir, "release.wat"), "-o", filepath.Join(dir, "release.wasm")).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, out)
	}
	data, err := weft.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func releaseOf(t *testing.T, res *weft.Result) string {
	t.Helper()
	if res.Status != "success" {
		t.Fatalf("run failed: %v", res.Err)
	}
	rel, _ := res.Blackboard["rel"].(map[string]any)
	s, _ := rel["release"].(string)
	return s
}

func TestInstalledPackagesAndUpgradesInFlight(t *testing.T) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	v1, v2 := releasePackage(t, "1.0.0"), releasePackage(t, "2.0.0")
	var reviewed *weft.Review
	if _, err := eng.InstallPackage(ctx, v1, weft.InstallOptions{Tenant: "acme",
		Review: func(r *weft.Review) error { reviewed = r; return nil }}); err != nil {
		t.Fatal(err)
	}
	if reviewed == nil || reviewed.Upgrade != "" || len(reviewed.Warnings) != 1 || !strings.Contains(reviewed.Warnings[0], "not signed") {
		t.Errorf("review: %+v", reviewed)
	}
	src := []byte("type: Sequence\nchildren:\n  - type: WaitAction\n    props: {waitMs: 400}\n  - type: com.example.release/which\n    id: rel\n")
	w1, err := eng.LoadWith(ctx, "flow.yaml", src, weft.LoadOptions{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	// Start a run on 1.0.0, upgrade while it waits, and run again.
	done := make(chan *weft.Result, 1)
	go func() {
		res, err := w1.Run(ctx, weft.RunOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	if _, err := eng.InstallPackage(ctx, v2, weft.InstallOptions{Tenant: "acme"}); err != nil {
		t.Fatal(err)
	}
	w2, err := eng.LoadWith(ctx, "flow.yaml", src, weft.LoadOptions{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := w2.Run(ctx, weft.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := releaseOf(t, res2); got != "2.0.0" {
		t.Errorf("a workflow loaded after the upgrade ran %s", got)
	}
	if got := releaseOf(t, <-done); got != "1.0.0" {
		t.Errorf("the run in flight during the upgrade ran %s, want the 1.0.0 it started with", got)
	}
	// Another tenant resolves nothing; a run of acme's workflow as another tenant is refused.
	if _, err := eng.LoadWith(ctx, "flow.yaml", src, weft.LoadOptions{Tenant: "globex"}); !errors.Is(err, weft.ErrInvalid) || !strings.Contains(err.Error(), "unknown node type") {
		t.Errorf("globex: %v", err)
	}
	if _, err := w2.Run(ctx, weft.RunOptions{Tenant: "globex"}); !errors.Is(err, weft.ErrInvalid) {
		t.Errorf("running acme's workflow as globex: %v", err)
	}
	// The lock pins 2.0.0 through a rollback.
	lock := w2.Lock()
	path := filepath.Join(t.TempDir(), "flow.lock")
	if err := lock.Write(path); err != nil {
		t.Fatal(err)
	}
	st, err := enginex.Packages(ctx, eng)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st.Rollback(ctx, "acme", "com.example.release"); err != nil || v.Version != "1.0.0" {
		t.Fatalf("rollback: %v %v", v, err)
	}
	read, err := weft.ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	w3, err := eng.LoadWith(ctx, "flow.yaml", src, weft.LoadOptions{Tenant: "acme", Lock: read})
	if err != nil {
		t.Fatal(err)
	}
	res3, _ := w3.Run(ctx, weft.RunOptions{})
	if got := releaseOf(t, res3); got != "2.0.0" {
		t.Errorf("with the lock ran %s", got)
	}
	w4, _ := eng.LoadWith(ctx, "flow.yaml", src, weft.LoadOptions{Tenant: "acme"})
	res4, _ := w4.Run(ctx, weft.RunOptions{})
	if got := releaseOf(t, res4); got != "1.0.0" {
		t.Errorf("after the rollback ran %s", got)
	}
	// A broken package is refused.
	if _, err := eng.InstallPackage(ctx, v2[:len(v2)-1], weft.InstallOptions{Tenant: "acme"}); !errors.Is(err, weft.ErrInvalid) {
		t.Errorf("truncated package: %v", err)
	}
}

func TestLockfileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ body, want string }{
		"notjson":   {"{\n  \"lock_version\": 1,,\n}", "flow.lock:2"},
		"truncated": {"{", "flow.lock: unexpected EOF"},
		"version":   {`{"lock_version": 2, "packages": {}}`, "lock_version: expected 1, found 2"},
		"unknown":   {`{"lock_version": 1, "packagez": {}}`, "unknown field"},
		"digest":    {`{"lock_version": 1, "packages": {"a.b/c": {"id": "a.b", "version": "1.0.0", "digest": "md5:x"}}}`, "digest sha256:"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name, "flow.lock")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(c.body), 0o644)
			_, err := weft.ReadLock(p)
			if !errors.Is(err, weft.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	if got := weft.LockPath("a/flow.yaml"); got != "a/flow.lock" {
		t.Errorf("LockPath: %s", got)
	}
}
