package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestForEach(t *testing.T) {
	abc := map[string]any{"items": []any{"a", "b", "c"}}
	runCases(t, []runCase{
		{name: "body runs for each item with item and index", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item, indexKey: i}
children:
  - {type: TestAppend, id: body, props: {key: seen, value: "{{ item }}-{{ i }}"}}
`, inputs: abc, want: bt.Success,
			bb:       map[string]any{"seen": []any{"a-0", "b-1", "c-2"}, "item": "c", "i": int64(2)},
			finishes: []string{"body:success", "body:success", "body:success", "f:success"}},
		{name: "without indexKey", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - {type: TestAppend, id: body, props: {key: seen, value: "{{ item }}"}}
`, inputs: abc, want: bt.Success, bb: map[string]any{"seen": []any{"a", "b", "c"}}, absent: []string{"i"}},
		{name: "empty collection succeeds without ticking the body", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - {type: SuccessNode, id: body}
`, inputs: map[string]any{"items": []any{}}, want: bt.Success, finishes: []string{"f:success"}, absent: []string{"item"}},
		{name: "missing collection fails naming the key", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - {type: SuccessNode, id: body}
`, want: bt.Failure, finishes: []string{"f:failure"},
			errHas: `node "f" (ForEach) failed: collection "items" is not on the blackboard`},
		{name: "collection that is not an array fails naming the type", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - {type: SuccessNode, id: body}
`, inputs: map[string]any{"items": map[string]any{"a": int64(1)}}, want: bt.Failure,
			errHas: `collection "items": expected an array, found object`},
		{name: "null collection", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - {type: SuccessNode, id: body}
`, inputs: map[string]any{"items": nil}, want: bt.Failure, errHas: `expected an array, found null`},
		{name: "body failure stops the loop", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - {type: TestSteps, id: body, props: {steps: "S,F,S"}}
`, inputs: abc, want: bt.Failure, finishes: []string{"body:success", "body:failure", "f:failure"},
			bb: map[string]any{"item": "b"}},
		{name: "running body resumes at the same item", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item, indexKey: i}
children:
  - type: Sequence
    id: body
    children:
      - {type: TestSteps, id: wait, props: {steps: "R,S,R,S,R,S"}}
      - {type: TestAppend, id: add, props: {key: seen, value: "{{ item }}-{{ i }}"}}
`, inputs: abc, want: bt.Success, bb: map[string]any{"seen": []any{"a-0", "b-1", "c-2"}},
			ticks: map[string]int{"wait": 6}},
		{name: "collection is read once at the start", src: `
type: ForEach
id: f
props: {collectionKey: items, itemKey: item}
children:
  - type: Sequence
    children:
      - {type: TestAppend, props: {key: seen, value: "{{ item }}"}}
      - {type: TestWrite, props: {key: items, value: []}}
`, inputs: abc, want: bt.Success, bb: map[string]any{"seen": []any{"a", "b", "c"}}},
		{name: "templated keys", src: `
type: ForEach
id: f
props: {collectionKey: "{{ which }}", itemKey: item}
children:
  - {type: TestAppend, props: {key: seen, value: "{{ item }}"}}
`, inputs: map[string]any{"which": "items", "items": []any{int64(1), int64(2)}}, want: bt.Success,
			bb: map[string]any{"seen": []any{int64(1), int64(2)}}},
		{name: "halt restarts at the first item", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: ForEach
    id: f
    props: {collectionKey: items, itemKey: item, indexKey: i}
    children:
      - type: Sequence
        children:
          - {type: TestAppend, props: {key: seen, value: "{{ item }}-{{ i }}"}}
          - {type: TestSteps, id: wait, props: {steps: "S,R,S"}}
`, inputs: abc, want: bt.Success, bb: map[string]any{"seen": []any{"a-0", "b-1", "a-0", "b-1", "c-2"}},
			counts: map[string]int{"f:halted": 1, "f:success": 1}},
	})
	runLoadErrCases(t, []loadErrCase{
		{"two children", "type: ForEach\nprops: {collectionKey: a, itemKey: b}\nchildren: [{type: SuccessNode}, {type: SuccessNode}]\n",
			"ForEach takes exactly 1 child (body), found 2"},
		{"missing itemKey", "type: ForEach\nprops: {collectionKey: a}\nchildren: [{type: SuccessNode}]\n",
			`missing required prop "itemKey"`},
		{"empty key", "type: ForEach\nprops: {collectionKey: a, itemKey: \"\"}\nchildren: [{type: SuccessNode}]\n",
			"prop itemKey: a blackboard name must not be empty"},
	})
}
