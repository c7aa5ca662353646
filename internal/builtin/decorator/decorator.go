// Package decorator holds weft's built-in decorator node types, one file per type.
package decorator

import (
	"fmt"
	"math"
	"time"

	"github.com/weft-dev/weft/internal/bt"
)

var specs []*bt.Spec

func register(s ...*bt.Spec) { specs = append(specs, s...) }

// Specs returns this package's node specs.
func Specs() []*bt.Spec { return append([]*bt.Spec(nil), specs...) }

var exactlyOne = bt.Children{Min: 1, Max: 1}

// syncCycles bounds how many times a looping decorator (Repeat, Retry)
// restarts a child that finishes at once within a single tick. After that
// many it returns RUNNING and asks for a prompt re-tick, so that a loop
// without end does not hold the goroutine and a cancelled run stops it.
const syncCycles = 1000

// yield asks for a prompt re-tick after a batch of syncCycles, unless the
// tick's context has ended: then the driving loop sees only that, and halts
// the tree.
func yield(t *bt.Tick) {
	if t.Ctx.Err() == nil {
		t.Wake()
	}
}

// literal returns the value of a prop written as a literal, coerced to typ.
// It reports false when the prop is absent, holds a template (whose value is
// only known when the node is ticked), or does not coerce (the loader has
// reported that already).
func literal(p *bt.Prop, typ bt.PropType) (any, bool) {
	if p == nil {
		return nil, false
	}
	v, ok := p.Value.Literal()
	if !ok {
		return nil, false
	}
	c, err := bt.Coerce(typ, v)
	if err != nil {
		return nil, false
	}
	return c, true
}

// checkInt validates a literal integer prop in New with check.
func checkInt(p *bt.Prop, check func(string, int64) error) error {
	if v, ok := literal(p, bt.TypeInteger); ok {
		return check(p.Name, v.(int64))
	}
	return nil
}

// intProp evaluates an integer prop when the node starts and validates it
// with check (the prop may be a template, so New could not).
func intProp(t *bt.Tick, p *bt.Prop, def int64, check func(string, int64) error) (int64, error) {
	v, err := p.Int(t, def)
	if err != nil {
		return 0, err
	}
	if p != nil {
		if err := check(p.Name, v); err != nil {
			return 0, err
		}
	}
	return v, nil
}

func positive(name string, v int64) error {
	if v <= 0 {
		return fmt.Errorf("prop %s: must be greater than 0, found %d", name, v)
	}
	return nil
}

func nonNegative(name string, v int64) error {
	if v < 0 {
		return fmt.Errorf("prop %s: must be 0 or more, found %d", name, v)
	}
	return nil
}

// millis converts a number of milliseconds to a duration, saturating instead
// of overflowing.
func millis(ms float64) time.Duration {
	d := ms * float64(time.Millisecond)
	if d >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(d)
}

// childErr is the reason child failed (see failReason), or a generic error
// when none is known.
func childErr(child *bt.Node) error {
	if err := failReason(child); err != nil {
		return err
	}
	return fmt.Errorf("%s returned FAILURE", child)
}

// failReason is the reason child failed: its own error; else, when it passed
// on the failure of its only child (a decorator), that child's reason, with
// the node named; else nil. The descent stops at nodes with several
// children, whose failed child cannot be told from the errors left by
// earlier starts.
func failReason(child *bt.Node) error {
	if err := child.Err(); err != nil {
		return err
	}
	for n := child; len(n.Children) == 1; {
		n = n.Children[0]
		if err := n.Err(); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}

// stopTimer stops the wake-up *tp (from Tick.WakeAfter) if set and clears it.
func stopTimer(tp *func() bool) {
	if *tp != nil {
		(*tp)()
		*tp = nil
	}
}
