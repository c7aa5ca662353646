// Package gosdk carries the Go node SDK's source inside the weft binary, so
// that `weft node init --lang go` can write it into a new project (which
// then builds with a `replace` directive, offline, with no weft checkout).
// Node projects import github.com/weft-dev/weft/sdk/go/node, never this
// package.
package gosdk

import "embed"

// Files holds the SDK module: go.mod, README.md and the node and
// node/nodetest packages. It also holds their _test.go files and this
// file, which weft node init leaves out.
//
//go:embed go.mod README.md node/*.go node/nodetest/*.go
var Files embed.FS
