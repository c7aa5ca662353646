// Workflows through the API: immutable numbered versions whose YAML is kept
// byte for byte, validated with every problem at once (the messages of
// `weft validate`), with the package versions each resolved to; and the
// compiled workflows that runs use, cached by version and package
// generation so that an activation takes effect on the next run.

package server

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

var workflowIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

var yamlTypes = []string{"application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml", "text/plain"}

// readYAML reads a workflow source body.
func (s *Server) readYAML(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if mt := mediaType(r); mt != "" && !slices.Contains(yamlTypes, mt) {
		return nil, errorf(http.StatusUnsupportedMediaType, api.CodeMediaType, "expected Content-Type application/x-yaml (the workflow's YAML), found %q", mt)
	}
	src, err := readBody(w, r, s.cfg.MaxBody)
	if err != nil {
		return nil, err
	}
	if len(src) == 0 {
		return nil, badRequest("expected the workflow's YAML in the request body, found nothing")
	}
	return src, nil
}

// load validates and compiles a source for tenant, resolving custom node
// types to the tenant's current package versions (or to lock).
func (s *Server) load(ctx context.Context, tenant, file string, src []byte, lock map[string]weft.LockedPackage) (*weft.Workflow, error) {
	if !utf8.Valid(src) {
		return nil, &httpError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid, msg: file + ": the workflow is not valid UTF-8 text",
			details: []api.Detail{{File: file, Line: 1, Col: 1, Message: "the workflow is not valid UTF-8 text"}}}
	}
	o := weft.LoadOptions{Tenant: tenant, Packages: s.pkgs}
	if lock != nil {
		o.Lock = &weft.Lock{LockVersion: weft.LockVersion, Tenant: tenant, Packages: lock}
	}
	wf, err := s.eng.LoadWith(ctx, file, src, o)
	if err == nil {
		return wf, nil
	}
	if !errors.Is(err, weft.ErrInvalid) {
		return nil, err
	}
	he := &httpError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid}
	for _, p := range weft.Problems(err) {
		he.details = append(he.details, api.Detail{File: p.File, Line: p.Line, Col: p.Col, Message: p.Message})
	}
	he.msg = fmt.Sprintf("%s: %d problem(s); the first: %s", file, len(he.details), he.details[0].Message)
	return nil, he
}

func lockJSON(wf *weft.Workflow) json.RawMessage {
	data, _ := json.Marshal(wf.Packages())
	return data
}

func (s *Server) validateWorkflow(w http.ResponseWriter, r *http.Request) error {
	src, err := s.readYAML(w, r)
	if err != nil {
		return err
	}
	wf, err := s.load(r.Context(), caller(r).tenant, "workflow.yaml", src, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Validation{Valid: true, Problems: []api.Detail{}, Warnings: wf.Warnings()})
	return nil
}

func (s *Server) putWorkflow(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	if !workflowIDRe.MatchString(id) {
		return badRequest("workflow id: expected letters, digits, '.', '-' and '_' (at most 128, starting with a letter or digit), found %q", id)
	}
	src, err := s.readYAML(w, r)
	if err != nil {
		return err
	}
	wf, err := s.load(r.Context(), p.tenant, id+".yaml", src, nil)
	if err != nil {
		return err
	}
	v, created, err := s.st.PutWorkflowVersion(r.Context(), &db.WorkflowVersion{Tenant: p.tenant, Workflow: id, Source: src,
		Packages: lockJSON(wf), CreatedBy: p.name(), CreatedAt: nowUTC()})
	if err != nil {
		return storeErr(err, "workflow", id)
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	out := versionJSON(v, false)
	out.Warnings = wf.Warnings()
	writeJSON(w, status, api.WorkflowReply{Workflow: out})
	return nil
}

func versionJSON(v *db.WorkflowVersion, archived bool) api.WorkflowVersion {
	out := api.WorkflowVersion{ID: v.Workflow, Version: v.Version, Source: string(v.Source), Archived: archived,
		CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt, Packages: map[string]api.LockedPackage{}}
	if len(v.Packages) > 0 {
		json.Unmarshal(v.Packages, &out.Packages)
	}
	return out
}

func (s *Server) getWorkflow(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	n := 0
	if q := r.URL.Query().Get("version"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil || n < 1 {
			return badRequest("version: expected a version number (1, 2, ...), found %q", q)
		}
	}
	wf, err := s.st.GetWorkflow(r.Context(), p.tenant, id)
	if err != nil {
		return storeErr(err, "workflow", id)
	}
	v, err := s.st.GetWorkflowVersion(r.Context(), p.tenant, id, n)
	if err != nil {
		return storeErr(err, "version of workflow "+id, strconv.Itoa(n))
	}
	if accepts(r, "application/x-yaml") {
		w.Header().Set("Content-Type", "application/x-yaml")
		w.Header().Set("X-Weft-Workflow-Version", strconv.Itoa(v.Version))
		w.Write(v.Source)
		return nil
	}
	out := versionJSON(v, wf.Archived)
	if c, err := s.compiled(r.Context(), &db.Run{Tenant: p.tenant, Workflow: id, Version: v.Version}); err == nil {
		t := treeJSON(c.Tree())
		out.Tree = &t
	}
	writeJSON(w, http.StatusOK, api.WorkflowReply{Workflow: out})
	return nil
}

func treeJSON(t weft.TreeNode) api.TreeNode {
	out := api.TreeNode{Type: t.Type, ID: t.ID, Name: t.Name, Kind: t.Kind, Line: t.Line}
	for _, c := range t.Children {
		out.Children = append(out.Children, treeJSON(c))
	}
	return out
}

func (s *Server) listWorkflows(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, next, err := s.st.ListWorkflows(r.Context(), caller(r).tenant, pg)
	if err != nil {
		return storeErr(err, "cursor", pg.Cursor)
	}
	out := api.List[api.Workflow]{Items: []api.Workflow{}, NextCursor: next}
	for _, wf := range list {
		out.Items = append(out.Items, api.Workflow{ID: wf.ID, LatestVersion: wf.LatestVersion, Archived: wf.Archived,
			CreatedAt: wf.CreatedAt, UpdatedAt: wf.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listWorkflowVersions(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	pg, err := page(r)
	if err != nil {
		return err
	}
	wf, err := s.st.GetWorkflow(r.Context(), p.tenant, id)
	if err != nil {
		return storeErr(err, "workflow", id)
	}
	list, next, err := s.st.ListWorkflowVersions(r.Context(), p.tenant, id, pg)
	if err != nil {
		return storeErr(err, "cursor", pg.Cursor)
	}
	out := api.List[api.WorkflowVersion]{Items: []api.WorkflowVersion{}, NextCursor: next}
	for _, v := range list {
		out.Items = append(out.Items, versionJSON(v, wf.Archived))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) archiveWorkflow(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	if err := s.st.ArchiveWorkflow(r.Context(), caller(r).tenant, id); err != nil {
		return storeErr(err, "workflow", id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// compiled returns the workflow of a run, compiled for its tenant with the
// tenant's current package versions (a run records what it used).
func (s *Server) compiled(ctx context.Context, run *db.Run) (*weft.Workflow, error) {
	gen, err := s.st.Generation(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%d", run.Tenant, run.Workflow, run.Version, gen)
	if wf := s.cache.get(key); wf != nil {
		return wf, nil
	}
	v, err := s.st.GetWorkflowVersion(ctx, run.Tenant, run.Workflow, run.Version)
	if err != nil {
		return nil, fmt.Errorf("loading version %d of workflow %s: %w", run.Version, run.Workflow, err)
	}
	wf, err := s.load(ctx, run.Tenant, run.Workflow+".yaml", v.Source, nil)
	if err != nil {
		return nil, fmt.Errorf("loading version %d of workflow %s: %w", run.Version, run.Workflow, err)
	}
	s.cache.put(key, wf)
	return wf, nil
}

// workflowCache is a small LRU of compiled workflows.
type workflowCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	by    map[string]*list.Element
}

type cacheEntry struct {
	key string
	wf  *weft.Workflow
}

func newWorkflowCache(max int) *workflowCache {
	return &workflowCache{max: max, order: list.New(), by: map[string]*list.Element{}}
}

func (c *workflowCache) get(key string) *weft.Workflow {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.by[key]; el != nil {
		c.order.MoveToFront(el)
		return el.Value.(*cacheEntry).wf
	}
	return nil
}

func (c *workflowCache) put(key string, wf *weft.Workflow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.by[key]; el != nil {
		el.Value.(*cacheEntry).wf = wf
		return
	}
	c.by[key] = c.order.PushFront(&cacheEntry{key, wf})
	for c.order.Len() > c.max {
		el := c.order.Back()
		c.order.Remove(el)
		delete(c.by, el.Value.(*cacheEntry).key)
	}
}

// accepts reports whether the request's Accept header names mt.
func accepts(r *http.Request, mt string) bool {
	for _, a := range r.Header.Values("Accept") {
		for _, part := range strings.Split(a, ",") {
			part, _, _ = strings.Cut(part, ";")
			if strings.TrimSpace(part) == mt {
				return true
			}
		}
	}
	return false
}
