// Reset for custom nodes: what a custom node keeps between its calls (the
// attempt counter, the last request and result) must not reach the next
// run of a reused tree. Keep it in step with the fields of node in
// customnode.go.

package customnode

import (
	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/wasmhost"
)

var _ bt.Resetter = (*node)(nil)

// Reset waits for the last call's goroutine (if it had one) to be gone,
// drops the last request (the run's id, tenant, blackboard and inputs) and
// result, and restarts the attempt count, so that the next run's first
// call is attempt 1 again. The inputs map is emptied and kept for reuse.
func (n *node) Reset() {
	n.work.Stop()
	inputs := n.req.Inputs
	clear(inputs)
	n.req = wasmhost.CallRequest{Inputs: inputs}
	n.res, n.cut, n.attempt = nil, false, 0
}
