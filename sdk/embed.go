// Package sdk carries the C node SDK (c/weft.h and c/weft.c) inside the
// weft binary, so that `weft node init --lang c` (and `--lang cpp`) can
// write it into a new project, which compiles it with its own sources.
//
// It lives here rather than in sdk/c because a Go package may not sit in a
// folder with .c files unless it uses cgo, and weft does not. The other
// SDKs carry themselves: sdk/go, sdk/rust, sdk/assemblyscript and
// sdk/typescript each have an embed.go.
package sdk

import (
	"embed"
	"io/fs"
)

//go:embed c/weft.h c/weft.c c/README.md
var cFiles embed.FS

// C holds weft.h, weft.c and README.md at its root (not the SDK's own
// tests).
var C = mustSub(cFiles, "c")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a literal that the embed pattern above holds
	}
	return s
}
