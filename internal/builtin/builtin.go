// Package builtin assembles weft's built-in node types: the 32 standard nodes
// of @wayfarer-ai/btree's registerStandardNodes() plus Retry, HttpRequest and
// SetVariable. The node types live by kind in composite/, decorator/ and
// action/, one file per node type, named after it.
//
//	reg := builtin.Registry() // a fresh registry holding every built-in node
package builtin

import (
	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin/action"
	"github.com/weft-dev/weft/internal/builtin/composite"
	"github.com/weft-dev/weft/internal/builtin/decorator"
)

// Specs returns every built-in node spec.
func Specs() []*bt.Spec {
	var out []*bt.Spec
	out = append(out, composite.Specs()...)
	out = append(out, decorator.Specs()...)
	out = append(out, action.Specs()...)
	return out
}

// Registry returns a new registry holding the built-in node types. Each call
// returns an independent value that callers may extend.
func Registry() *bt.Registry {
	r := bt.NewRegistry()
	r.MustRegister(Specs()...)
	return r
}
