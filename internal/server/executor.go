// The run executor of one server: a bounded pool of workers with a
// per-tenant bound, fed by runs claimed at submission or from the queue;
// lease renewal (and the cancels other servers asked for); taking over the
// runs of a server that died, resuming those that can safely run again
// and ending the others interrupted; and draining at shutdown.

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/server/db"
)

// Causes a run's context is canceled with.
var (
	errCanceled = errors.New("canceled through the API")
	errShutdown = errors.New("the server shut down while the run was running")
	errLost     = errors.New("another server took the run over (this server's lease lapsed)")
)

type executor struct {
	s     *Server
	slots chan struct{}
	wake  chan struct{}

	mu        sync.Mutex
	perTenant map[string]int
	// waiting counts claimed runs waiting for their tenant's bound.
	waiting int
	active  map[string]context.CancelCauseFunc
	wg      sync.WaitGroup
	// base is the context of every run: canceled only at the end of a
	// shutdown's grace.
	base       context.Context
	cancelBase context.CancelCauseFunc
}

func newExecutor(s *Server) *executor {
	e := &executor{s: s, slots: make(chan struct{}, s.cfg.Workers), wake: make(chan struct{}, 1),
		perTenant: map[string]int{}, active: map[string]context.CancelCauseFunc{}}
	e.base, e.cancelBase = context.WithCancelCause(context.Background())
	return e
}

// tryAcquire takes a worker for tenant when one is free and the tenant is
// under its bound.
func (e *executor) tryAcquire(tenant string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.perTenant[tenant] >= e.s.cfg.TenantConcurrency {
		return false
	}
	select {
	case e.slots <- struct{}{}:
		e.perTenant[tenant]++
		return true
	default:
		return false
	}
}

func (e *executor) release(tenant string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.perTenant[tenant]--
	if e.perTenant[tenant] <= 0 {
		delete(e.perTenant, tenant)
	}
	<-e.slots
	e.pokeLocked()
}

// busyTenants lists the tenants at their bound, whose queued runs must wait.
func (e *executor) busyTenants() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for t, n := range e.perTenant {
		if n >= e.s.cfg.TenantConcurrency {
			out = append(out, t)
		}
	}
	return out
}

func (e *executor) poke() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pokeLocked()
}

func (e *executor) pokeLocked() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// start executes a run this server holds a worker for.
func (e *executor) start(run *db.Run) {
	ctx, cancel := context.WithCancelCause(e.base)
	e.mu.Lock()
	e.active[run.ID] = cancel
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer e.release(run.Tenant)
		defer func() {
			e.mu.Lock()
			delete(e.active, run.ID)
			e.mu.Unlock()
			cancel(nil)
		}()
		e.s.execute(ctx, run)
	}()
}

// cancel cancels a run this server is executing; false when it is not.
func (e *executor) cancel(id string) bool {
	return e.cancelWith(id, errCanceled)
}

func (e *executor) cancelWith(id string, cause error) bool {
	e.mu.Lock()
	c := e.active[id]
	e.mu.Unlock()
	if c != nil {
		c(cause)
	}
	return c != nil
}

// dispatchLoop claims queued runs while workers are free.
func (e *executor) dispatchLoop(ctx context.Context) {
	t := time.NewTicker(e.s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-t.C:
		}
		e.dispatch(ctx)
	}
}

func (e *executor) dispatch(ctx context.Context) {
	for ctx.Err() == nil {
		free := cap(e.slots) - len(e.slots)
		if free <= 0 {
			return
		}
		// One run a claim: a claim of several could hold more of one
		// tenant's runs than its bound lets execute.
		runs, err := e.s.st.ClaimRuns(ctx, e.s.id, 1, nowUTC().Add(e.s.cfg.Lease), e.busyTenants())
		if err != nil {
			if ctx.Err() == nil {
				e.s.log.Error("claiming queued runs", "err", err)
			}
			return
		}
		if len(runs) == 0 {
			return
		}
		for _, run := range runs {
			e.acquire(run.Tenant)
			e.start(run)
		}
	}
}

// acquire takes a worker for a claimed run. Claims skip the tenants at
// their bound, so this waits only when a run submitted meanwhile took the
// worker or the tenant's last place.
func (e *executor) acquire(tenant string) {
	for !e.tryAcquire(tenant) {
		time.Sleep(5 * time.Millisecond)
	}
}

// leaseLoop renews this server's leases, applies cancels asked of other
// servers, and takes over runs whose server died.
func (e *executor) leaseLoop(ctx context.Context) {
	renew := time.NewTicker(e.s.cfg.Lease / 3)
	defer renew.Stop()
	poll := time.NewTicker(e.s.cfg.Poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-renew.C:
			cancels, err := e.s.st.RenewLeases(ctx, e.s.id, nowUTC().Add(e.s.cfg.Lease))
			if err != nil {
				if ctx.Err() == nil {
					e.s.log.Error("renewing run leases", "err", err)
				}
				continue
			}
			for _, id := range cancels {
				e.cancel(id)
			}
		case <-poll.C:
			if err := e.recover(ctx, nowUTC()); err != nil && ctx.Err() == nil {
				e.s.log.Error("taking over runs of a stopped server", "err", err)
			}
		}
	}
}

// recover takes over the runs whose lease lapsed before now.
func (e *executor) recover(ctx context.Context, now time.Time) error {
	for {
		runs, err := e.s.st.ClaimExpired(ctx, e.s.id, 100, now, nowUTC().Add(e.s.cfg.Lease))
		if err != nil {
			return fmt.Errorf("taking over runs: %w", err)
		}
		for _, run := range runs {
			e.s.resume(ctx, run)
		}
		if len(runs) < 100 {
			return nil
		}
	}
}

// drain waits for running runs until grace is done, then ends the rest
// interrupted.
func (e *executor) drain(grace context.Context) {
	done := make(chan struct{})
	go func() {
		e.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-grace.Done():
		e.cancelBase(errShutdown)
		<-done
	}
}

// resume decides what becomes of a run taken over from a dead server: a
// run whose workflow can safely run again from the start runs again; any
// other ends interrupted, saying why. On a durable engine (Config.Run) the
// run went on there: it is followed again.
func (s *Server) resume(ctx context.Context, run *db.Run) {
	wf, err := s.compiled(ctx, run)
	if err == nil && (wf.Rerunnable() || s.cfg.Run != nil) {
		// execute appends the run_resumed event: it numbers the events.
		s.exec.acquire(run.Tenant)
		s.exec.start(run)
		return
	}
	reason := "the server running it stopped (killed or crashed) while it ran, and it has nodes with side effects (HTTP requests or custom nodes), so weft did not run it again"
	if err != nil {
		reason = "the server running it stopped while it ran, and its workflow could not be loaded again: " + err.Error()
	}
	s.appendEvent(run.ID, map[string]any{"event": "run_interrupted", "time": nowUTC(), "run_id": run.ID, "error": reason})
	if err := s.out.end(ctx, db.RunEnd{Tenant: run.Tenant, RunID: run.ID, Owner: s.id, Status: db.RunInterrupted,
		Error: reason, EndedAt: nowUTC()}); err != nil {
		s.log.Error("ending a run interrupted", "run", run.ID, "err", err)
	}
}

// appendEvent adds an event of the server's own to a run, after its last.
func (s *Server) appendEvent(runID string, ev map[string]any) {
	last, err := s.st.LastSeq(context.Background(), runID)
	if err != nil {
		s.log.Error("reading a run's last event", "run", runID, "err", err)
		return
	}
	s.serverEvent(runID, last+1, ev)
}

// serverEvent queues an event of the server's own (not the engine's) as
// number seq of a run.
func (s *Server) serverEvent(runID string, seq int64, ev map[string]any) {
	ev["seq"] = seq
	data, _ := json.Marshal(ev)
	s.out.event(db.Event{RunID: runID, Seq: seq, Data: data})
}

// execute runs one claimed run to its end and records the end.
func (s *Server) execute(ctx context.Context, run *db.Run) {
	end := db.RunEnd{Tenant: run.Tenant, RunID: run.ID, Owner: s.id}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic running a run (a bug in weft)", "run", run.ID, "panic", v)
			end.Status, end.Error = db.RunFailure, fmt.Sprintf("internal error (a bug in weft, please report it): %v", v)
		}
		end.EndedAt = nowUTC()
		if err := s.out.end(context.WithoutCancel(ctx), end); err != nil {
			s.log.Error("recording the end of a run", "run", run.ID, "err", err)
		}
	}()
	wf, err := s.compiled(ctx, run)
	if err != nil {
		end.Status, end.Error = db.RunFailure, err.Error()
		return
	}
	end.Packages = lockJSON(wf)
	var seq atomic.Int64
	if run.Attempts > 1 {
		last, err := s.st.LastSeq(ctx, run.ID)
		if err != nil {
			end.Status, end.Error = db.RunFailure, "internal error (a bug in weft, please report it): "+err.Error()
			return
		}
		seq.Store(last + 1) // after the run_resumed event
		msg := fmt.Sprintf("the server running it stopped; this workflow has no side effects, so it runs again from the start (attempt %d)", run.Attempts)
		if s.cfg.Run != nil {
			msg = "the server following it stopped; the run went on in the durable engine, and this server follows it from here (its events so far come again)"
		}
		s.serverEvent(run.ID, last+1, map[string]any{"event": "run_resumed", "time": nowUTC(), "run_id": run.ID, "message": msg})
	}
	sink := func(ev weft.Event) {
		n := seq.Add(1)
		data, err := json.Marshal(ev)
		if err != nil {
			data = []byte(`{"event":"unencodable"}`)
		}
		s.out.event(db.Event{RunID: run.ID, Seq: n, Data: withSeq(data, n)})
	}
	inputs := jsonObject(run.Inputs)
	runCtx, cancel := context.WithTimeout(ctx, s.cfg.RunTimeout)
	defer cancel()
	runFn := s.cfg.Run
	if runFn == nil {
		runFn = func(ctx context.Context, wf *weft.Workflow, o weft.RunOptions) (*weft.Result, error) {
			return wf.Run(ctx, o)
		}
	}
	res, err := runFn(runCtx, wf, weft.RunOptions{ID: run.ID, Tenant: run.Tenant, Inputs: inputs, Events: sink})
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errCanceled):
		end.Status, end.Error = db.RunCanceled, "canceled through the API"
	case errors.Is(cause, errShutdown):
		end.Status, end.Error = db.RunInterrupted, errShutdown.Error()
	case err != nil && res == nil:
		end.Status, end.Error = db.RunFailure, err.Error()
		return
	case res.Status == "success":
		end.Status = db.RunSuccess
	default:
		end.Status = db.RunFailure
		if res.Err != nil {
			end.Error = res.Err.Error()
		}
		if runCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			end.Error = fmt.Sprintf("the run took longer than the server's limit of %s: %s", s.cfg.RunTimeout, end.Error)
		}
	}
	if res != nil {
		bb, err := json.Marshal(res.Blackboard)
		if err != nil {
			bb = []byte(`{}`)
		}
		end.Blackboard = bb
	}
}

// withSeq adds "seq": n to an encoded JSON object.
func withSeq(obj []byte, n int64) []byte {
	out := make([]byte, 0, len(obj)+24)
	out = append(out, `{"seq":`...)
	out = strconv.AppendInt(out, n, 10)
	if len(obj) > 2 {
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}
