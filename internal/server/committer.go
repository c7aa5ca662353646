// The group committer: events and run ends from every running run go
// through one goroutine that writes whatever has gathered in one
// transaction, so a busy server commits once per batch instead of once per
// event. Subscribers (live streams, waiting requests) hear of a run only
// after its events are committed, so an event a client has seen is never
// lost.

package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/weft-dev/weft/internal/server/db"
)

// maxBatch bounds the operations of one transaction.
const maxBatch = 1024

type commitOp struct {
	ev   *db.Event
	end  *db.RunEnd
	errc chan error // nil for events: nobody waits for them
}

type committer struct {
	st  db.Store
	hub *hub
	log *slog.Logger
	in  chan commitOp

	once   sync.Once
	closed chan struct{}
	mu     sync.RWMutex // held for reading while sending on in
	done   bool
}

func newCommitter(st db.Store, h *hub, log *slog.Logger) *committer {
	return &committer{st: st, hub: h, log: log, in: make(chan commitOp, 8192), closed: make(chan struct{})}
}

func (c *committer) start() { go c.loop() }

// event queues an event; it is written with the next batch.
func (c *committer) event(ev db.Event) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.done {
		c.log.Error("an event came after shutdown and is dropped (a bug in weft)", "run", ev.RunID, "seq", ev.Seq)
		return
	}
	c.in <- commitOp{ev: &ev}
}

// end queues a run's end and waits until it, and every event queued before
// it, is committed.
func (c *committer) end(ctx context.Context, e db.RunEnd) error {
	errc := make(chan error, 1)
	c.mu.RLock()
	if c.done {
		c.mu.RUnlock()
		return errors.New("the server's writer has stopped")
	}
	c.in <- commitOp{end: &e, errc: errc}
	c.mu.RUnlock()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close writes what is queued and stops.
func (c *committer) close() error {
	c.once.Do(func() {
		c.mu.Lock()
		c.done = true
		close(c.in)
		c.mu.Unlock()
	})
	<-c.closed
	return nil
}

func (c *committer) loop() {
	defer close(c.closed)
	ops := make([]commitOp, 0, maxBatch)
	for op := range c.in {
		ops = append(ops[:0], op)
	gather:
		for len(ops) < maxBatch {
			select {
			case op, ok := <-c.in:
				if !ok {
					break gather
				}
				ops = append(ops, op)
			default:
				break gather
			}
		}
		c.commit(ops)
	}
}

func (c *committer) commit(ops []commitOp) {
	var b db.Batch
	for _, op := range ops {
		if op.ev != nil {
			b.Events = append(b.Events, *op.ev)
		}
		if op.end != nil {
			b.Ends = append(b.Ends, *op.end)
		}
	}
	err := c.st.Commit(context.Background(), &b)
	if err != nil && !errors.Is(err, db.ErrConflict) {
		c.log.Error("writing run events and ends (a bug in weft or a database failure)", "events", len(b.Events), "ends", len(b.Ends), "err", err)
	}
	runs := map[string]bool{}
	for _, op := range ops {
		if op.errc != nil {
			op.errc <- err
		}
		if op.ev != nil {
			runs[op.ev.RunID] = true
		}
		if op.end != nil {
			runs[op.end.RunID] = true
		}
	}
	for id := range runs {
		c.hub.notify(id)
	}
}
