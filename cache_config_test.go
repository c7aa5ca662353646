// Config.PersistentCache: cache.* in Home/cache.db shared by engines (and
// processes) on one Home, and the in-memory cache, per engine, without it
// (what the server uses).

package weft_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft"
)

const cacheConfigFlow = `
type: test.hostcall/call
id: c
props: {op: "{{ op }}", req: "{{ req }}", outputs: {reply: reply}}
`

// cacheReply runs op with req on a new engine with cfg, closes it, and
// returns the reply as JSON.
func cacheReply(t *testing.T, cfg weft.Config, op string, req map[string]any) string {
	t.Helper()
	ctx := context.Background()
	eng, err := weft.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.AddPackage(ctx, filepath.Join("internal", "wasmhost", "testdata", "pkgs", "hostcall")); err != nil {
		t.Fatal(err)
	}
	wf, err := eng.Load("cache.yaml", []byte(cacheConfigFlow))
	if err != nil {
		t.Fatal(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{Inputs: map[string]any{"op": op, "req": req}})
	if err != nil || res.Status != "success" {
		t.Fatalf("%s: %v %v", op, res, err)
	}
	b, _ := json.Marshal(res.Blackboard["reply"])
	return string(b)
}

func TestConfigPersistentCache(t *testing.T) {
	tests := []struct {
		persistent bool
		want       string // what a second engine reads
		file       bool   // whether Home/cache.db exists
	}{
		{true, `{"ok":"v"}`, true},
		{false, `{"ok":null}`, false},
	}
	for _, tt := range tests {
		home := t.TempDir()
		cfg := weft.Config{Home: home, NoJournal: true, PersistentCache: tt.persistent}
		if got := cacheReply(t, cfg, "cache.set", map[string]any{"key": "k", "value": "v"}); got != `{"ok":null}` {
			t.Fatalf("persistent %v: set: %s", tt.persistent, got)
		}
		if got := cacheReply(t, cfg, "cache.get", map[string]any{"key": "k"}); got != tt.want {
			t.Errorf("persistent %v: a second engine reads %s, want %s", tt.persistent, got, tt.want)
		}
		if _, err := os.Stat(filepath.Join(home, "cache.db")); (err == nil) != tt.file {
			t.Errorf("persistent %v: cache.db: %v", tt.persistent, err)
		}
	}
}
