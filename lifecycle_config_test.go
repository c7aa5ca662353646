// The operator's package config reaches a package's weft_init through the
// root API (Config.PackageConfig), with a real WebAssembly module.

package weft_test

import (
	"context"
	"testing"

	"github.com/weft-dev/weft"
)

func TestPackageConfigReachesInit(t *testing.T) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true,
		PackageConfig: map[string]map[string]any{"test.initconfig": {"api_key": "k-123"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.AddPackage(ctx, "internal/wasmhost/testdata/pkgs/initconfig"); err != nil {
		t.Fatal(err)
	}
	wf, err := eng.Load("w.yaml", []byte("type: test.initconfig/run\nid: n\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{})
	if err != nil || res.Status != "success" {
		t.Fatalf("%+v %v", res, err)
	}
	out := res.Blackboard["n"].(map[string]any)
	init, _ := out["init"].(map[string]any)
	cfg, _ := init["config"].(map[string]any)
	if cfg["api_key"] != "k-123" {
		t.Fatalf("weft_init saw %v; outputs %v", init, out)
	}
}
