// Precondition: runs its child only when a condition holds when it starts.

package decorator

import (
	"strconv"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "Precondition", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Runs its child only if the condition `if` holds; fails without running it otherwise.",
		Description: "When the Precondition starts, it evaluates `if`. When the value is truthy, it " +
			"ticks its child and passes the child's status through, RUNNING included. When it is " +
			"falsy, the Precondition fails at once without ticking the child, with the error " +
			"`precondition \"{{ count > 3 }}\" is false (value: false)`, quoting `if` as written.\n\n" +
			"`if` is usually a template such as `\"{{ count > 3 }}\"`, or `\"{{ user != null }}\"` to " +
			"test that a name is set; it may also be a literal. Falsy values are false, null, 0, " +
			"the empty string and empty lists and maps; every other value is truthy (so the " +
			"string `\"false\"` is truthy: write the template without quotes around its result).\n\n" +
			"The condition is evaluated once per start, not on every tick: while the child runs, " +
			"a change of the values it reads does not stop the child (use ReactiveSequence with " +
			"a condition for that). An evaluation error, such as a name that is not on the " +
			"blackboard, makes the Precondition fail with that error, without ticking the " +
			"child.\n\n" +
			"Without `if` the Precondition just runs its child. That is what a " +
			"@wayfarer-ai/btree file gets: btree's preconditions can only be added in code, not " +
			"in YAML, so its Precondition nodes in YAML files are pass-throughs, and they run " +
			"unchanged here. Halting the Precondition halts its child.",
		Props: []bt.PropSpec{
			{Name: "if", Type: bt.TypeAny,
				Description: "The condition, evaluated when the node starts: a template such as `\"{{ count > 3 }}\"` or a literal. Falsy: fail without running the child. Absent: always run the child."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &precondition{child: c.Children[0], cond: c.Props.Get("if")}, nil
		},
	})
}

type precondition struct {
	child *bt.Node
	cond  *bt.Prop

	checked bool // the condition held when the node started; the child runs
}

var (
	_ bt.Behavior  = (*precondition)(nil)
	_ bt.Resetter  = (*precondition)(nil)
	_ bt.Resumable = (*precondition)(nil)
)

func (d *precondition) Tick(t *bt.Tick) bt.Status {
	if !d.checked && d.cond != nil {
		v, err := d.cond.Any(t)
		if err != nil {
			return t.Fail(err)
		}
		if !value.Truthy(v) {
			return t.Failf("precondition %s is false (value: %s)", shortText(d.cond.Raw), shortText(v))
		}
	}
	d.checked = true
	st := t.Child(d.child)
	if st != bt.Running {
		d.checked = false
	}
	return st
}

func (d *precondition) Halt(t *bt.Tick) {
	t.Halt(d.child)
	d.checked = false
}

// shortText formats v for an error message, quoting strings and cutting
// long values.
func shortText(v any) string {
	s := value.Text(v)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	if _, ok := v.(string); ok {
		s = strconv.Quote(s)
	}
	return s
}

// Reset makes the next start evaluate the condition again.
func (d *precondition) Reset() { d.checked = false }

// Position saves whether the condition held and the child runs.
func (d *precondition) Position() (any, bool) {
	if !d.checked {
		return nil, true
	}
	return true, true
}

// Resume takes back what Position saved.
func (d *precondition) Resume(pos any) error {
	d.checked = pos == true
	return nil
}
