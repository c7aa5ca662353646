// Package composite holds weft's built-in composite node types, one file per type.
package composite

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
)

var specs []*bt.Spec

func register(s ...*bt.Spec) { specs = append(specs, s...) }

// Specs returns this package's node specs.
func Specs() []*bt.Spec { return append([]*bt.Spec(nil), specs...) }

var oneOrMore = bt.Children{Min: 1, Max: -1}

// literalInt returns the value of an integer prop written as a literal. It
// reports false when the prop is absent or holds a template, whose value is
// only known when the node is ticked.
func literalInt(p *bt.Prop) (int64, bool) {
	if p == nil {
		return 0, false
	}
	v, ok := p.Value.Literal()
	if !ok {
		return 0, false
	}
	i, err := bt.Coerce(bt.TypeInteger, v)
	if err != nil {
		return 0, false
	}
	return i.(int64), true
}

// indexPos is the position (bt.Resumable) of a composite that remembers
// one child index; start is the index of a fresh start, saved as nothing.
func indexPos(i, start int) (any, bool) {
	if i == start {
		return nil, true
	}
	return bt.IntsPos(int64(i)), true
}

// resumeIndex restores what indexPos saved into *dst: an index in [lo, n).
// Nothing saved leaves *dst at its fresh start.
func resumeIndex(pos any, dst *int, lo, n int, what string) error {
	if pos == nil {
		return nil
	}
	v, err := bt.PosInts(pos, 1)
	if err != nil {
		return err
	}
	if v[0] < int64(lo) || v[0] >= int64(n) {
		return fmt.Errorf("position: %s %d of %d children", what, v[0], n)
	}
	*dst = int(v[0])
	return nil
}
