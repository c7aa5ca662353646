// Lockfiles: the package digest each custom node type of a workflow
// resolved to, written by `weft lock` and honoured by `weft run`, so that a
// run is reproducible whatever is installed or activated later.

package weft

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// LockVersion is the lockfile format this build reads and writes.
const LockVersion = 1

// Lock pins a workflow's custom node types to package versions and digests.
type Lock struct {
	LockVersion int    `json:"lock_version"`
	Tenant      string `json:"tenant"`
	// Packages maps each custom node type, as the workflow writes it
	// ("com.example.math/add@^1"), to the package it resolved to.
	Packages map[string]LockedPackage `json:"packages"`
	// File is where the lock was read from, for messages.
	File string `json:"-"`
}

// LockedPackage is one package version, named by its digest.
type LockedPackage struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

// Lock returns the lockfile of the workflow: what each custom node type
// resolved to when it was loaded.
func (w *Workflow) Lock() *Lock {
	return &Lock{LockVersion: LockVersion, Tenant: w.tenant, Packages: w.Packages()}
}

// LockPath returns the lockfile beside a workflow file: flow.yaml ->
// flow.lock.
func LockPath(workflowFile string) string {
	ext := filepath.Ext(workflowFile)
	if ext == ".yaml" || ext == ".yml" {
		return strings.TrimSuffix(workflowFile, ext) + ".lock"
	}
	return workflowFile + ".lock"
}

// Write writes the lock as indented JSON, keys sorted.
func (l *Lock) Write(path string) error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ReadLock reads a lockfile.
//
// # Errors
//
// An error wrapping ErrInvalid naming the file and what is wrong (not
// JSON, an unknown field, another lock_version, a bad digest), or the
// read error (fs.ErrNotExist when there is no lockfile).
func ReadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l Lock
	if err := dec.Decode(&l); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrInvalid, path, line, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	if l.LockVersion != LockVersion {
		return nil, fmt.Errorf("%w: %s: lock_version: expected %d, found %d", ErrInvalid, path, LockVersion, l.LockVersion)
	}
	for name, p := range l.Packages {
		if p.ID == "" || p.Version == "" || !digestRE.MatchString(p.Digest) {
			return nil, fmt.Errorf("%w: %s: packages[%q]: expected id, version and digest sha256:<64 hex digits>, found %+v", ErrInvalid, path, name, p)
		}
	}
	l.File = path
	return &l, nil
}
