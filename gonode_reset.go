// Reset for Go nodes (RegisterNode): what a Go node keeps between its
// calls must not reach the next run of a reused tree.

package weft

import "github.com/weft-dev/weft/internal/bt"

var _ bt.Resetter = (*goNode)(nil)

// Reset waits for the last call's goroutine to be gone and drops its
// outputs. The node type's Run function is shared by every instance of the
// tree, reused or not, so reuse changes nothing for it.
func (n *goNode) Reset() {
	n.work.Stop()
	n.out = nil
}
