// ForEach: runs its body once for every item of a blackboard array.

package composite

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "ForEach", Kind: bt.Composite, Category: "composite",
		Children: bt.Children{Min: 1, Max: 1, Names: []string{"body"}},
		Summary:  "Runs its child once for every item of an array on the blackboard.",
		Description: "When it starts, the ForEach reads the array stored on the blackboard under " +
			"`collectionKey`. For each item in order, it stores the item under `itemKey` (and the " +
			"item's 0-based position, an integer, under `indexKey` when given) in the current " +
			"blackboard scope, then ticks the child (the body) until it finishes. The ForEach " +
			"succeeds once the body succeeded for every item; an empty array succeeds at once " +
			"without ticking the body. The first FAILURE of the body makes the ForEach fail, and the " +
			"remaining items are skipped.\n\n" +
			"A body that returns RUNNING makes the ForEach return RUNNING; the next tick resumes " +
			"with the same item. The ForEach fails with an error when `collectionKey` is not on the " +
			"blackboard or holds something other than an array. The item and index stay on the " +
			"blackboard after the loop, holding the last item.\n\n" +
			"The array is read once, when the ForEach starts: changes to it while the loop runs do " +
			"not affect the loop (@wayfarer-ai/btree re-reads it on every tick). The ForEach takes " +
			"exactly one child (@wayfarer-ai/btree accepts more and ignores all but the first).",
		Props: []bt.PropSpec{
			{Name: "collectionKey", Type: bt.TypeKey, Required: true,
				Description: "Blackboard name of the array to iterate over."},
			{Name: "itemKey", Type: bt.TypeKey, Required: true,
				Description: "Blackboard name under which each item is stored before the body runs."},
			{Name: "indexKey", Type: bt.TypeKey,
				Description: "Blackboard name under which each item's 0-based index is stored (optional)."},
		},
		New: newForEach,
	})
}

func newForEach(c *bt.Config) (bt.Behavior, error) {
	for _, name := range []string{"collectionKey", "itemKey", "indexKey"} {
		if p := c.Props.Get(name); p != nil {
			if v, ok := p.Value.Literal(); ok && v == "" {
				return nil, fmt.Errorf("prop %s: a blackboard name must not be empty", name)
			}
		}
	}
	return &forEach{body: c.Children[0], collectionKey: c.Props.Get("collectionKey"),
		itemKey: c.Props.Get("itemKey"), indexKey: c.Props.Get("indexKey")}, nil
}

type forEach struct {
	body                             *bt.Node
	collectionKey, itemKey, indexKey *bt.Prop

	// While running:
	active      bool
	items       []any
	item, index string // blackboard names; index "" when not wanted
	current     int
}

var (
	_ bt.Behavior = (*forEach)(nil)
	_ bt.Resetter = (*forEach)(nil)
)

func (f *forEach) Tick(t *bt.Tick) bt.Status {
	if !f.active {
		if err := f.start(t); err != nil {
			return t.Fail(err)
		}
	}
	for f.current < len(f.items) {
		t.BB.Set(f.item, f.items[f.current])
		if f.index != "" {
			t.BB.Set(f.index, int64(f.current))
		}
		switch t.Child(f.body) {
		case bt.Running:
			return bt.Running
		case bt.Failure:
			f.reset()
			return bt.Failure
		}
		f.current++
	}
	f.reset()
	return bt.Success
}

// start resolves the props and reads the collection.
func (f *forEach) start(t *bt.Tick) error {
	coll, err := f.collectionKey.String(t, "")
	if err != nil {
		return err
	}
	item, err := f.itemKey.String(t, "")
	if err != nil {
		return err
	}
	index, err := f.indexKey.String(t, "")
	if err != nil {
		return err
	}
	if coll == "" || item == "" {
		return fmt.Errorf("collectionKey and itemKey must not be empty")
	}
	v, ok := t.BB.Lookup(coll)
	if !ok {
		return fmt.Errorf("collection %q is not on the blackboard", coll)
	}
	items, ok := v.([]any)
	if !ok {
		return fmt.Errorf("collection %q: expected an array, found %s", coll, value.TypeName(v))
	}
	f.active, f.items, f.item, f.index, f.current = true, items, item, index, 0
	return nil
}

func (f *forEach) reset() {
	f.active, f.items, f.current = false, nil, 0
}

func (f *forEach) Halt(t *bt.Tick) {
	t.Halt(f.body)
	f.reset()
}

// Reset forgets the items and the names of the last run.
func (f *forEach) Reset() {
	f.reset()
	f.item, f.index = "", ""
}
