// The blackboard: a run's shared, scoped memory.

package bt

import (
	"maps"
	"sync"

	"github.com/weft-dev/weft/internal/value"
)

// Blackboard is one scope of a run's shared memory: a map of names to
// canonical values (see package value). Reads fall through to the parent
// scope; writes stay in this scope. It is safe for concurrent use, since
// Parallel runs its children on goroutines.
//
// Values stored are treated as immutable: nodes replace values, never
// modify them in place.
type Blackboard struct {
	parent *Blackboard
	mu     sync.RWMutex
	vals   map[string]any
}

// NewBlackboard returns a root scope seeded with a copy of vals.
func NewBlackboard(vals map[string]any) *Blackboard {
	b := &Blackboard{vals: make(map[string]any, len(vals))}
	maps.Copy(b.vals, vals)
	return b
}

// Scope returns a child scope whose reads fall through to b.
func (b *Blackboard) Scope() *Blackboard {
	return &Blackboard{parent: b, vals: map[string]any{}}
}

// Parent returns the enclosing scope, or nil for the root.
func (b *Blackboard) Parent() *Blackboard { return b.parent }

// Lookup returns the value of name in this scope or the nearest enclosing
// one that has it.
func (b *Blackboard) Lookup(name string) (any, bool) {
	for s := b; s != nil; s = s.parent {
		s.mu.RLock()
		v, ok := s.vals[name]
		s.mu.RUnlock()
		if ok {
			return v, true
		}
	}
	return nil, false
}

// Set stores v under name in this scope. v should be canonical; use
// [Blackboard.SetValue] for values of other Go types.
func (b *Blackboard) Set(name string, v any) {
	b.mu.Lock()
	b.vals[name] = v
	b.mu.Unlock()
}

// SetValue normalises v and stores it under name.
//
// # Errors
//
// A value with no JSON form (see [value.Normalize]).
func (b *Blackboard) SetValue(name string, v any) error {
	n, err := value.Normalize(v)
	if err != nil {
		return err
	}
	b.Set(name, n)
	return nil
}

// Delete removes name from this scope.
func (b *Blackboard) Delete(name string) {
	b.mu.Lock()
	delete(b.vals, name)
	b.mu.Unlock()
}

// Local returns a copy of this scope's own values.
func (b *Blackboard) Local() map[string]any {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return maps.Clone(b.vals)
}

// Snapshot returns a copy of every value visible from this scope, inner
// scopes shadowing outer ones.
func (b *Blackboard) Snapshot() map[string]any {
	if b.parent == nil {
		return b.Local()
	}
	out := b.parent.Snapshot()
	maps.Copy(out, b.Local())
	return out
}
