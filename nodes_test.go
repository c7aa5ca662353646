// nodes_test.go: Go-native node types through the public API only.

package weft_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft"
)

func TestRegisterNode(t *testing.T) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	halted := make(chan struct{})
	nodes := []weft.NodeType{
		{Type: "t.Fail", Run: func(context.Context, weft.NodeInput) (map[string]any, error) {
			return nil, errors.New("no such customer")
		}},
		{Type: "t.Block", Run: func(ctx context.Context, _ weft.NodeInput) (map[string]any, error) {
			<-ctx.Done()
			close(halted)
			return nil, ctx.Err()
		}},
		{Type: "t.Sneaky", Outputs: []weft.Prop{{Name: "ok", Type: "boolean"}},
			Run: func(context.Context, weft.NodeInput) (map[string]any, error) {
				return map[string]any{"ok": true, "extra": 1}, nil
			}},
		{Type: "t.Add", Props: []weft.Prop{{Name: "a", Type: "integer", Required: true}, {Name: "b", Type: "integer", Default: int64(1)}},
			Outputs: []weft.Prop{{Name: "sum", Type: "integer", Description: "a + b"}},
			Run: func(_ context.Context, in weft.NodeInput) (map[string]any, error) {
				return map[string]any{"sum": in["a"].(int64) + in["b"].(int64)}, nil
			}},
	}
	for _, n := range nodes {
		if err := eng.RegisterNode(n); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []weft.NodeType{
		{Type: "Sequence", Run: nodes[0].Run},
		{Type: "t.Add", Run: nodes[0].Run},
		{Type: "1x", Run: nodes[0].Run},
		{Type: "t.NoRun"},
		{Type: "t.BadProp", Props: []weft.Prop{{Name: "x", Type: "thing"}}, Run: nodes[0].Run},
	} {
		if err := eng.RegisterNode(bad); !errors.Is(err, weft.ErrInvalid) {
			t.Errorf("%+v: %v", bad.Type, err)
		}
	}
	// Load-time checks of props: required, and the type.
	if _, err := eng.Load("x.yaml", []byte("type: t.Add\nid: s\nprops: {b: 2}\n")); err == nil || !strings.Contains(err.Error(), `missing required prop "a"`) {
		t.Errorf("missing prop: %v", err)
	}
	if _, err := eng.Load("x.yaml", []byte("type: t.Add\nid: s\nprops: {a: x}\n")); err == nil || !strings.Contains(err.Error(), "expected integer") {
		t.Errorf("wrong type: %v", err)
	}
	wf, err := eng.Load("x.yaml", []byte("type: Sequence\nchildren:\n  - type: t.Add\n    id: s\n    props: {a: 41, outputKey: total}\n  - type: t.Fail\n    id: f\n"))
	if err != nil {
		t.Fatal(err)
	}
	if wf.Rerunnable() {
		t.Error("a workflow with a Go node counts as rerunnable")
	}
	res, err := wf.Run(ctx, weft.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "failure" || res.Err == nil || !strings.Contains(res.Err.Error(), "no such customer") {
		t.Fatalf("status %s, err %v", res.Status, res.Err)
	}
	if sum, _ := res.Blackboard["total"].(map[string]any); sum["sum"] != int64(42) {
		t.Fatalf("blackboard %v", res.Blackboard)
	}
	// An undeclared output fails the node, naming it.
	wf, err = eng.Load("x.yaml", []byte("type: t.Sneaky\nid: s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := wf.Run(ctx, weft.RunOptions{}); res.Status != "failure" || !strings.Contains(res.Err.Error(), `output "extra"`) {
		t.Fatalf("undeclared output: %s %v", res.Status, res.Err)
	}
	// A blocking node is halted by a timeout, its ctx cancelled.
	wf, err = eng.Load("x.yaml", []byte("type: Timeout\nprops: {timeoutMs: 50}\nchildren:\n  - type: t.Block\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := wf.Run(ctx, weft.RunOptions{}); res.Status != "failure" {
		t.Fatalf("timeout: %s", res.Status)
	}
	select {
	case <-halted:
	case <-time.After(5 * time.Second):
		t.Fatal("the blocked node's context was not cancelled")
	}
}
