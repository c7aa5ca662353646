// Package nodeinit writes new node projects from the templates of each
// language, for `weft node init --lang LANG NAME`.
//
//	err := nodeinit.Write(nodeinit.Options{Lang: "rust", Name: "hello", Dir: "hello", SDKRoot: "/src/weft/sdk"})
//
// # Notes
//
//   - templates/LANG holds the files, rendered with text/template: {{.Name}}
//     is the project's name, {{.ID}} the package id (com.example.NAME) and
//     {{.SDKPath}} the absolute folder of the language's SDK. A trailing
//     ".tmpl" is dropped from file names (so that Go files and go.mod in the
//     templates are not taken for part of weft's own module).
//   - A TypeScript project gets the SDK's types (weft.d.ts) written into it;
//     the compiler serves the module itself from the binary, so no SDK
//     folder is needed.
//   - The other projects depend on the SDKs by path: the SDKs are not published
//     to a package registry, so init needs a weft source tree (see
//     FindSDKRoot).
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
var sdkDirs = map[string]string{"go": "go", "rust": "rust", "c": "c", "assemblyscript": "assemblyscript"}

// Options say what to write.
type Options struct {
	Lang string // one of Languages()
	Name string // the project's name: [a-z][a-z0-9_-]*
	Dir  string // where to write; it must not exist or be empty
	// SDKRoot is the folder holding the SDKs (weft's sdk/), see FindSDKRoot.
	SDKRoot string
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
	if NeedsSDK(o.Lang) {
		var err error
		if sdk, err = filepath.Abs(filepath.Join(o.SDKRoot, sdkDirs[o.Lang])); err != nil {
			return err
		}
		if _, err := os.Stat(sdk); err != nil {
			return fmt.Errorf("the %s SDK is not at %s: %w", o.Lang, sdk, err)
		}
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

// NeedsSDK reports whether a language's projects use an SDK folder by
// path (Options.SDKRoot). TypeScript's SDK is inside the binary.
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
	return "", fmt.Errorf("%w from %s: run weft node init inside a weft source tree, or set WEFT_SDK to its sdk/ folder", ErrNoSDK, strings.Join(starts, " or "))
}
