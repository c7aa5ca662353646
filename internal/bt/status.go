// Package bt is weft's behavior-tree engine: node instances, ticking, the
// blackboard, node specs and the registry of node types.
//
// A workflow file is compiled (package workflow) into a tree of [*Node]s,
// each holding a [Behavior] built from its type's [Spec]. A [Tree] is then run
// with [Tree.Run], which ticks the root until it stops returning [Running].
package bt

import "fmt"

// Status is what a node returns from a tick.
type Status uint8

const (
	// Idle is the status of a node that is not running. A node never returns it.
	Idle Status = iota
	// Running means the node has not finished; tick it again.
	Running
	// Success means the node finished and succeeded.
	Success
	// Failure means the node finished and failed.
	Failure
)

// String returns "idle", "running", "success" or "failure".
func (s Status) String() string {
	switch s {
	case Idle:
		return "idle"
	case Running:
		return "running"
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Done reports whether s is Success or Failure.
func (s Status) Done() bool { return s == Success || s == Failure }
