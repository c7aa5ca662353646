// build.go: a node's source to the files of its package, from an upload or
// from a project folder.

package tsnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/script/javascript"
)

// Files of a TypeScript node's package.
const (
	ScriptFile = "node.js"      // the bundle, manifest `script`
	SourceDir  = "src/"         // the TypeScript source, kept for review
	EntryFile  = "node.ts"      // a project's node
	ProjectDef = "package.json" // a project's name, version and description
)

// Limits of evaluating a module to read its declaration.
const (
	describeTimeout = 2 * time.Second
	describeMemory  = 32 << 20
)

// Source is a node to build.
type Source struct {
	// ID is the package id; "" means ts.NAME, whose node NAME is the
	// module's default export.
	ID string
	// PackageName is the package's display name; "" means Name.
	PackageName string
	// FreshInstance evaluates the module for every call instead of once
	// per VM (manifest fresh_instance).
	FreshInstance bool
	// Name is the node's name ([A-Za-z][A-Za-z0-9_-]*, see
	// manifest.TypeScriptNameProblem): its id in the package and its type
	// in workflows.
	Name        string
	Version     string // semantic version
	Description string
	File        string // the source's file name, "node.ts"
	Code        string // TypeScript
}

// Result is a built node.
type Result struct {
	// Files are the package's files: manifest.toml, node.js and
	// src/FILE.
	Files    map[string][]byte
	Manifest *manifest.Manifest
	Bundle   string
}

// Build bundles src, reads its declaration and writes its package's
// files.
//
//	res, err := tsnode.Build(ctx, tsnode.Source{Name: "greet", Version: "1.0.0", File: "node.ts", Code: code})
//
// # Errors
//
// An *Error wrapping ErrInvalid: the name or version, esbuild's problems
// (file:line:col), a module that fails while loading or whose default
// export is not node({...}), and every problem of the declaration.
func Build(ctx context.Context, src Source) (*Result, error) {
	file := src.File
	if file == "" {
		file = EntryFile
	}
	if p := manifest.TypeScriptNameProblem(src.Name); p != "" {
		return nil, problem(file, "name", "expected a name of letters, digits, '_' and '-' starting with a letter (^[A-Za-z][A-Za-z0-9_-]{0,254}$), found %q (%s)", src.Name, p)
	}
	if _, err := semver.StrictNewVersion(src.Version); err != nil {
		return nil, problem(file, "version", "expected a semantic version like \"1.0.0\", found %q", src.Version)
	}
	bundle, err := Bundle(file, src.Code)
	if err != nil {
		return nil, err
	}
	ns, err := javascript.CompileNode(file, bundle)
	if err != nil {
		return nil, problem(file, "", "the bundle does not compile: %v", err)
	}
	decl, err := javascript.DescribeNode(ctx, ns, describeTimeout, describeMemory)
	if err != nil {
		var se *script.Error
		if errors.As(err, &se) {
			return nil, problem(file, "", "%s", se.Message)
		}
		return nil, problem(file, "", "%v", err)
	}
	data, err := manifestTOML(file, Meta{ID: src.ID, PackageName: src.PackageName, FreshInstance: src.FreshInstance, Name: src.Name, Version: src.Version, Description: src.Description}, decl)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse("manifest.toml", data)
	if err != nil {
		return nil, problem(file, "", "%v", err)
	}
	return &Result{
		Files: map[string][]byte{
			"manifest.toml":                 data,
			ScriptFile:                      []byte(bundle),
			SourceDir + filepath.Base(file): []byte(src.Code),
		},
		Manifest: m,
		Bundle:   bundle,
	}, nil
}

// IsProject reports whether dir is a TypeScript node project: a folder
// with node.ts and package.json and no manifest.toml (which would make it
// a package folder of its own).
func IsProject(dir string) bool {
	for _, f := range []string{EntryFile, ProjectDef} {
		if info, err := os.Stat(filepath.Join(dir, f)); err != nil || !info.Mode().IsRegular() {
			return false
		}
	}
	_, err := os.Stat(filepath.Join(dir, "manifest.toml"))
	return errors.Is(err, fs.ErrNotExist)
}

// BuildProject builds the project in dir: node.ts, with the name, version
// and description of package.json, whose optional "weft": {"id", "name",
// "fresh_instance"} give the package an id (instead of ts.NAME) and a
// display name of its own, and evaluate the module for every call.
//
// # Errors
//
// As Build, and package.json that cannot be read or lacks a name or
// version.
func BuildProject(ctx context.Context, dir string) (*Result, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	read := func(name string) ([]byte, error) {
		f, err := root.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if !info.Mode().IsRegular() || info.Size() > MaxSource {
			return nil, fmt.Errorf("%s: expected a regular file of at most %d bytes", filepath.Join(dir, name), MaxSource)
		}
		buf := make([]byte, info.Size())
		_, err = f.Read(buf)
		if info.Size() == 0 {
			err = nil
		}
		return buf, err
	}
	pj, err := read(ProjectDef)
	if err != nil {
		return nil, err
	}
	var meta struct {
		Name        string `json:"name"`
		Version     string `json:"version"`
		Description string `json:"description"`
		// Weft overrides the package's id and display name.
		Weft struct {
			ID            string `json:"id"`
			Name          string `json:"name"`
			FreshInstance bool   `json:"fresh_instance"`
		} `json:"weft"`
	}
	pjFile := filepath.Join(dir, ProjectDef)
	if err := json.Unmarshal(pj, &meta); err != nil {
		return nil, problem(pjFile, "", "not JSON: %v", err)
	}
	if meta.Name == "" || meta.Version == "" {
		return nil, problem(pjFile, "", "expected \"name\" and \"version\": the node's name and its package's version")
	}
	// An npm scope (@acme/greet) is not part of the node's name.
	if i := strings.LastIndex(meta.Name, "/"); strings.HasPrefix(meta.Name, "@") && i > 0 {
		meta.Name = meta.Name[i+1:]
	}
	code, err := read(EntryFile)
	if err != nil {
		return nil, err
	}
	return Build(ctx, Source{ID: meta.Weft.ID, PackageName: meta.Weft.Name, FreshInstance: meta.Weft.FreshInstance, Name: meta.Name, Version: meta.Version, Description: meta.Description,
		File: filepath.Join(dir, EntryFile), Code: string(code)})
}
