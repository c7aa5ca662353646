// Command weft runs workflows: see `weft --help` and docs/cli.md.
package main

import (
	"os"

	"github.com/weft-dev/weft/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
