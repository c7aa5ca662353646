// The hub: who is waiting to hear that a run has new events or has ended
// (live event streams, requests waiting for a run). A notification is only
// a wake-up: the waiter reads what changed from the database, so a stream
// never shows what is not committed, and runs executed by another server
// are seen by polling.

package server

import "sync"

type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{subs: map[string]map[chan struct{}]struct{}{}} }

// subscribe returns a channel that receives a value (coalesced) each time
// the run changes.
func (h *hub) subscribe(runID string) chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.subs[runID]
	if m == nil {
		m = map[chan struct{}]struct{}{}
		h.subs[runID] = m
	}
	m[ch] = struct{}{}
	return ch
}

func (h *hub) unsubscribe(runID string, ch chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.subs[runID]; m != nil {
		delete(m, ch)
		if len(m) == 0 {
			delete(h.subs, runID)
		}
	}
}

func (h *hub) notify(runID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[runID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
