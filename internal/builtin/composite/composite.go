// Package composite holds weft's built-in composite node types, one file per type.
package composite

import "github.com/weft-dev/weft/internal/bt"

var specs []*bt.Spec

func register(s ...*bt.Spec) { specs = append(specs, s...) }

// Specs returns this package's node specs.
func Specs() []*bt.Spec { return append([]*bt.Spec(nil), specs...) }

var oneOrMore = bt.Children{Min: 1, Max: -1}
