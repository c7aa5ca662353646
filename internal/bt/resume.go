// Checkpoints: how a long loop's run stops at an iteration boundary and a
// new run resumes it where it was (Temporal's continue-as-new), carrying
// the blackboard and the state of every node that has one.

package bt

import (
	"errors"
	"fmt"
	"time"
)

// Resumable is implemented by a behavior that can save its state at a
// checkpoint and take it back in a fresh tree. Position returns the state
// as a canonical value (see package value; nil for none), and ok false when
// the state cannot be carried now (a timer or work in flight): then no
// checkpoint is taken and the loop just goes on. Resume is called on a
// fresh instance before the first tick, with what Position returned.
//
// A running node whose behavior is neither Resumable nor [Stateless]
// blocks checkpoints (Parallel, Timeout, Retry, Delay...). An idle node
// that is not Resumable is taken to be in its starting state, so a
// behavior that keeps state while idle (RunOnce's memory) must implement
// Resumable.
type Resumable interface {
	Position() (pos any, ok bool)
	Resume(pos any) error
}

// Checkpointer is what a Scheduler implements when it wants runs to stop
// at checkpoints (the temporal module's, when Temporal suggests a
// continue-as-new). RealTime does not: an embedded run never checkpoints.
type Checkpointer interface {
	ShouldCheckpoint() bool
}

// ErrCheckpoint matches (errors.Is) the error of a run that stopped at a
// checkpoint: its Result's Err is the *Checkpoint itself.
var ErrCheckpoint = errors.New("run stopped at a checkpoint, to be resumed")

// ErrBadCheckpoint marks a checkpoint that does not fit the tree.
var ErrBadCheckpoint = errors.New("invalid checkpoint")

// Checkpoint is where a run stopped: enough to resume it in a fresh
// instance of the same tree ([RunOptions.Resume]).
type Checkpoint struct {
	// Blackboard is the root scope's values.
	Blackboard map[string]any
	// Started is when the first run of the chain started, for durations.
	Started time.Time
	// Nodes are the nodes that were running or had a state to carry.
	Nodes []NodeState
}

// NodeState is one node's part of a Checkpoint.
type NodeState struct {
	Index   int
	Type    string
	Running bool
	Started time.Time // when a running node started
	Pos     any       // its behavior's Position
}

func (c *Checkpoint) Error() string { return ErrCheckpoint.Error() }

// Is makes errors.Is(err, ErrCheckpoint) hold for a *Checkpoint.
func (c *Checkpoint) Is(target error) bool { return target == ErrCheckpoint }

// Checkpoint is called by a looping node at an iteration boundary (its
// child has just finished, the next iteration has not begun, its own
// state counts the iteration). When the run's scheduler wants a checkpoint
// and every node's state can be saved, the run records one and Checkpoint
// returns true: the node must then return Running at once; the run ends
// there with the checkpoint as its error, and nothing is halted.
func (t *Tick) Checkpoint() bool {
	r := t.run
	cp, ok := r.sched.(Checkpointer)
	if !ok || r.tree == nil || r.checkpoint != nil || !cp.ShouldCheckpoint() {
		return false
	}
	var nodes []NodeState
	for _, n := range r.tree.Nodes {
		st := NodeState{Index: n.Index, Type: n.Type, Running: n.status == Running}
		if st.Running {
			st.Started = n.started
		}
		switch b := n.Behavior.(type) {
		case Resumable:
			pos, ok := b.Position()
			if !ok {
				return false
			}
			st.Pos = pos
		case Stateless:
		default:
			if st.Running {
				return false
			}
		}
		if st.Running || st.Pos != nil {
			nodes = append(nodes, st)
		}
	}
	r.checkpoint = &Checkpoint{Blackboard: r.bb.Local(), Started: r.started, Nodes: nodes}
	return true
}

// restore puts a checkpoint's state into a fresh tree before its first
// tick: running nodes are running again (without NodeStarted events, the
// run goes on), and behaviors take back their positions.
func (tr *Tree) restore(cp *Checkpoint) error {
	for _, s := range cp.Nodes {
		if s.Index < 0 || s.Index >= len(tr.Nodes) {
			return fmt.Errorf("%w: node index %d outside the tree's %d nodes", ErrBadCheckpoint, s.Index, len(tr.Nodes))
		}
		n := tr.Nodes[s.Index]
		if n.Type != s.Type {
			return fmt.Errorf("%w: node %d is a %s, the checkpoint has a %s", ErrBadCheckpoint, s.Index, n.Type, s.Type)
		}
		if b, ok := n.Behavior.(Resumable); ok {
			if err := b.Resume(s.Pos); err != nil {
				return fmt.Errorf("%w: node %s: %w", ErrBadCheckpoint, n, err)
			}
		} else if s.Pos != nil {
			return fmt.Errorf("%w: node %s keeps no position", ErrBadCheckpoint, n)
		}
		if s.Running {
			n.status, n.started = Running, s.Started
		}
	}
	return nil
}

// Value returns the checkpoint as one canonical value, to carry it where
// values travel (a Temporal payload).
func (c *Checkpoint) Value() map[string]any {
	nodes := make([]any, len(c.Nodes))
	for i, s := range c.Nodes {
		m := map[string]any{"index": int64(s.Index), "type": s.Type, "running": s.Running}
		if !s.Started.IsZero() {
			m["started"] = s.Started
		}
		if s.Pos != nil {
			m["pos"] = s.Pos
		}
		nodes[i] = m
	}
	bb := c.Blackboard
	if bb == nil {
		bb = map[string]any{}
	}
	return map[string]any{"blackboard": bb, "started": c.Started, "nodes": nodes}
}

// CheckpointFromValue reads what Value returned.
//
// # Errors
//
// ErrBadCheckpoint for a value of another shape.
func CheckpointFromValue(v any) (*Checkpoint, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: expected a map", ErrBadCheckpoint)
	}
	c := &Checkpoint{}
	if c.Blackboard, ok = m["blackboard"].(map[string]any); !ok {
		return nil, fmt.Errorf("%w: no blackboard map", ErrBadCheckpoint)
	}
	if s, ok := m["started"].(time.Time); ok {
		c.Started = s
	}
	nodes, ok := m["nodes"].([]any)
	if !ok && m["nodes"] != nil {
		return nil, fmt.Errorf("%w: nodes: expected an array", ErrBadCheckpoint)
	}
	for i, nv := range nodes {
		nm, ok := nv.(map[string]any)
		idx, okI := nm["index"].(int64)
		typ, okT := nm["type"].(string)
		if !ok || !okI || !okT {
			return nil, fmt.Errorf("%w: node %d: expected {index, type, ...}", ErrBadCheckpoint, i)
		}
		s := NodeState{Index: int(idx), Type: typ, Pos: nm["pos"]}
		s.Running, _ = nm["running"].(bool)
		s.Started, _ = nm["started"].(time.Time)
		c.Nodes = append(c.Nodes, s)
	}
	return c, nil
}

// PosInts reads a position saved as an array of n integers.
func PosInts(pos any, n int) ([]int64, error) {
	a, ok := pos.([]any)
	if !ok || len(a) != n {
		return nil, fmt.Errorf("position: expected %d integers, found %v", n, pos)
	}
	out := make([]int64, n)
	for i, v := range a {
		if out[i], ok = v.(int64); !ok {
			return nil, fmt.Errorf("position: expected %d integers, found %v", n, pos)
		}
	}
	return out, nil
}

// IntsPos is the position of PosInts.
func IntsPos(v ...int64) any {
	a := make([]any, len(v))
	for i, x := range v {
		a[i] = x
	}
	return a
}
