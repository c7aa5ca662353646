package wasmhost_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/capability/storage"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// storageCall calls op with req through pkg as tenant and returns the raw
// reply as JSON text.
func storageCall(t testing.TB, pkg *wasmhost.Package, tenant, op string, req any) string {
	t.Helper()
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call",
		Inputs:  map[string]any{"op": op, "req": req},
		Context: wasmhost.CallContext{RunID: "r1", Workflow: "w", NodeInstance: "n1", Tenant: tenant}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success {
		t.Fatalf("%s: the fixture failed: %s", op, res.Error)
	}
	return jsonText(res.Outputs["reply"])
}

// storageHost returns the hostcall fixture on a host whose storage is a
// storage.Dir on root with quota.
func storageHost(t *testing.T, root string, quota int64) *wasmhost.Package {
	t.Helper()
	h, err := wasmhost.New(context.Background(), wasmhost.Config{CacheDir: t.TempDir(),
		Capabilities: wasmhost.Capabilities{Storage: storage.New(root, quota)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return load(t, h, "hostcall")
}

func b64s(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestStorageOps: the storage.* operations through a node, per tenant,
// with escapes, links and the quota refused.
func TestStorageOps(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "storage")
	pkg := storageHost(t, root, 64)
	type m = map[string]any
	steps := []struct {
		tenant, op string
		req        any
		want       string // the whole reply, or the error code after "error:"
	}{
		{"t1", "storage.list", m{}, `{"ok":[]}`},
		{"t1", "storage.read", m{"path": "a.txt"}, "error:not_found"},
		{"t1", "storage.write", m{"path": "a.txt", "data_base64": b64s("hello")}, `{"ok":null}`},
		{"t1", "storage.write", m{"path": "docs/b.bin", "data_base64": "AP8="}, `{"ok":null}`},
		{"t1", "storage.write", m{"path": "docs/empty", "data_base64": ""}, `{"ok":null}`},
		{"t1", "storage.read", m{"path": "a.txt"}, `{"ok":{"data_base64":"` + b64s("hello") + `"}}`},
		{"t1", "storage.read", m{"path": "docs/b.bin"}, `{"ok":{"data_base64":"AP8="}}`},
		{"t1", "storage.list", m{}, `{"ok":["a.txt","docs/b.bin","docs/empty"]}`},
		{"t1", "storage.list", nil, `{"ok":["a.txt","docs/b.bin","docs/empty"]}`},
		{"t1", "storage.list", m{"prefix": "docs/"}, `{"ok":["docs/b.bin","docs/empty"]}`},
		{"t1", "storage.list", m{"prefix": nil}, `{"ok":["a.txt","docs/b.bin","docs/empty"]}`},
		// Another tenant sees none of it.
		{"t2", "storage.read", m{"path": "a.txt"}, "error:not_found"},
		{"t2", "storage.list", m{}, `{"ok":[]}`},
		{"t2", "storage.write", m{"path": "a.txt", "data_base64": b64s("t2")}, `{"ok":null}`},
		{"t1", "storage.read", m{"path": "a.txt"}, `{"ok":{"data_base64":"` + b64s("hello") + `"}}`},
		// Escapes.
		{"t1", "storage.read", m{"path": "../t2/test.hostcall/a.txt"}, "error:invalid_request"},
		{"t1", "storage.read", m{"path": "a/../../x"}, "error:invalid_request"},
		{"t1", "storage.read", m{"path": "/etc/passwd"}, "error:invalid_request"},
		{"t1", "storage.write", m{"path": "../x", "data_base64": "AA=="}, "error:invalid_request"},
		{"t1", "storage.write", m{"path": "/tmp/x", "data_base64": "AA=="}, "error:invalid_request"},
		{"t1", "storage.delete", m{"path": "../../t2/test.hostcall/a.txt"}, "error:invalid_request"},
		{"t1", "storage.read", m{"path": "outside/secret"}, "error:invalid_request"}, // the planted link
		{"t1", "storage.write", m{"path": "outside/new", "data_base64": "AA=="}, "error:invalid_request"},
		// Bad requests.
		{"t1", "storage.read", m{}, "error:invalid_request"},
		{"t1", "storage.read", m{"path": ""}, "error:invalid_request"},
		{"t1", "storage.read", m{"path": int64(1)}, "error:invalid_request"},
		{"t1", "storage.write", m{"path": "x"}, "error:invalid_request"},
		{"t1", "storage.write", m{"path": "x", "data_base64": "%%"}, "error:invalid_request"},
		{"t1", "storage.list", m{"prefix": int64(1)}, "error:invalid_request"},
		{"t1", "storage.delete", m{}, "error:invalid_request"},
		// Quota: 64 bytes per tenant and package; 7 used.
		{"t1", "storage.write", m{"path": "big", "data_base64": b64s(strings.Repeat("x", 58))}, "error:limit_exceeded"},
		{"t1", "storage.write", m{"path": "big", "data_base64": b64s(strings.Repeat("x", 57))}, `{"ok":null}`},
		{"t2", "storage.write", m{"path": "big", "data_base64": b64s(strings.Repeat("x", 62))}, `{"ok":null}`},
		// Delete.
		{"t1", "storage.delete", m{"path": "docs/b.bin"}, `{"ok":null}`},
		{"t1", "storage.delete", m{"path": "docs/b.bin"}, `{"ok":null}`},
		{"t1", "storage.read", m{"path": "docs/b.bin"}, "error:not_found"},
		{"t1", "storage.list", m{"prefix": "docs"}, `{"ok":["docs/empty"]}`},
	}
	secret := filepath.Join(base, "secret")
	if err := os.MkdirAll(secret, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secret, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		if i == 3 { // the scope's directory exists now: plant a link out of it
			if err := os.Symlink(secret, filepath.Join(root, "t1", "test.hostcall", "outside")); err != nil {
				t.Fatal(err)
			}
		}
		got := storageCall(t, pkg, s.tenant, s.op, s.req)
		if code, ok := strings.CutPrefix(s.want, "error:"); ok {
			if !strings.HasPrefix(got, `{"error":{"code":"`+code+`"`) {
				t.Errorf("step %d: %s %s as %s: %s, want %s", i, s.op, jsonText(s.req), s.tenant, got, code)
			}
		} else if got != s.want {
			t.Errorf("step %d: %s %s as %s: %s, want %s", i, s.op, jsonText(s.req), s.tenant, got, s.want)
		}
	}
	if got, err := os.ReadFile(filepath.Join(root, "t2", "test.hostcall", "a.txt")); err != nil || string(got) != "t2" {
		t.Errorf("t2's file on disk: %q %v", got, err)
	}
	if entries, _ := os.ReadDir(secret); len(entries) != 1 {
		t.Errorf("files appeared outside the storage: %v", entries)
	}
}

// TestStorageUnavailable: without a store, a permitted operation answers
// unavailable.
func TestStorageUnavailable(t *testing.T) {
	pkg := load(t, newHost(t), "hostcall")
	for _, op := range []string{"storage.read", "storage.write", "storage.list", "storage.delete"} {
		got := storageCall(t, pkg, "t1", op, map[string]any{"path": "a", "data_base64": ""})
		if !strings.HasPrefix(got, `{"error":{"code":"unavailable"`) {
			t.Errorf("%s: %s", op, got)
		}
	}
}
