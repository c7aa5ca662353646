// Durable runs: the seam through which another engine (Temporal, in the
// temporal module) runs a workflow's tree. The tree ticks here, under the
// other engine's clock and coroutines (a Scheduler); every leaf that does
// I/O or runs code is handed to Leaves, which runs it elsewhere (an
// activity) with RunLeaf, and its result comes back into the tree.

package weft

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/value"
)

// Scheduler is how a durable run reads its clock, waits and runs
// Parallel's branches; see the temporal module for one over a Temporal
// workflow. The zero DurableOptions uses the machine's clock.
type Scheduler = bt.Scheduler

// Checkpoint is where a durable run stopped to be continued by another
// (Temporal's continue-as-new): a Scheduler that implements
// ShouldCheckpoint() bool is asked at every loop iteration boundary. The
// run's Result then has Status "running" and Err the *Checkpoint (it
// matches ErrCheckpoint); pass it as DurableOptions.Resume to go on.
// Value and CheckpointFromValue carry it as one canonical value.
type Checkpoint = bt.Checkpoint

// NodeState is one node's part of a Checkpoint.
type NodeState = bt.NodeState

// RealTime returns the machine's scheduler, for wrapping.
func RealTime() Scheduler { return bt.RealTime{} }

// ErrCheckpoint matches the Err of a run that stopped at a checkpoint.
var ErrCheckpoint = bt.ErrCheckpoint

// CheckpointFromValue reads a checkpoint's Value back.
func CheckpointFromValue(v any) (*Checkpoint, error) {
	cp, err := bt.CheckpointFromValue(v)
	if err != nil {
		return nil, &invalidError{err}
	}
	return cp, nil
}

// LeafCall is one leaf of a durable run to be run elsewhere with RunLeaf.
type LeafCall struct {
	// Node is the leaf's pre-order index in the workflow's tree.
	Node int `json:"node"`
	// ID and Type name the node, for messages and activity names.
	ID   string `json:"id"`
	Type string `json:"type"`
	// Blackboard is every value the node sees from its scope.
	Blackboard map[string]any `json:"-"`
}

// LeafResult is how a leaf ended: its status, its error, and what it did
// to the blackboard.
type LeafResult struct {
	// Status is "success" or "failure".
	Status string `json:"status"`
	// Error is why the node failed, without the node's name (the run adds
	// it); empty on success.
	Error string `json:"error,omitempty"`
	// Set holds the values the node stored or replaced; Deleted the names
	// it removed.
	Set     map[string]any `json:"-"`
	Deleted []string       `json:"deleted,omitempty"`
	// Logs are the node's log lines, in order.
	Logs []LeafLog `json:"logs,omitempty"`
}

// LeafLog is a log line of a leaf.
type LeafLog struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// Leaves run the leaves of a durable run outside it. Start is called on a
// leaf's first tick; done must be called once with its result, from the
// run's scheduler (a Temporal workflow's coroutine), and wakes the tree.
// cancel is called when the tree halts the leaf before done.
type Leaves interface {
	Start(ctx context.Context, call LeafCall, done func(LeafResult)) (cancel func())
}

// DurableOptions configure RunDurable.
type DurableOptions struct {
	// Scheduler drives time and branches; default the machine's.
	Scheduler Scheduler
	// Leaves runs every leaf that is not Inline; required.
	Leaves Leaves
	// Resume continues the run a Checkpoint stopped, on its blackboard
	// (RunOptions.Inputs are then ignored).
	Resume *Checkpoint
}

// inlineTypes are the leaves a durable run ticks itself: they read and
// write only the blackboard (and the run's clock), so replaying them gives
// the same answer.
var inlineTypes = map[string]bool{
	"AlwaysCondition": true, "CheckCondition": true, "CounterAction": true, "MockAction": true,
	"SuccessNode": true, "FailureNode": true, "RunningNode": true, "SetVariable": true,
	"RegexExtract": true, "WaitAction": true, "PrintAction": true, "Script": true,
}

// Inline reports whether a durable run ticks leaves of this type itself
// (pure built-ins) rather than handing them to its Leaves: composites and
// decorators are always inline.
func Inline(nodeType string) bool { return inlineTypes[nodeType] }

// RunDurable runs the workflow once with its tree ticked under
// o.Scheduler and its I/O leaves run by o.Leaves. No journal is written:
// the durable engine keeps the record.
//
//	res, err := wf.RunDurable(ctx, weft.RunOptions{ID: runID, Inputs: in},
//		weft.DurableOptions{Scheduler: sched, Leaves: activities})
//
// # Errors
//
// As Run; ErrInvalid without Leaves.
func (w *Workflow) RunDurable(ctx context.Context, o RunOptions, d DurableOptions) (*Result, error) {
	if d.Leaves == nil {
		return nil, fmt.Errorf("%w: RunDurable needs Leaves", ErrInvalid)
	}
	o, inputs, err := w.runOptions(o)
	if err != nil {
		return nil, err
	}
	w.durableOnce.Do(func() { w.durable = durableDef(w.wf.Root) })
	tree, err := w.durable.Instantiate(w.wf.ID, w.eng.svc)
	if err != nil {
		return nil, &invalidError{err}
	}
	for _, n := range tree.Nodes {
		if l, ok := n.Behavior.(*remoteLeaf); ok {
			l.leaves = d.Leaves
		}
	}
	var sink event.Sink
	if o.Events != nil {
		sink = event.SinkFunc(o.Events)
	}
	r := tree.Run(ctx, bt.RunOptions{ID: o.ID, Tenant: o.Tenant, Inputs: inputs, Sink: sink, Scheduler: d.Scheduler, Resume: d.Resume})
	if errors.Is(r.Err, bt.ErrBadCheckpoint) {
		return nil, &invalidError{r.Err}
	}
	res := &Result{RunID: r.RunID, Status: r.Status.String(), Blackboard: r.Blackboard, Err: r.Err, Duration: r.Duration}
	if errors.Is(r.Err, bt.ErrInternal) {
		return res, r.Err
	}
	return res, nil
}

// durableDef copies a tree's definition with every leaf that is not
// Inline standing for a remoteLeaf: its own type is never instantiated in
// the durable run (no module compiled, no sandbox started in workflow
// code), only in RunLeaf.
func durableDef(d *bt.Def) *bt.Def {
	index := 0
	var copyDef func(d *bt.Def) *bt.Def
	copyDef = func(d *bt.Def) *bt.Def {
		c := *d
		i := index
		index++
		if d.Spec != nil && d.Spec.Kind == bt.Leaf && !Inline(d.Type) {
			spec := *d.Spec
			call := LeafCall{Node: i, ID: d.ID, Type: d.Type}
			spec.New = func(*bt.Config) (bt.Behavior, error) { return &remoteLeaf{call: call}, nil }
			c.Spec = &spec
		}
		c.Children = make([]*bt.Def, len(d.Children))
		for j, ch := range d.Children {
			c.Children[j] = copyDef(ch)
		}
		return &c
	}
	return copyDef(d)
}

func defAt(root *bt.Def, index int) (found *bt.Def) {
	i := 0
	root.Walk(func(d *bt.Def) {
		if i == index {
			found = d
		}
		i++
	})
	return found
}

// RunLeaf runs one leaf of the workflow, as a durable run's Leaves do in
// a worker: the node at call.Node, on a blackboard holding
// call.Blackboard, under the same sandbox and limits as an embedded run.
//
//	res, err := wf.RunLeaf(ctx, weft.RunOptions{ID: runID}, call)
//
// # Errors
//
// ErrInvalid when call.Node is not a leaf of this workflow; an error
// wrapping ErrInternal for a bug in weft. A node that ran and failed is a
// LeafResult with Status "failure".
func (w *Workflow) RunLeaf(ctx context.Context, o RunOptions, call LeafCall) (LeafResult, error) {
	d := defAt(w.wf.Root, call.Node)
	if d == nil || d.Spec == nil || d.Spec.Kind != bt.Leaf {
		return LeafResult{}, fmt.Errorf("%w: workflow %s has no leaf at index %d", ErrInvalid, w.wf.ID, call.Node)
	}
	if call.Type != "" && call.Type != d.Type {
		return LeafResult{}, fmt.Errorf("%w: node %d of workflow %s is a %s, not a %s", ErrInvalid, call.Node, w.wf.ID, d.Type, call.Type)
	}
	o, _, err := w.runOptions(o)
	if err != nil {
		return LeafResult{}, err
	}
	one := *d
	one.Children = nil
	tree, err := one.Instantiate(w.wf.ID, w.eng.svc)
	if err != nil {
		return LeafResult{}, &invalidError{err}
	}
	var mu sync.Mutex
	var logs []LeafLog
	sink := event.SinkFunc(func(e event.Event) {
		if e.Kind == event.Log {
			mu.Lock()
			logs = append(logs, LeafLog{Level: e.Level, Message: e.Message})
			mu.Unlock()
		}
		if o.Events != nil {
			o.Events(e)
		}
	})
	before := call.Blackboard
	r := tree.Run(ctx, bt.RunOptions{ID: o.ID, Tenant: o.Tenant, Inputs: before, Sink: sink})
	if errors.Is(r.Err, bt.ErrInternal) {
		return LeafResult{}, r.Err
	}
	res := LeafResult{Status: r.Status.String(), Set: map[string]any{}}
	if r.Err != nil {
		var ne *bt.NodeError
		if errors.As(r.Err, &ne) {
			res.Error = ne.Err.Error()
		} else {
			res.Error = r.Err.Error()
		}
	}
	for k, v := range r.Blackboard {
		if old, ok := before[k]; !ok || !reflect.DeepEqual(old, v) {
			res.Set[k] = v
		}
	}
	for k := range before {
		if _, ok := r.Blackboard[k]; !ok {
			res.Deleted = append(res.Deleted, k)
		}
	}
	slices.Sort(res.Deleted)
	mu.Lock()
	res.Logs = logs
	mu.Unlock()
	return res, nil
}

// runOptions fills in o's defaults and normalises its inputs, as Run does.
func (w *Workflow) runOptions(o RunOptions) (RunOptions, map[string]any, error) {
	if o.ID == "" {
		o.ID = NewRunID()
	}
	if o.Tenant == "" {
		o.Tenant = w.tenant
	}
	if o.Tenant != w.tenant && len(w.resolved) > 0 {
		return o, nil, fmt.Errorf("%w: the workflow was loaded for tenant %q, whose packages it uses; load it again for tenant %q", ErrInvalid, w.tenant, o.Tenant)
	}
	inputs := make(map[string]any, len(o.Inputs))
	for k, v := range o.Inputs {
		n, err := value.Normalize(v)
		if err != nil {
			return o, nil, fmt.Errorf("%w: input %q: %w", ErrInvalid, k, err)
		}
		inputs[k] = n
	}
	return o, inputs, nil
}

// remoteLeaf stands in a durable run's tree for a leaf that Leaves run.
type remoteLeaf struct {
	call   LeafCall
	leaves Leaves

	mu      sync.Mutex
	started bool
	done    bool
	gen     int // which start a done belongs to: a halted call's late answer is dropped
	res     LeafResult
	cancel  func()
}

var (
	_ bt.Behavior  = (*remoteLeaf)(nil)
	_ bt.Resumable = (*remoteLeaf)(nil)
)

// Position blocks checkpoints while the leaf's call is in flight; an idle
// leaf has nothing to carry.
func (l *remoteLeaf) Position() (any, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return nil, !l.started
}

// Resume has nothing to take back.
func (l *remoteLeaf) Resume(any) error { return nil }

func (l *remoteLeaf) Tick(t *bt.Tick) bt.Status {
	l.mu.Lock()
	if !l.started {
		l.started, l.done = true, false
		l.gen++
		gen := l.gen
		call := l.call
		call.Blackboard = t.BB.Snapshot()
		wake := t.Waker()
		l.mu.Unlock()
		cancel := l.leaves.Start(t.Ctx, call, func(r LeafResult) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if gen != l.gen || !l.started {
				return
			}
			l.res, l.done = r, true
			wake()
		})
		l.mu.Lock()
		l.cancel = cancel
	}
	if !l.done {
		l.mu.Unlock()
		return bt.Running
	}
	res := l.res
	l.started, l.done, l.res, l.cancel = false, false, LeafResult{}, nil
	l.mu.Unlock()
	for _, lg := range res.Logs {
		t.Log(levelOf(lg.Level), lg.Message)
	}
	for _, k := range value.SortedKeys(res.Set) {
		t.BB.Set(k, res.Set[k])
	}
	for _, k := range res.Deleted {
		t.BB.Delete(k)
	}
	switch res.Status {
	case "success":
		return bt.Success
	case "failure":
		return t.Fail(errors.New(res.Error))
	}
	return t.Failf("%w: leaf %s ended with status %q", ErrInternal, l.call.ID, res.Status)
}

func (l *remoteLeaf) Halt(*bt.Tick) {
	l.mu.Lock()
	cancel := l.cancel
	pending := l.started && !l.done
	l.started, l.done, l.res, l.cancel = false, false, LeafResult{}, nil
	l.gen++
	l.mu.Unlock()
	if pending && cancel != nil {
		cancel()
	}
}

// levelOf reads a level name as events carry it.
func levelOf(name string) slog.Level {
	switch name {
	case "trace":
		return bt.LevelTrace
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
