// Package cache is the store behind the cache.* host operations of custom
// nodes: values shared by all runs of one tenant for one package, with
// optional times to live and a size cap per (tenant, package). Memory
// keeps them in this process (the server's); SQLite (sqlite.go) in a
// database file that outlives the process and that several processes
// share (the command line's).
//
//	c := cache.New(cache.DefaultMaxBytes)
//	h, err := wasmhost.New(ctx, wasmhost.Config{Capabilities: wasmhost.Capabilities{Cache: c}})
//
// # Notes
//
//   - Memory's values live in this process only; they are gone after a
//     restart, and two processes do not share them. A shared cache
//     (Redis, ...) can implement wasmhost.Cache later.
//   - Expired entries are never returned. They are removed lazily: when a
//     read meets one, and when a write to the same scope would otherwise
//     exceed the cap (that write sweeps the whole scope first).
package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// DefaultMaxBytes is the default cap on one (tenant, package) scope: 64 MiB.
const DefaultMaxBytes = 64 << 20

// Memory is a wasmhost.Cache in memory. It is safe for concurrent use.
type Memory struct {
	maxBytes int64
	now      func() time.Time

	mu     sync.Mutex
	scopes map[wasmhost.Scope]*scope
}

// scope is the entries of one tenant and package, and their size.
type scope struct {
	entries map[string]entry
	bytes   int64
}

type entry struct {
	value   json.RawMessage
	expires time.Time // zero: never
}

// size is what an entry counts against its scope's cap: its key and value.
func size(key string, value []byte) int64 { return int64(len(key) + len(value)) }

func (e entry) expired(now time.Time) bool { return !e.expires.IsZero() && !now.Before(e.expires) }

var _ wasmhost.Cache = (*Memory)(nil)

// New returns an empty cache whose every (tenant, package) scope holds at
// most maxBytes bytes of keys and values. maxBytes <= 0 means
// DefaultMaxBytes.
func New(maxBytes int64) *Memory {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Memory{maxBytes: maxBytes, now: time.Now, scopes: map[wasmhost.Scope]*scope{}}
}

// Get returns a copy of the value of key in scope s, and whether there is
// one that has not expired.
//
// # Errors
//
// None; the error is there for the interface (other caches can fail).
func (m *Memory) Get(_ context.Context, s wasmhost.Scope, key string) (json.RawMessage, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sc := m.scopes[s]
	if sc == nil {
		return nil, false, nil
	}
	e, ok := sc.entries[key]
	if !ok {
		return nil, false, nil
	}
	if e.expired(m.now()) {
		m.remove(s, sc, key, e)
		return nil, false, nil
	}
	return append(json.RawMessage(nil), e.value...), true, nil
}

// Set stores value under key in scope s, replacing any value there. A
// positive ttl makes the entry expire after it; zero keeps it until it is
// deleted (or the process ends). The cache keeps its own copy of value.
//
// # Errors
//
//   - wasmhost.ErrLimitExceeded: the scope would hold more than its cap
//     with this entry (after expired entries were swept). The previous
//     value, if any, stays.
//   - wasmhost.ErrBadRequest: a negative ttl.
func (m *Memory) Set(_ context.Context, s wasmhost.Scope, key string, value json.RawMessage, ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("cache set %q: negative time to live %v: %w", key, ttl, wasmhost.ErrBadRequest)
	}
	n := size(key, value)
	if n > m.maxBytes {
		return fmt.Errorf("cache set %q: an entry of %d bytes is over the cap of %d bytes per package: %w",
			key, n, m.maxBytes, wasmhost.ErrLimitExceeded)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	sc := m.scopes[s]
	if sc == nil {
		sc = &scope{entries: map[string]entry{}}
		m.scopes[s] = sc
	}
	old, had := sc.entries[key]
	need := func() int64 {
		total := sc.bytes + n
		if had {
			total -= size(key, old.value)
		}
		return total
	}
	if need() > m.maxBytes {
		m.sweep(sc, now)
		old, had = sc.entries[key]
		if need() > m.maxBytes {
			if len(sc.entries) == 0 {
				delete(m.scopes, s)
			}
			return fmt.Errorf("cache set %q: %d bytes would bring the package's cache to %d bytes, over its cap of %d: %w",
				key, n, need(), m.maxBytes, wasmhost.ErrLimitExceeded)
		}
	}
	e := entry{value: append(json.RawMessage(nil), value...)}
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}
	sc.bytes = need()
	sc.entries[key] = e
	return nil
}

// Delete removes key from scope s; a key that is not there is no error.
//
// # Errors
//
// None; the error is there for the interface.
func (m *Memory) Delete(_ context.Context, s wasmhost.Scope, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sc := m.scopes[s]; sc != nil {
		if e, ok := sc.entries[key]; ok {
			m.remove(s, sc, key, e)
		}
	}
	return nil
}

// Size returns the bytes that scope s holds now, expired entries not yet
// swept included.
func (m *Memory) Size(s wasmhost.Scope) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sc := m.scopes[s]; sc != nil {
		return sc.bytes
	}
	return 0
}

// remove deletes one entry, and the scope once it is empty. m.mu is held.
func (m *Memory) remove(s wasmhost.Scope, sc *scope, key string, e entry) {
	delete(sc.entries, key)
	sc.bytes -= size(key, e.value)
	if len(sc.entries) == 0 {
		delete(m.scopes, s)
	}
}

// sweep removes the expired entries of a scope. m.mu is held; the caller
// drops the scope if it ends up empty.
func (m *Memory) sweep(sc *scope, now time.Time) {
	for k, e := range sc.entries {
		if e.expired(now) {
			delete(sc.entries, k)
			sc.bytes -= size(k, e.value)
		}
	}
}
