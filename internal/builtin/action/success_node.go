// SuccessNode, FailureNode, RunningNode: leaves with a fixed status.

package action

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(
		&bt.Spec{Name: "SuccessNode", Kind: bt.Leaf, Category: "test", Children: none,
			Summary: "Always returns SUCCESS.",
			New:     func(*bt.Config) (bt.Behavior, error) { return fixed(bt.Success), nil }},
		&bt.Spec{Name: "FailureNode", Kind: bt.Leaf, Category: "test", Children: none,
			Summary: "Always returns FAILURE.",
			New:     func(*bt.Config) (bt.Behavior, error) { return fixed(bt.Failure), nil }},
		&bt.Spec{Name: "RunningNode", Kind: bt.Leaf, Category: "test", Children: none,
			Summary: "Always returns RUNNING (until halted).",
			New:     func(*bt.Config) (bt.Behavior, error) { return fixed(bt.Running), nil }},
	)
}

// fixed is a leaf that returns the same status on every tick.
type fixed bt.Status

var (
	_ bt.Behavior  = fixed(0)
	_ bt.Stateless = fixed(0)
)

func (f fixed) Tick(*bt.Tick) bt.Status { return bt.Status(f) }
func (f fixed) Halt(*bt.Tick)           {}

// Stateless marks the node as having nothing to reset between runs: a fixed status is all the node has.
func (fixed) Stateless() {}
