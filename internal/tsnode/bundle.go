// bundle.go: esbuild, with a plugin that resolves "weft" from memory and
// refuses every other import.

package tsnode

import (
	"fmt"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/weft-dev/weft/sdk/typescript"
)

// Namespaces of the plugin: the node's own source, and the SDK.
const (
	nsSource = "weft-node"
	nsSDK    = "weft-sdk"
	// exportsName is the global name esbuild's IIFE assigns; Bundle's
	// wrapper makes it a local of the function it returns.
	exportsName = "__weft_exports"
)

// MaxSource bounds the TypeScript source of one node, in bytes.
const MaxSource = 1 << 20

// Bundle type-strips and bundles a node's TypeScript source (file names
// it in errors) into the script the node runtime evaluates: a function
// expression that evaluates the module afresh and returns its exports.
//
//	js, err := tsnode.Bundle("node.ts", src)
//
// # Errors
//
// An *Error (wrapping ErrInvalid) with esbuild's problems, each with file,
// line and column: syntax and type-stripping errors, and every import but
// "weft" ("import of \"node:fs\" is not allowed ...").
func Bundle(file, code string) (string, error) {
	if len(code) > MaxSource {
		return "", problem(file, "", "the source is %d bytes, over the limit of %d", len(code), MaxSource)
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{file},
		Bundle:      true,
		Write:       false,
		Format:      api.FormatIIFE,
		GlobalName:  exportsName,
		Target:      api.ES2020,
		Platform:    api.PlatformNeutral,
		Charset:     api.CharsetUTF8,
		TsconfigRaw: "{}",
		LogLevel:    api.LogLevelSilent,
		// No folder of this machine is ever given to esbuild, neither here
		// nor as a ResolveDir below: the plugin answers every import.
		AbsWorkingDir: "/",
		Plugins:       []api.Plugin{resolver(file, code)},
	})
	if len(res.Errors) > 0 {
		e := &Error{}
		for _, m := range res.Errors {
			p := Problem{File: file, Msg: m.Text}
			if l := m.Location; l != nil {
				p.Line, p.Column = l.Line, l.Column+1
				if l.File != "" {
					p.File = strings.TrimPrefix(l.File, nsSource+":")
				}
			}
			e.Problems = append(e.Problems, p)
		}
		return "", e
	}
	if len(res.OutputFiles) != 1 {
		return "", problem(file, "", "esbuild made %d output files; expected one", len(res.OutputFiles))
	}
	out := string(res.OutputFiles[0].Contents)
	return "(function () {\n" + out + "return " + exportsName + ";\n})", nil
}

// resolver is the plugin: the entry point is the source given, "weft" is
// the SDK, anything else fails at the import.
func resolver(file, code string) api.Plugin {
	sdk := typescript.Module
	return api.Plugin{
		Name: "weft",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				switch {
				case a.Kind == api.ResolveEntryPoint && a.Path == file:
					return api.OnResolveResult{Path: file, Namespace: nsSource}, nil
				case a.Path == "weft" && a.Kind != api.ResolveEntryPoint:
					return api.OnResolveResult{Path: "weft", Namespace: nsSDK}, nil
				}
				return api.OnResolveResult{}, fmt.Errorf("import of %q is not allowed: a node imports only \"weft\" (the node SDK); bundle what else it needs into its own file", a.Path)
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsSource}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
				return api.OnLoadResult{Contents: &code, Loader: api.LoaderTS}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsSDK}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
				return api.OnLoadResult{Contents: &sdk, Loader: api.LoaderJS}, nil
			})
		},
	}
}
