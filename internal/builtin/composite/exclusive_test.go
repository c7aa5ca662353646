// Which ticks are exclusive (bt.Tick.Exclusive): where a leaf may do its
// work on the goroutine that ticks it.

package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
)

type exclusiveProbe struct{ id string }

func (e *exclusiveProbe) Tick(t *bt.Tick) bt.Status {
	t.BB.Set(e.id, t.Exclusive())
	return bt.Success
}

func (e *exclusiveProbe) Halt(*bt.Tick) {}

func TestExclusive(t *testing.T) {
	reg := builtin.Registry()
	reg.MustRegister(&bt.Spec{Name: "TestExclusive", Kind: bt.Leaf, Category: "test", Children: bt.Children{}, Summary: "test",
		New: func(c *bt.Config) (bt.Behavior, error) { return &exclusiveProbe{id: c.ID}, nil }})
	res, _ := bttest.Run(t, reg, `
type: Sequence
children:
  - {type: TestExclusive, id: top}
  - type: ReactiveSequence
    children:
      - {type: TestExclusive, id: reactive}
      - type: Timeout
        props: {timeoutMs: 1000}
        children: [{type: TestExclusive, id: underReactive}]
      - type: Parallel
        children: [{type: TestExclusive, id: branch}]
  - {type: TestExclusive, id: after}
  - type: Timeout
    props: {timeoutMs: 1000}
    children: [{type: TestExclusive, id: underTimeout}]
`, nil)
	if res.Status != bt.Success {
		t.Fatal(res.Err)
	}
	want := map[string]bool{
		"top": true, "reactive": false, "underReactive": false,
		"branch": true, // a Parallel branch has a goroutine of its own
		"after":  true, "underTimeout": true,
	}
	for id, w := range want {
		if got := res.Blackboard[id]; got != w {
			t.Errorf("%s: Exclusive() = %v, want %v", id, got, w)
		}
	}
}
