// Package enginex is what weft's own commands (the CLI, the server) reach
// of an Engine and a Workflow beyond the public API: the engine's node
// registry, journal and package store, a workflow's compiled tree. The
// root package fills these in at init, so that its public API returns no
// internal type while the commands built on it keep their access.
//
//	reg := enginex.Registry(eng) // eng is a *weft.Engine
package enginex

import (
	"context"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/store"
)

// Set by package weft's init; each takes a *weft.Engine or *weft.Workflow.
var (
	// Registry is the engine's node types (built-ins and Go nodes).
	Registry func(engine any) *bt.Registry
	// CustomSpecs is the node types of every package added to the engine.
	CustomSpecs func(engine any) []*bt.Spec
	// Journal is the engine's run journal, nil when disabled.
	Journal func(engine any) *journal.Journal
	// Packages is the engine's package store.
	Packages func(ctx context.Context, engine any) (*store.Store, error)
	// Def is a workflow's compiled tree.
	Def func(workflow any) *bt.Def
)
