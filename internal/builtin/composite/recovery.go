// Recovery: try/catch/finally over child nodes.

package composite

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "Recovery", Kind: bt.Composite, Category: "composite",
		Children: bt.Children{Min: 1, Max: 3, Names: []string{"try", "catch (optional)", "finally (optional)"}},
		Summary:  "Try/catch/finally: runs a fallback when the first child fails, and a clean-up after.",
		Description: "Runs the first child, try. When try succeeds, the main result is SUCCESS. When " +
			"it fails, the second child, catch, runs and its result becomes the main result; with " +
			"no catch child the main result is FAILURE. (Recovery is not a Selector: the result is " +
			"catch's result, whatever it is.)\n\n" +
			"Once the main result is known, the third child, finally, runs if there is one. Its " +
			"result is ignored: the Recovery returns the main result after finally finished. To " +
			"write a finally without a catch, give a catch that fails, such as `FailureNode`.\n\n" +
			"A child that returns RUNNING makes the Recovery return RUNNING, and the next tick " +
			"resumes at that child: try is not ticked again while catch or finally runs. Halting the " +
			"Recovery halts the running child without running finally.\n\n" +
			"@wayfarer-ai/btree differs: it re-ticks try on every tick, even while catch is " +
			"running, and ticks finally on every tick, even while the main result is RUNNING. Here " +
			"finally runs once, after the main result is decided.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &recovery{children: c.Children}, nil },
	})
}

// The phases of a Recovery.
const (
	phaseTry = iota
	phaseCatch
	phaseFinally
)

type recovery struct {
	children []*bt.Node
	phase    int
	main     bt.Status // the main result, once decided (phase finally)
	// restore puts back the failure reason of a failed main result once
	// finally has run, so that finally's own failure does not replace it.
	restore func()
}

var (
	_ bt.Behavior = (*recovery)(nil)
	_ bt.Resetter = (*recovery)(nil)
)

func (r *recovery) Tick(t *bt.Tick) bt.Status {
	if r.phase == phaseTry {
		switch t.Child(r.children[0]) {
		case bt.Running:
			return bt.Running
		case bt.Success:
			r.decided(bt.Success)
		default:
			if len(r.children) > 1 {
				r.phase = phaseCatch
			} else {
				r.decided(bt.Failure)
			}
		}
	}
	if r.phase == phaseCatch {
		st := t.Child(r.children[1])
		if st == bt.Running {
			return bt.Running
		}
		r.decided(st)
	}
	if len(r.children) > 2 {
		if r.main == bt.Failure && r.restore == nil {
			r.restore = t.KeepFailure()
		}
		if t.Child(r.children[2]) == bt.Running {
			return bt.Running
		}
		if r.restore != nil {
			r.restore()
		}
	}
	st := r.main
	r.phase, r.main, r.restore = phaseTry, bt.Idle, nil
	return st
}

// decided records the main result and moves on to finally.
func (r *recovery) decided(st bt.Status) {
	r.phase, r.main = phaseFinally, st
}

func (r *recovery) Halt(t *bt.Tick) {
	t.HaltAll(r.children)
	r.phase, r.main, r.restore = phaseTry, bt.Idle, nil
}

// Reset returns to the try phase and drops the saved failure reason.
func (r *recovery) Reset() { r.phase, r.main, r.restore = phaseTry, bt.Idle, nil }
