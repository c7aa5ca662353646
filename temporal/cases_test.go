// The workflow cases that run both embedded and on Temporal: composites,
// decorators, templates, scripts and a custom node, each ending in a known
// status so that a case that broke embedded is not compared blindly.

package temporal

type wfCase struct {
	name   string
	yaml   string
	inputs map[string]any
	status string // the embedded run's expected status
}

var cases = []wfCase{
	{name: "set-variable", status: "success", yaml: `
type: SetVariable
props: {key: greeting, value: "hello {{ who }}"}`, inputs: map[string]any{"who": "world"}},
	{name: "sequence", status: "success", yaml: `
type: Sequence
children:
  - {type: SetVariable, props: {key: a, value: 1}}
  - {type: SetVariable, props: {key: b, value: "{{ a + 1 }}"}}
  - {type: SetVariable, props: {key: f, value: 1.5}}`},
	{name: "sequence-fails", status: "failure", yaml: `
type: Sequence
id: seq
children:
  - {type: SetVariable, props: {key: a, value: 1}}
  - {type: CheckCondition, id: check, props: {key: a, operator: ">", value: 5}}
  - {type: SetVariable, props: {key: never, value: true}}`},
	{name: "selector", status: "success", yaml: `
type: Selector
children:
  - {type: FailureNode}
  - {type: SetVariable, props: {key: chosen, value: second}}
  - {type: SetVariable, props: {key: never, value: true}}`},
	{name: "selector-all-fail", status: "failure", yaml: `
type: Selector
children: [{type: FailureNode}, {type: AlwaysCondition, props: {returnStatus: FAILURE}}]`},
	{name: "memory-sequence", status: "failure", yaml: `
type: Retry
props: {maxAttempts: 3}
children:
  - type: MemorySequence
    children:
      - {type: CounterAction, props: {counterKey: first}}
      - {type: CounterAction, props: {counterKey: second}}
      - {type: CheckCondition, props: {key: second, operator: ">=", value: 2}}`},
	{name: "reactive-sequence", status: "success", yaml: `
type: ReactiveSequence
children:
  - {type: AlwaysCondition}
  - {type: MockAction, props: {ticksBeforeComplete: 3}}
  - {type: SetVariable, props: {key: done, value: true}}`},
	{name: "parallel-strict", status: "success", yaml: `
type: Parallel
children:
  - {type: SetVariable, props: {key: x, value: 1}}
  - {type: WaitAction, props: {waitMs: 50}}
  - {type: bench.reverse/reverse, props: {s: "abc", outputs: {s: reversed}}}`},
	{name: "parallel-any", status: "success", yaml: `
type: Parallel
props: {strategy: any}
children:
  - {type: FailureNode}
  - {type: WaitAction, props: {waitMs: 30}}`},
	{name: "parallel-threshold-fails", status: "failure", yaml: `
type: Parallel
props: {successThreshold: 2}
children:
  - {type: FailureNode}
  - {type: FailureNode}
  - {type: WaitAction, props: {waitMs: 5000}}`},
	{name: "conditional-then", status: "success", yaml: `
type: Conditional
children:
  - {type: CheckCondition, props: {key: n, operator: ">", value: 3}}
  - {type: SetVariable, props: {key: branch, value: then}}
  - {type: SetVariable, props: {key: branch, value: else}}`, inputs: map[string]any{"n": 5}},
	{name: "conditional-else", status: "success", yaml: `
type: Conditional
children:
  - {type: CheckCondition, props: {key: n, operator: ">", value: 3}}
  - {type: SetVariable, props: {key: branch, value: then}}
  - {type: SetVariable, props: {key: branch, value: else}}`, inputs: map[string]any{"n": 1}},
	{name: "while", status: "success", yaml: `
type: While
children:
  - {type: CheckCondition, props: {key: i, operator: "<", value: 5}}
  - {type: CounterAction, props: {counterKey: i}}`, inputs: map[string]any{"i": 0}},
	{name: "for-each", status: "success", yaml: `
type: ForEach
props: {collectionKey: items, itemKey: item, indexKey: idx}
children:
  - {type: Script, props: {textContent: "total = (total ?? 0) + item"}}`, inputs: map[string]any{"items": []any{1, 2, 3, 4}}},
	{name: "recovery", status: "success", yaml: `
type: Recovery
children:
  - {type: FailureNode}
  - {type: SetVariable, props: {key: recovered, value: true}}
  - {type: SetVariable, props: {key: cleaned, value: true}}`},
	{name: "sub-tree-scope", status: "success", yaml: `
type: Sequence
children:
  - type: SubTree
    props: {outputs: {inner: fromInner}}
    children:
      - type: Sequence
        children:
          - {type: SetVariable, props: {key: inner, value: 42}}
          - {type: SetVariable, props: {key: hidden, value: 1}}
  - {type: SetVariable, props: {key: after, value: "{{ fromInner }}"}}`},
	{name: "sub-tree-tree-id", status: "success", yaml: `
type: Sequence
id: main
children:
  - {type: SubTree, props: {treeId: helper, outputs: {checked: checked}}}
---
type: Sequence
id: helper
children:
  - {type: SetVariable, props: {key: checked, value: true}}`},
	{name: "invert", status: "success", yaml: `
type: Invert
children: [{type: FailureNode}]`},
	{name: "force-success", status: "success", yaml: `
type: ForceSuccess
children: [{type: FailureNode}]`},
	{name: "force-failure", status: "failure", yaml: `
type: ForceFailure
children: [{type: SuccessNode}]`},
	{name: "repeat", status: "success", yaml: `
type: Repeat
props: {numCycles: 25}
children: [{type: CounterAction, props: {counterKey: n}}]`},
	{name: "repeat-fails", status: "failure", yaml: `
type: Repeat
props: {numCycles: 5}
children:
  - type: Sequence
    children:
      - {type: CounterAction, props: {counterKey: n}}
      - {type: CheckCondition, props: {key: n, operator: "<", value: 3}}`},
	{name: "keep-running-until-failure", status: "success", yaml: `
type: KeepRunningUntilFailure
children:
  - type: Sequence
    children:
      - {type: CounterAction, props: {counterKey: n}}
      - {type: CheckCondition, props: {key: n, operator: "<", value: 4}}`},
	{name: "retry-then-success", status: "success", yaml: `
type: Retry
props: {maxAttempts: 4, delayMs: 20, backoff: 2}
children:
  - type: Sequence
    children:
      - {type: CounterAction, props: {counterKey: tries}}
      - {type: CheckCondition, props: {key: tries, operator: ">=", value: 3}}`},
	{name: "retry-gives-up", status: "failure", yaml: `
type: Retry
props: {maxAttempts: 2, delayMs: 10}
children: [{type: FailureNode, id: always-fails}]`},
	{name: "timeout-expires", status: "failure", yaml: `
type: Timeout
id: limit
props: {timeoutMs: 100}
children: [{type: RunningNode}]`},
	{name: "timeout-in-time", status: "success", yaml: `
type: Timeout
props: {timeoutMs: 5000}
children: [{type: WaitAction, props: {waitMs: 20}}]`},
	{name: "timeout-halts-activity", status: "failure", yaml: `
type: Timeout
id: limit
props: {timeoutMs: 300}
children:
  - type: JavaScriptInterpreter
    props: {script: "while (true) {}", timeout: 20s}`},
	{name: "delay", status: "success", yaml: `
type: Delay
props: {delayMs: 50}
children: [{type: SetVariable, props: {key: late, value: true}}]`},
	{name: "precondition-skips", status: "failure", yaml: `
type: Precondition
props: {if: "{{ ready }}"}
children: [{type: SetVariable, props: {key: ran, value: true}}]`, inputs: map[string]any{"ready": false}},
	{name: "precondition-runs", status: "success", yaml: `
type: Precondition
props: {if: "{{ ready }}"}
children: [{type: SetVariable, props: {key: ran, value: true}}]`, inputs: map[string]any{"ready": true}},
	{name: "soft-assert", status: "success", yaml: `
type: SoftAssert
children: [{type: CheckCondition, props: {key: x, operator: "==", value: 1}}]`, inputs: map[string]any{"x": 2}},
	{name: "run-once", status: "success", yaml: `
type: Repeat
props: {numCycles: 3}
children:
  - type: RunOnce
    children: [{type: CounterAction, props: {counterKey: once}}]`},
	{name: "mock-action", status: "failure", yaml: `
type: MockAction
props: {ticksBeforeComplete: 4, returnStatus: FAILURE}`},
	{name: "regex-extract", status: "success", yaml: `
type: RegexExtract
props: {input: text, pattern: "[0-9]+", outputKey: numbers}`, inputs: map[string]any{"text": "a1 b22 c333"}},
	{name: "script-types", status: "success", yaml: `
type: Script
props:
  textContent: |
    i = 7
    f = 2.0
    s = "x" + "y"
    arr = [1, 2.5, "three", null, true]
    obj = {"a": {"b": [1]}}`},
	{name: "templates", status: "success", yaml: `
type: Sequence
children:
  - {type: SetVariable, props: {key: order, value: {id: 7, items: [1, 2]}}}
  - {type: SetVariable, props: {key: label, value: "Order {{ order.id }} has {{ len(order.items) }} items"}}
  - {type: SetVariable, props: {key: twice, value: "{{ order.id * 2 }}"}}`},
	{name: "log-message", status: "success", yaml: `
type: Sequence
children:
  - {type: SetVariable, props: {key: n, value: 3}}
  - {type: LogMessage, props: {message: "n is {{ n }}", level: warn}}
  - {type: PrintAction, props: {message: "printed", outputKey: printed}}`},
	{name: "javascript", status: "success", yaml: `
type: JavaScriptInterpreter
props:
  outputKey: js
  script: "result = {sum: a + b, list: [a, b], half: a / 2}"`, inputs: map[string]any{"a": 3, "b": 4}},
	{name: "javascript-fails", status: "failure", yaml: `
type: JavaScriptInterpreter
id: thrower
props: {script: "throw new Error('no luck')"}`},
	{name: "python", status: "success", yaml: `
type: PythonInterpreter
props:
  outputKey: py
  script: |
    result = {"sum": a + b, "bytes": len(name), "float": a / 2}`, inputs: map[string]any{"a": 3, "b": 4, "name": "weft"}},
	{name: "python-fails", status: "failure", yaml: `
type: PythonInterpreter
id: py-raise
props: {script: "raise ValueError('bad value')"}`},
	{name: "custom-node", status: "success", yaml: `
type: Sequence
children:
  - {type: bench.reverse/reverse, id: rev, props: {s: "{{ word }}", outputs: {s: reversed}}}
  - {type: SetVariable, props: {key: again, value: "{{ reversed }}!"}}`, inputs: map[string]any{"word": "durable"}},
	{name: "custom-node-bad-input", status: "failure", yaml: `
type: bench.reverse/reverse
id: rev
props: {s: "{{ n }}"}`, inputs: map[string]any{"n": 5}},
	{name: "parallel-activities", status: "success", yaml: `
type: Parallel
children:
  - {type: bench.reverse/reverse, props: {s: one, outputs: {s: a}}}
  - {type: bench.reverse/reverse, props: {s: two, outputs: {s: b}}}
  - {type: JavaScriptInterpreter, props: {outputKey: c, script: "result = 3"}}`},
	{name: "inputs-kinds", status: "success", yaml: `
type: SetVariable
props: {key: copy, value: "{{ data }}"}`, inputs: map[string]any{"data": map[string]any{"i": 1, "f": 1.0, "s": "s", "l": []any{true, nil}}}},
}
