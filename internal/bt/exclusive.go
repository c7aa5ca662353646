// Exclusive ticks: whether a leaf may do its work on the goroutine that
// ticks it, instead of on a goroutine of its own.

package bt

// Exclusive reports whether nothing else needs the goroutine driving this
// tick while the current node runs: no ancestor re-ticks other nodes in the
// meantime (ReactiveSequence does). A leaf whose work stops promptly when
// t.Ctx ends (a Timeout above it, a halted Parallel branch, the end of the
// run) may then do that work right here, inside Tick, and spare itself a
// goroutine and two hand-offs between threads. Parallel's branches run on
// goroutines of their own ([Tick.Fork]), so they are exclusive in their
// branch.
//
//	if t.Exclusive() {
//		return n.callHere(t) // Success or Failure, never Running
//	}
func (t *Tick) Exclusive() bool { return t.shared == 0 }

// EnterShared marks the ticks below as not exclusive until the matching
// LeaveShared: for composites that tick earlier children again while a
// later one runs.
//
//	t.EnterShared()
//	defer t.LeaveShared()
func (t *Tick) EnterShared() { t.shared++ }

// LeaveShared ends what EnterShared began.
func (t *Tick) LeaveShared() { t.shared-- }
