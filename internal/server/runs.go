// Runs through the API: starting one (queued, or claimed at once when a
// worker is free), waiting for it, reading, listing and canceling runs.

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

// runRequest asks for a run.
type runRequest struct {
	tenant, workflow string
	version          int // 0: the newest
	inputs           map[string]any
	idempotencyKey   string
	trigger          string // the trigger id that started it
	createdBy        string
}

func nowUTC() time.Time { return time.Now().UTC() }

// submit validates and records a run (queued, or claimed to run at once
// when a worker and the tenant's concurrency allow) and returns it;
// created is false when the idempotency key was used before.
//
// # Errors
//
// *httpError values fit for a reply (404 unknown workflow or version, 409
// archived, 429 rate limited, 400 bad inputs, 503 shutting down), or bugs.
func (s *Server) submit(ctx context.Context, req runRequest) (*db.Run, bool, error) {
	if s.isStopping() {
		return nil, false, errorf(http.StatusServiceUnavailable, api.CodeUnavailable, "the server is shutting down; try again in a moment")
	}
	if len(req.idempotencyKey) > 200 {
		return nil, false, badRequest("idempotency_key: at most 200 characters, found %d", len(req.idempotencyKey))
	}
	if wait, ok := s.rates.allow(req.tenant); !ok {
		e := errorf(http.StatusTooManyRequests, api.CodeRateLimited, "tenant %s starts runs faster than its limit of %g per second; retry after %s", req.tenant, s.cfg.TenantRate, wait)
		e.header = map[string]string{"Retry-After": strconv.Itoa(int(math.Ceil(wait.Seconds())))}
		return nil, false, e
	}
	wf, err := s.st.GetWorkflow(ctx, req.tenant, req.workflow)
	if err != nil {
		return nil, false, storeErr(err, "workflow", req.workflow)
	}
	if wf.Archived {
		return nil, false, conflict("workflow %q is archived: it starts no new runs (store a new version to use it again)", req.workflow)
	}
	v, err := s.st.GetWorkflowVersion(ctx, req.tenant, req.workflow, req.version)
	if errors.Is(err, db.ErrNotFound) {
		return nil, false, notFound("version of workflow "+req.workflow, strconv.Itoa(req.version))
	}
	if err != nil {
		return nil, false, err
	}
	if req.inputs == nil {
		req.inputs = map[string]any{}
	}
	inputs, err := json.Marshal(req.inputs)
	if err != nil {
		return nil, false, badRequest("inputs: %v", err)
	}
	now := nowUTC()
	run := &db.Run{ID: weft.NewRunID(), Tenant: req.tenant, Workflow: req.workflow, Version: v.Version,
		Status: db.RunQueued, Inputs: inputs, IdempotencyKey: req.idempotencyKey, Trigger: req.trigger,
		CreatedBy: req.createdBy, CreatedAt: now}
	claimed := s.exec.tryAcquire(req.tenant)
	if claimed {
		run.Status, run.Owner, run.LeaseUntil, run.StartedAt, run.Attempts = db.RunRunning, s.id, now.Add(s.cfg.Lease), now, 1
	}
	stored, created, err := s.st.CreateRun(ctx, run)
	if err != nil || !created {
		if claimed {
			s.exec.release(req.tenant)
		}
		return stored, created, err
	}
	if claimed {
		s.exec.start(stored)
	} else {
		s.exec.poke()
	}
	return stored, true, nil
}

// waitEnd waits until the run has ended (or ctx is done) and returns it
// as stored.
func (s *Server) waitEnd(ctx context.Context, tenant, id string) (*db.Run, error) {
	sub := s.hub.subscribe(id)
	defer s.hub.unsubscribe(id, sub)
	for {
		r, err := s.st.GetRun(ctx, tenant, id)
		if err != nil || db.Ended(r.Status) {
			return r, err
		}
		select {
		case <-sub:
		case <-time.After(s.cfg.Poll):
		case <-ctx.Done():
			return r, ctx.Err()
		}
	}
}

func (s *Server) startRun(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	var req api.StartRun
	if err := s.decodeJSON(w, r, &req, true); err != nil {
		return err
	}
	if req.Version < 0 {
		return badRequest("version: expected a version number of the workflow (1, 2, ...), or 0 or none for the newest; found %d", req.Version)
	}
	run, created, err := s.submit(r.Context(), runRequest{tenant: p.tenant, workflow: chi.URLParam(r, "id"),
		version: req.Version, inputs: req.Inputs, idempotencyKey: req.IdempotencyKey, createdBy: p.name()})
	if err != nil {
		return err
	}
	if !req.Wait {
		status := http.StatusAccepted
		if !created {
			status = http.StatusOK
		}
		writeJSON(w, status, api.RunReply{Run: runJSON(run)})
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RunTimeout+time.Minute)
	defer cancel()
	run, err = s.waitEnd(ctx, p.tenant, run.ID)
	if err != nil {
		if ctx.Err() != nil && run != nil {
			// The client went away or the wait ran out: the run goes on.
			writeJSON(w, http.StatusAccepted, api.RunReply{Run: runJSON(run)})
			return nil
		}
		return err
	}
	writeJSON(w, http.StatusOK, api.RunReply{Run: runJSON(run)})
	return nil
}

var runStatuses = []string{db.RunQueued, db.RunRunning, db.RunSuccess, db.RunFailure, db.RunCanceled, db.RunInterrupted}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	pg, err := page(r)
	if err != nil {
		return err
	}
	f := db.RunFilter{Workflow: r.URL.Query().Get("workflow"), Status: r.URL.Query().Get("status")}
	if f.Status != "" && !slices.Contains(runStatuses, f.Status) {
		return badRequest("status: expected one of queued, running, success, failure, canceled, interrupted; found %q", f.Status)
	}
	list, next, err := s.st.ListRuns(r.Context(), p.tenant, f, pg)
	if err != nil {
		return storeErr(err, "cursor", pg.Cursor)
	}
	out := api.List[api.Run]{Items: []api.Run{}, NextCursor: next}
	for _, run := range list {
		out.Items = append(out.Items, runJSON(run))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	run, err := s.st.GetRun(r.Context(), p.tenant, id)
	if err != nil {
		return storeErr(err, "run", id)
	}
	writeJSON(w, http.StatusOK, api.RunReply{Run: runJSON(run)})
	return nil
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	run, err := s.st.RequestCancel(r.Context(), p.tenant, id, nowUTC())
	if errors.Is(err, db.ErrConflict) {
		cur, gerr := s.st.GetRun(r.Context(), p.tenant, id)
		if gerr == nil {
			return conflict("run %s has ended already (%s)", id, cur.Status)
		}
	}
	if err != nil {
		return storeErr(err, "run", id)
	}
	if !db.Ended(run.Status) {
		s.exec.cancel(id)
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if ended, err := s.waitEnd(ctx, p.tenant, id); err == nil || ended != nil {
			run = ended
		}
	}
	writeJSON(w, http.StatusOK, api.RunReply{Run: runJSON(run)})
	return nil
}

// runJSON is a run as the API shows it.
func runJSON(r *db.Run) api.Run {
	out := api.Run{ID: r.ID, Workflow: r.Workflow, Version: r.Version, Status: r.Status, Error: r.Error,
		Trigger: r.Trigger, CreatedAt: r.CreatedAt, CancelRequested: r.CancelRequested && !db.Ended(r.Status),
		Inputs: jsonObject(r.Inputs), Blackboard: jsonObject(r.Blackboard), Packages: map[string]api.LockedPackage{}}
	if r.Blackboard == nil {
		out.Blackboard = nil
	}
	if !r.StartedAt.IsZero() {
		t := r.StartedAt
		out.StartedAt = &t
	}
	if !r.EndedAt.IsZero() {
		t := r.EndedAt
		out.EndedAt = &t
	}
	if len(r.Packages) > 0 {
		json.Unmarshal(r.Packages, &out.Packages)
	}
	return out
}

// jsonObject decodes a stored JSON object; an empty one for nothing.
func jsonObject(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		dec.Decode(&m)
	}
	return m
}
