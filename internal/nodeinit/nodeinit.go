// Package nodeinit writes new node projects from the templates of each
// language, for `weft node init --lang LANG NAME`.
//
//	err := nodeinit.Write(nodeinit.Options{Lang: "rust", Name: "hello", Dir: "hello", Version: "0.9.0"})
//
// # Notes
//
//   - templates/LANG holds the files, rendered with text/template: {{.Name}}
//     is the project's name, {{.ID}} the package id (com.example.NAME) and
//     {{.SDKPath}} the folder of the language's SDK as the project's files
//     name it. A trailing ".tmpl" is dropped from file names (so that Go
//     files and go.mod in the templates are not taken for part of weft's
//     own module).
//   - The SDKs are inside the binary (sdk/*/embed.go): Write copies the
//     language's SDK into the project's weft-sdk/ folder, with a VERSION
//     file naming the weft version it came from, and the project uses it by
//     the relative path ./weft-sdk (a replace directive, a Cargo path
//     dependency, -I, a "file:" npm dependency). So a project builds with no
//     network (AssemblyScript's compiler aside, which comes from npm) and no
//     weft checkout, and it can be moved or committed as it is.
//   - Options.SDKRoot (`--sdk`, $WEFT_SDK) links a weft source tree's sdk/
//     folder by absolute path instead, for work on the SDKs themselves.
//   - A TypeScript project gets the SDK's types (weft.d.ts) written into it;
//     the compiler serves the module itself from the binary.
package nodeinit

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	csdk "github.com/weft-dev/weft/sdk"
	assdk "github.com/weft-dev/weft/sdk/assemblyscript"
	gosdk "github.com/weft-dev/weft/sdk/go"
	rustsdk "github.com/weft-dev/weft/sdk/rust"
	"github.com/weft-dev/weft/sdk/typescript"
)

//go:embed all:templates
var templates embed.FS

// Languages lists the languages with a template, sorted.
func Languages() []string {
	entries, _ := templates.ReadDir("templates")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// sdkDirs maps a language to its SDK's folder under the SDK root.
var sdkDirs = map[string]string{"go": "go", "rust": "rust", "c": "c", "cpp": "c", "assemblyscript": "assemblyscript"}

// sdkFiles maps a language to the SDK the binary carries.
var sdkFiles = map[string]fs.FS{"go": gosdk.Files, "rust": rustsdk.Files, "c": csdk.C, "cpp": csdk.C, "assemblyscript": assdk.Files}

// SDKDir is the folder of a project that holds its copy of the SDK.
const SDKDir = "weft-sdk"

// Options say what to write.
type Options struct {
	Lang string // one of Languages()
	Name string // the project's name: [a-z][a-z0-9_-]*
	Dir  string // where to write; it must not exist or be empty
	// SDKRoot, when set, is a folder holding the SDKs (a weft source
	// tree's sdk/, see FindSDKRoot), which the project then uses by
	// absolute path. When empty, the SDK the binary carries is written
	// into the project's weft-sdk/ folder.
	SDKRoot string
	// Version is the weft version, written to weft-sdk/VERSION.
	Version string
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Write renders the language's template into o.Dir.
//
// # Errors
//
// An unknown language, a bad name, a folder that exists and is not empty,
// an SDK folder that does not exist, or a write error.
func Write(o Options) error {
	if !nameRE.MatchString(o.Name) {
		return fmt.Errorf("name %q: expected a lower-case letter, then lower-case letters, digits, '-' or '_' (at most 64)", o.Name)
	}
	if _, err := fs.Stat(templates, "templates/"+o.Lang); err != nil {
		return fmt.Errorf("--lang %q: expected one of %s", o.Lang, strings.Join(Languages(), ", "))
	}
	sdk := ""
	if NeedsSDK(o.Lang) && o.SDKRoot != "" {
		var err error
		if sdk, err = filepath.Abs(filepath.Join(o.SDKRoot, sdkDirs[o.Lang])); err != nil {
			return err
		}
		if _, err := os.Stat(sdk); err != nil {
			return fmt.Errorf("the %s SDK is not at %s: %w", o.Lang, sdk, err)
		}
	} else if NeedsSDK(o.Lang) {
		sdk = "./" + SDKDir
	}
	if entries, err := os.ReadDir(o.Dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists and is not empty", o.Dir)
	}
	if o.Lang == "typescript" {
		// The SDK's types for editors; the module itself is served by the
		// compiler, from the binary.
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.Dir, "weft.d.ts"), []byte(typescript.Types), 0o644); err != nil {
			return err
		}
	}
	if NeedsSDK(o.Lang) && o.SDKRoot == "" {
		if err := writeSDK(filepath.Join(o.Dir, SDKDir), sdkFiles[o.Lang], o.Version); err != nil {
			return fmt.Errorf("writing the %s SDK: %w", o.Lang, err)
		}
	}
	data := map[string]string{"Name": o.Name, "ID": "com.example." + strings.ReplaceAll(o.Name, "_", "-"), "SDKPath": filepath.ToSlash(sdk)}
	root := "templates/" + o.Lang
	return fs.WalkDir(templates, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return fmt.Errorf("template %s: %w", p, err)
		}
		var out bytes.Buffer
		if err := t.Execute(&out, data); err != nil {
			return fmt.Errorf("template %s: %w", p, err)
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
		dst := filepath.Join(o.Dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, out.Bytes(), 0o644)
	})
}

// writeSDK copies an embedded SDK into dir, leaving out tests (_test.go,
// testdata/) and embed.go, and writes dir/VERSION.
func writeSDK(dir string, files fs.FS, version string) error {
	if version == "" {
		version = "unknown"
	}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return fs.SkipDir
			}
			return nil
		}
		if p == "embed.go" || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "VERSION"), []byte("weft "+version+"\n"), 0o644)
}

// SDKFiles returns the SDK the binary carries for a language (nil for
// TypeScript, whose module the compiler serves).
func SDKFiles(lang string) fs.FS { return sdkFiles[lang] }

// NeedsSDK reports whether a language's projects use an SDK folder by
// path (weft-sdk/, or Options.SDKRoot). TypeScript's SDK is served by the
// compiler.
func NeedsSDK(lang string) bool { return lang != "typescript" }

// ErrNoSDK: no weft source tree with the SDKs was found.
var ErrNoSDK = errors.New("the weft SDKs were not found")

// FindSDKRoot returns the folder holding the SDKs: $WEFT_SDK when set,
// else the sdk/ folder of a weft source tree found by walking up from the
// working directory or from the executable's folder.
//
// # Errors
//
// ErrNoSDK, saying where it looked and how to point at the SDKs.
func FindSDKRoot() (string, error) {
	if d := os.Getenv("WEFT_SDK"); d != "" {
		return d, nil
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "sdk", "go", "node")); err == nil {
				return filepath.Join(d, "sdk"), nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fmt.Errorf("%w from %s: run inside a weft source tree, or set WEFT_SDK to its sdk/ folder", ErrNoSDK, strings.Join(starts, " or "))
}
