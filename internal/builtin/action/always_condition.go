// AlwaysCondition: a condition with a fixed result.

package action

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "AlwaysCondition", Kind: bt.Leaf, Category: "condition", Children: none,
		Summary: "Returns `returnStatus` (SUCCESS by default) on every tick.",
		Description: "A condition whose outcome is fixed, for tests and for switching branches off " +
			"by hand. `returnStatus` accepts `SUCCESS` or `FAILURE`, in upper or lower case; a " +
			"template that evaluates to anything else makes the node fail with an error.",
		Props: []bt.PropSpec{
			{Name: "returnStatus", Type: bt.TypeString, Default: "SUCCESS",
				Enum:        []string{"SUCCESS", "FAILURE", "success", "failure"},
				Description: "The status to return."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &alwaysCondition{status: c.Props.Get("returnStatus")}, nil
		},
	})
}

type alwaysCondition struct{ status *bt.Prop }

var (
	_ bt.Behavior  = (*alwaysCondition)(nil)
	_ bt.Stateless = (*alwaysCondition)(nil)
)

func (a *alwaysCondition) Tick(t *bt.Tick) bt.Status {
	s, err := a.status.String(t, "SUCCESS")
	if err != nil {
		return t.Fail(err)
	}
	st, err := parseStatus("returnStatus", s, false)
	if err != nil {
		return t.Fail(err)
	}
	return st
}

func (a *alwaysCondition) Halt(*bt.Tick) {}

// Stateless marks the node as having nothing to reset between runs: an AlwaysCondition keeps no state.
func (*alwaysCondition) Stateless() {}
