// The worker: registers weft's one workflow type (weft.Tree) and its one
// activity type (weft.Node) on a Temporal worker, and keeps the workflows
// it has compiled, by their source's digest.

package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/weft-dev/weft"
)

// The names under which weft registers its workflow and activity.
const (
	WorkflowName = "weft.Tree"
	ActivityName = "weft.Node"
	// EventsQuery answers a run's events from an index on (see Follow).
	EventsQuery = "weft.events"
)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	// Engine runs the nodes: its package store, sandboxes and limits are
	// the worker's. Required.
	Engine *weft.Engine
	// Blobs holds workflow sources and large values; shared with every
	// client and worker of the task queue. Required.
	Blobs Blobs
	// TaskQueue the worker polls. Required.
	TaskQueue string
	// Logger for the worker's own messages; default discards.
	Logger *slog.Logger
	// ActivityTimeout bounds one node's run (StartToClose); default 10
	// minutes. A Timeout decorator in the tree is the author's own bound.
	ActivityTimeout time.Duration
	// HeartbeatTimeout is how soon a node's run is retried elsewhere after
	// its worker stops heartbeating (it died); default 10 s.
	HeartbeatTimeout time.Duration
}

func (o *WorkerOptions) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ActivityTimeout <= 0 {
		o.ActivityTimeout = 10 * time.Minute
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = 10 * time.Second
	}
}

// taskCPULimit is how long a workflow task may run without yielding. A
// worker's first task of a workflow compiles it (and checks its scripts'
// syntax in their sandboxes), which can take longer than the SDK's 1 s.
const taskCPULimit = 15 * time.Second

// Worker runs weft trees and nodes for Temporal.
//
//	c, _ := client.Dial(client.Options{HostPort: "127.0.0.1:7233"})
//	w, _ := temporal.NewWorker(c, temporal.WorkerOptions{Engine: eng, Blobs: temporal.DirBlobs{Dir: dir}, TaskQueue: "weft"})
//	err := w.Run(ctx) // until ctx ends
type Worker struct {
	c    client.Client
	o    WorkerOptions
	tw   worker.Worker
	mu   sync.Mutex
	wfs  map[string]*weft.Workflow // by tenant and source digest
	load sync.Mutex                // one compile at a time
}

// NewWorker returns a worker for c; nothing polls until Start or Run.
//
// # Errors
//
// A required option is missing.
func NewWorker(c client.Client, o WorkerOptions) (*Worker, error) {
	switch {
	case c == nil:
		return nil, errors.New("temporal worker: no Temporal client")
	case o.Engine == nil:
		return nil, errors.New("temporal worker: WorkerOptions.Engine is required")
	case o.Blobs == nil:
		return nil, errors.New("temporal worker: WorkerOptions.Blobs is required")
	case o.TaskQueue == "":
		return nil, errors.New("temporal worker: WorkerOptions.TaskQueue is required")
	}
	o.defaults()
	w := &Worker{c: c, o: o, wfs: map[string]*weft.Workflow{}}
	w.tw = worker.New(c, o.TaskQueue, worker.Options{DeadlockDetectionTimeout: taskCPULimit})
	w.Register(w.tw)
	return w, nil
}

// Register adds weft.Tree and weft.Node to r (a worker, or a replayer).
func (w *Worker) Register(r interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}) {
	r.RegisterWorkflowWithOptions(w.tree, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(w.node, activity.RegisterOptions{Name: ActivityName})
}

// Start begins polling; Stop ends it.
func (w *Worker) Start() error { return w.tw.Start() }

// Stop stops polling and waits for the nodes in flight.
func (w *Worker) Stop() { w.tw.Stop() }

// Run polls until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.tw.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.tw.Stop()
	return nil
}

// workflowFor returns the compiled workflow of a source, compiling it on
// first use. The source comes from src when given, else from the blob
// store by its digest; the same digest is always the same tree, so a
// replay on another worker compiles the same workflow.
func (w *Worker) workflowFor(ctx context.Context, s Source) (*weft.Workflow, error) {
	key := s.Tenant + "\x00" + s.Digest + "\x00" + lockKey(s.Lock)
	w.mu.Lock()
	wf := w.wfs[key]
	w.mu.Unlock()
	if wf != nil {
		return wf, nil
	}
	w.load.Lock()
	defer w.load.Unlock()
	w.mu.Lock()
	wf = w.wfs[key]
	w.mu.Unlock()
	if wf != nil {
		return wf, nil
	}
	src := s.Inline
	if src == nil {
		var err error
		if src, err = w.o.Blobs.Get(ctx, s.Digest); err != nil {
			return nil, fmt.Errorf("workflow %s: %w", s.Name, err)
		}
	}
	if Digest(src) != s.Digest {
		return nil, fmt.Errorf("%w: workflow %s: the source does not match its digest %s", weft.ErrInvalid, s.Name, s.Digest)
	}
	wf, err := w.o.Engine.LoadWith(ctx, s.Name, src, weft.LoadOptions{Tenant: s.Tenant, Lock: s.Lock})
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.wfs[key] = wf
	w.mu.Unlock()
	return wf, nil
}

func lockKey(l *weft.Lock) string {
	if l == nil {
		return ""
	}
	keys := make([]string, 0, len(l.Packages))
	for k, p := range l.Packages {
		keys = append(keys, k+"="+p.Digest)
	}
	slices.Sort(keys)
	return fmt.Sprint(keys)
}
