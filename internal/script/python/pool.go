// The per-tenant pool of warm workers: at most WorkersPerTenant runs at
// once, each in a worker of its own; workers are reused within the tenant,
// never shared across tenants, and replaced in the background when killed.

package python

import (
	"context"
	"sync"
	"time"
)

// tenant is one tenant's pool.
type tenant struct {
	name   string
	tokens chan struct{} // one per run in progress; capacity WorkersPerTenant
	refs   int           // Runs holding the tenant; guarded by Runner.mu

	mu       sync.Mutex
	idle     []*worker            // warm workers, most recently used last
	all      map[*worker]struct{} // every live worker, idle or busy
	starting int                  // background replacements in flight
	changed  chan struct{}        // closed and replaced when idle or starting change
	closed   bool
}

func newTenant(name string, workers int) *tenant {
	return &tenant{name: name, tokens: make(chan struct{}, workers),
		all: map[*worker]struct{}{}, changed: make(chan struct{})}
}

// acquire waits for a run slot and returns a warm worker, waiting for a
// replacement in flight or starting a worker when there is none.
//
// # Errors
//
// ctx's error, errClosed, or the *script.Error of a worker that failed to
// start.
func (t *tenant) acquire(ctx context.Context, r *Runner) (*worker, error) {
	select {
	case t.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			<-t.tokens
			return nil, errClosed
		}
		if n := len(t.idle); n > 0 {
			w := t.idle[n-1]
			t.idle = t.idle[:n-1]
			t.mu.Unlock()
			if w.alive() {
				return w, nil
			}
			t.drop(w)
			continue
		}
		if t.starting == 0 {
			t.mu.Unlock()
			break
		}
		changed := t.changed
		t.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			<-t.tokens
			return nil, ctx.Err()
		}
	}
	w, err := r.start(ctx, t.name)
	if err != nil {
		<-t.tokens
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		w.kill()
		<-t.tokens
		return nil, errClosed
	}
	t.all[w] = struct{}{}
	t.mu.Unlock()
	return w, nil
}

// give returns a worker after a run and frees the run slot. A broken
// worker is killed and replaced in the background.
func (t *tenant) give(r *Runner, w *worker, broken bool) {
	defer func() { <-t.tokens }()
	if broken || !w.alive() {
		w.kill()
		t.drop(w)
		r.replace(t)
		return
	}
	t.put(w)
}

// put adds a warm worker to the idle list.
func (t *tenant) put(w *worker) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.putLocked(w)
}

func (t *tenant) putLocked(w *worker) {
	if t.closed || len(t.idle) >= cap(t.tokens) {
		w.kill()
		delete(t.all, w)
		return
	}
	w.lastUsed = time.Now()
	t.all[w] = struct{}{}
	t.idle = append(t.idle, w)
	t.wakeLocked()
}

// drop forgets a dead worker.
func (t *tenant) drop(w *worker) {
	t.mu.Lock()
	delete(t.all, w)
	t.mu.Unlock()
}

// wakeLocked tells waiters in acquire to look again.
func (t *tenant) wakeLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// reap stops idle workers last used before cutoff and reports whether the
// tenant has no worker left, busy or starting.
func (t *tenant) reap(cutoff time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	keep := t.idle[:0]
	for _, w := range t.idle {
		if w.lastUsed.Before(cutoff) || !w.alive() {
			w.kill()
			delete(t.all, w)
			continue
		}
		keep = append(keep, w)
	}
	clear(t.idle[len(keep):])
	t.idle = keep
	return len(t.all) == 0 && t.starting == 0 && len(t.tokens) == 0
}

// closeAll kills every worker and refuses new ones; it returns the killed.
func (t *tenant) closeAll() []*worker {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	var all []*worker
	for w := range t.all {
		w.kill()
		all = append(all, w)
	}
	t.idle = nil
	t.wakeLocked()
	return all
}
