// Package action holds weft's built-in action node types, one file per type.
package action

import "github.com/weft-dev/weft/internal/bt"

var specs []*bt.Spec

func register(s ...*bt.Spec) { specs = append(specs, s...) }

// Specs returns this package's node specs.
func Specs() []*bt.Spec { return append([]*bt.Spec(nil), specs...) }

var none = bt.Children{}
