package action

import (
	"fmt"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/template"
)

func TestScratch(t *testing.T) {
	bb := bt.NewBlackboard(map[string]any{"a": map[string]any{"b": int64(2)}, "n": nil, "s": "x", "i": int64(3)})
	for _, src := range []string{"a.b", "a.c", "n.b", "s + i", "i && true", "!i", "-i", "i % 2", "i / 2", "null", "x == null", "a.b // c", "\"a\\nb\"", "a = 1", "1 +\n 2", "in", "1;2", "let x = 1; x", "true || i"} {
		e, err := template.CompileExpression(src)
		if err != nil {
			fmt.Printf("%q compile: %v\n", src, err)
			continue
		}
		v, err := e.Eval(bb)
		fmt.Printf("%q => %#v, %v\n", src, v, err)
	}
}
