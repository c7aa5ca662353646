// `weft run --watch`: a long-running run loop that picks up installed,
// upgraded and rolled-back packages (and edits of the workflow) without a
// restart; a run in flight finishes on the versions it started with.

package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
)

// watchInterval is how often --watch looks for changes.
const watchInterval = 250 * time.Millisecond

// watchState is what --watch compares between polls.
type watchState struct {
	generation int64 // the package store's
	files      string
}

func (e *env) snapshot(c *cobra.Command, eng *weft.Engine, f *runFlags, file string) watchState {
	var st watchState
	if pkgs, err := eng.Packages(c.Context()); err == nil {
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
	return st
}

// watchRuns runs the workflow, then again after every change, until the
// command's context ends (Ctrl-C). Each run loads the workflow afresh, so
// it resolves packages as they are installed at its start. The exit code
// is that of the last run.
func watchRuns(c *cobra.Command, e *env, eng *weft.Engine, f *runFlags, file string, inputs map[string]any) error {
	ctx := c.Context()
	var last error
	for {
		before := e.snapshot(c, eng, f, file)
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
		fmt.Fprintln(e.stderr, "weft: watching for changes to the workflow and the installed packages (Ctrl-C stops)")
		t := time.NewTicker(watchInterval)
		for changed := false; !changed; {
			select {
			case <-ctx.Done():
				t.Stop()
				return last
			case <-t.C:
				if now := e.snapshot(c, eng, f, file); now != before {
					changed = true
					fmt.Fprintln(e.stderr, "weft: change detected, running again")
				}
			}
		}
		t.Stop()
	}
}
