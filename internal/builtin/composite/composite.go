// Package composite holds weft's built-in composite node types, one file per type.
package composite

import "github.com/weft-dev/weft/internal/bt"

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
