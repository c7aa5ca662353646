// Tests of named trees: multi-document files and SubTree's treeId.

package workflow_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/workflow"
)

func TestTreesLinked(t *testing.T) {
	wf, err := load("testdata/valid/subtree_trees.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(wf.Trees, ","); got != "common-validation,leaf-tree" {
		t.Fatalf("Trees = %q", got)
	}
	a, b := wf.Root.Children[0], wf.Root.Children[1]
	if len(a.Children) != 1 || a.Children[0].ID != "common-validation" || b.Children[0] != a.Children[0] {
		t.Fatalf("treeId not linked: %+v / %+v", a.Children, b.Children)
	}
	nested := a.Children[0].Children[1]
	if nested.ID != "nested" || len(nested.Children) != 1 || nested.Children[0].ID != "leaf-tree" {
		t.Fatalf("nested treeId not linked: %+v", nested)
	}
	// Every place a tree runs gets nodes of its own.
	tr, err := wf.Root.Instantiate(wf.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Nodes); n != 12 {
		t.Fatalf("%d nodes, want 12 (1 + 2 x (1 + 1 + 2 + 1) + 1)", n)
	}
}

// TestTreesExpansionBounded: trees that each run the next ten times would
// make 10^5 nodes from a file of a few lines: refused at load.
func TestTreesExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("type: SubTree\nprops: {treeId: t0}\n")
	for level := range 5 {
		fmt.Fprintf(&b, "---\ntype: Sequence\nid: t%d\nchildren:\n", level)
		for i := range 10 {
			if level == 4 {
				fmt.Fprintf(&b, "  - {type: SuccessNode, id: leaf-%d}\n", i)
			} else {
				fmt.Fprintf(&b, "  - {type: SubTree, id: c%d-%d, props: {treeId: t%d}}\n", level, i, level+1)
			}
		}
	}
	_, err := workflow.Load("big.yaml", []byte(b.String()), workflow.Options{Registry: registry()})
	if err == nil || !strings.Contains(err.Error(), "big.yaml:1:1: the workflow has more than 20000 nodes once each SubTree's treeId is replaced by its tree") {
		t.Fatalf("err = %v", err)
	}
}

func TestTreesEmptyDocuments(t *testing.T) {
	cases := []struct{ name, src, errHas string }{
		{"trailing separator", "type: SuccessNode\n---\n", ""},
		{"leading separator", "---\ntype: SuccessNode\n", ""},
		{"only comments after", "type: SuccessNode\n---\n# nothing\n", ""},
		{"only separators", "---\n---\n", "x.yaml:1:1: empty workflow"},
		{"a scalar document", "type: SuccessNode\n---\n42\n", `x.yaml:3:1: expected a node (a mapping with type and optional id, name, props, children), found a scalar "42"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := workflow.Load("x.yaml", []byte(c.src), workflow.Options{Registry: registry()})
			if c.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("err = %v, want %q", err, c.errHas)
			}
		})
	}
}
