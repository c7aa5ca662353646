// `weft run --watch`: a long-running run loop that picks up installed,
// upgraded and rolled-back packages (and edits of the workflow) without a
// restart; a run in flight finishes on the versions it started with.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/enginex"
)

// watchInterval is how often --watch looks for changes.
const watchInterval = 250 * time.Millisecond

// watchState is what --watch compares between polls.
type watchState struct {
	generation int64 // the package store's
	files      string
	packages   string // the --package folders' files
}

func (e *env) snapshot(c *cobra.Command, eng *weft.Engine, f *runFlags, file string) watchState {
	var st watchState
	if pkgs, err := enginex.Packages(c.Context(), eng); err == nil {
		st.generation, _ = pkgs.Generation(c.Context())
	}
	lock := f.lock
	if lock == "" {
		lock = weft.LockPath(file)
	}
	for _, p := range append([]string{file, lock}, f.packages...) {
		if info, err := os.Stat(p); err == nil {
			st.files += fmt.Sprintf("%s %d %d;", p, info.Size(), info.ModTime().UnixNano())
		}
	}
	for _, p := range f.packages {
		st.packages += folderPrint(p)
	}
	return st
}

// folderPrint fingerprints the files of a --package folder (sizes and
// times; outside .git, node_modules and target, and not the build's
// outputs), so that --watch sees an edit of node.c, which the folder's own
// time does not show. "" for a file or a missing folder.
func folderPrint(dir string) string {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return ""
	}
	var b strings.Builder
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != dir && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "target" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".wasm") || strings.HasSuffix(p, ".weftpkg") {
			return nil // what the build writes
		}
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d;", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}

// watchRuns runs the workflow, then again after every change, until the
// command's context ends (Ctrl-C). Each run loads the workflow afresh, so
// it resolves packages as they are installed at its start. The exit code
// is that of the last run.
//
// A change in a --package folder rebuilds it when a build input changed
// (pkgfile.Stale: not for the manifest or a workflow) and loads it again,
// on a new engine: an engine keeps a package version it has loaded.
func watchRuns(c *cobra.Command, e *env, eng *weft.Engine, f *runFlags, file string, inputs map[string]any) error {
	ctx := c.Context()
	var last error
	var prev watchState
	first := true
	orig := eng // closed by the caller; engines made here are closed here
	defer func() {
		if eng != orig {
			eng.Close()
		}
	}()
	for {
		before := e.snapshot(c, eng, f, file)
		if !first && before.packages != prev.packages {
			fresh, err := e.newEngine(ctx, f.noJournal)
			if err != nil {
				return err
			}
			if err := addPackages(c, fresh, f.packages); err != nil {
				fresh.Close()
				report(e.stderr, err)
				fmt.Fprintln(e.stderr, "weft: the package does not build or load; watching for the next change")
				prev = before
				if !waitChange(ctx, e, c, eng, f, file, before) {
					return last
				}
				continue
			}
			if eng != orig {
				eng.Close()
			}
			eng = fresh
			before = e.snapshot(c, eng, f, file) // the build may have touched files
		}
		first, prev = false, before
		wf, err := loadForRun(c, e, eng, f, file)
		if err == nil {
			err = runOnce(c, e, f, wf, inputs, file)
		}
		last = err
		if err != nil {
			var ee *exitError
			if !errors.As(err, &ee) || ee.err != nil {
				report(e.stderr, err)
			}
		}
		if ctx.Err() != nil {
			return last
		}
		if !waitChange(ctx, e, c, eng, f, file, before) {
			return last
		}
	}
}

// waitChange waits until something --watch follows differs from before;
// false when the command's context ended first.
func waitChange(ctx context.Context, e *env, c *cobra.Command, eng *weft.Engine, f *runFlags, file string, before watchState) bool {
	fmt.Fprintln(e.stderr, "weft: watching for changes to the workflow and the packages (Ctrl-C stops)")
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			if now := e.snapshot(c, eng, f, file); now != before {
				fmt.Fprintln(e.stderr, "weft: change detected, running again")
				return true
			}
		}
	}
}
