// Command gen writes docs/nodes.md from the built-in node specs. Run it with
// `go generate ./internal/nodedoc/...` from the repository root.
package main

import (
	"fmt"
	"os"

	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/nodedoc"
)

func main() {
	out := "docs/nodes.md"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := os.WriteFile(out, nodedoc.Markdown(builtin.Specs()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
