// An outside Go module embeds weft and registers a Go-native node through
// the public API alone (no internal package, which Go would refuse).

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbedFromAnOutsideModule(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "go.sum", string(sum))
	writeFile(t, dir, "go.mod", "module example.com/outside\n\ngo 1.26.0\n\nrequire github.com/weft-dev/weft v0.0.0\n\nreplace github.com/weft-dev/weft => "+root+"\n")
	writeFile(t, dir, "main.go", `package main

import (
	"context"
	"fmt"

	"github.com/weft-dev/weft"
)

func main() {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: ".weft-home", NoJournal: true})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	if err := eng.RegisterNode(weft.NodeType{Type: "outside.Double", Props: []weft.Prop{{Name: "n", Type: "integer", Required: true}},
		Run: func(_ context.Context, in weft.NodeInput) (map[string]any, error) {
			return map[string]any{"twice": 2 * in["n"].(int64)}, nil
		}}); err != nil {
		panic(err)
	}
	wf, err := eng.Load("x.yaml", []byte("type: outside.Double\nid: d\nprops: {n: 21}\n"))
	if err != nil {
		panic(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{Events: func(weft.Event) {}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Blackboard["d"])
}
`)
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "success map[twice:42]") {
		t.Fatalf("go run: %v\n%s", err, out)
	}
}
