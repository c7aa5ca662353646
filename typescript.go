// TypeScript custom nodes: a node's source in, a package out, as the
// server's uploads and `weft pkg build` of a TypeScript project make them.

package weft

import (
	"context"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/tsnode"
)

// TypeScriptSource is a custom node written in TypeScript (api-v1.md,
// "TypeScript custom nodes").
type TypeScriptSource struct {
	// Name is the node's name and its workflow type:
	// ^[A-Za-z][A-Za-z0-9_-]{0,254}$. Its package is ts.NAME.
	Name        string
	Version     string // semantic version
	Description string
	// File names the source in problems; default "node.ts".
	File string
	// Code is the module: its default export is node({...}) of the "weft"
	// SDK module, the only import that resolves.
	Code string
}

// BuildTypeScript compiles a TypeScript node in-process (esbuild, with no
// access to the machine's files) and returns its package as .weftpkg
// bytes: the manifest made from the node's declaration, the bundle and the
// source. The same source gives the same bytes.
//
//	data, err := weft.BuildTypeScript(ctx, weft.TypeScriptSource{Name: "Greet", Version: "1.0.0", Code: src})
//	desc, err := eng.InspectPackage(ctx, data, weft.InspectOptions{Source: "upload"})
//
// # Errors
//
// ErrInvalid, with every problem for Problems(err): esbuild's with file,
// line and column (a syntax error, an import other than "weft"), and the
// declaration's naming its field (inputs.channel.type).
func BuildTypeScript(ctx context.Context, src TypeScriptSource) ([]byte, error) {
	res, err := tsnode.Build(ctx, tsnode.Source{Name: src.Name, Version: src.Version, Description: src.Description, File: src.File, Code: src.Code})
	if err != nil {
		return nil, &invalidError{err}
	}
	p := pkgfile.FromBuild("typescript "+src.Name, res)
	data, _, err := pkgfile.Pack(p)
	if err != nil {
		return nil, &invalidError{err}
	}
	return data, nil
}
