// Test helpers: small node types registered in a cloned registry, whose
// statuses and timing the tests control, a probe recording what they did,
// and the table-row runner the tests share.

package decorator_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/workflow"
)

// probe records the ticks and halts of the test nodes of one registry.
type probe struct {
	mu    sync.Mutex
	ticks map[string]int
	halts map[string]int
}

func (p *probe) add(m map[string]int, id string) {
	p.mu.Lock()
	m[id]++
	p.mu.Unlock()
}

// Ticks returns how many times test node id was ticked.
func (p *probe) Ticks(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ticks[id]
}

// Halts returns how many times test node id was halted.
func (p *probe) Halts(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.halts[id]
}

// newRegistry returns the built-in registry plus these test node types, all
// reporting to the returned probe:
//
//   - TestSteps{steps: "F,R,H,S"}: returns its steps in order, one per tick
//     of the run, the last one repeating: S(uccess), R(unning), F(ailure:
//     "step k failed"), or H: RUNNING on every tick until the node is halted,
//     after which the steps go on with the next one.
//   - TestBlock: blocks inside Tick until its context ends, then fails with
//     the context's error.
//   - TestCount{failAt}: adds 1 to the blackboard's "count" and succeeds, or
//     fails with "count reached N" once count reaches failAt.
//   - TestOnce (decorator): ticks its child exactly once and fails if the
//     child is still RUNNING, to show that it finished within one tick.
func newRegistry(t testing.TB) (*bt.Registry, *probe) {
	t.Helper()
	p := &probe{ticks: map[string]int{}, halts: map[string]int{}}
	reg := builtin.Registry()
	leaf := bt.Children{}
	specs := []*bt.Spec{
		{Name: "TestSteps", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			Props: []bt.PropSpec{{Name: "steps", Type: bt.TypeString, Required: true}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				s, _ := c.Props.Get("steps").Value.Literal()
				n := &stepsNode{p: p, id: c.ID}
				for _, f := range strings.Split(s.(string), ",") {
					st, ok := map[string]bt.Status{"S": bt.Success, "F": bt.Failure, "R": bt.Running, "H": untilHalt}[strings.TrimSpace(f)]
					if !ok {
						return nil, fmt.Errorf("bad step %q", f)
					}
					n.steps = append(n.steps, st)
				}
				return n, nil
			}},
		{Name: "TestBlock", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			New: func(c *bt.Config) (bt.Behavior, error) { return &blockNode{p: p, id: c.ID}, nil }},
		{Name: "TestCount", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			Props: []bt.PropSpec{{Name: "failAt", Type: bt.TypeInteger}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				n := &countNode{p: p, id: c.ID}
				if f := c.Props.Get("failAt"); f != nil {
					v, _ := f.Value.Literal()
					n.failAt = v.(int64)
				}
				return n, nil
			}},
		{Name: "TestOnce", Kind: bt.Decorator, Category: "test", Children: bt.Children{Min: 1, Max: 1}, Summary: "test",
			New: func(c *bt.Config) (bt.Behavior, error) { return &onceNode{child: c.Children[0]}, nil }},
	}
	for _, s := range specs {
		if err := reg.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	return reg, p
}

// untilHalt is the H step of TestSteps.
const untilHalt = bt.Status(100)

type stepsNode struct {
	p     *probe
	id    string
	steps []bt.Status
	n     int
}

func (s *stepsNode) Tick(t *bt.Tick) bt.Status {
	s.p.add(s.p.ticks, s.id)
	st := s.steps[min(s.n, len(s.steps)-1)]
	if st == untilHalt {
		return bt.Running
	}
	s.n++
	if st == bt.Failure {
		return t.Failf("step %d failed", s.n)
	}
	return st
}

func (s *stepsNode) Halt(*bt.Tick) {
	s.p.add(s.p.halts, s.id)
	if s.steps[min(s.n, len(s.steps)-1)] == untilHalt {
		s.n++
	}
}

type blockNode struct {
	p  *probe
	id string
}

func (b *blockNode) Tick(t *bt.Tick) bt.Status {
	b.p.add(b.p.ticks, b.id)
	<-t.Ctx.Done()
	return t.Fail(t.Ctx.Err())
}

func (b *blockNode) Halt(*bt.Tick) { b.p.add(b.p.halts, b.id) }

type countNode struct {
	p      *probe
	id     string
	failAt int64
}

func (c *countNode) Tick(t *bt.Tick) bt.Status {
	c.p.add(c.p.ticks, c.id)
	v, _ := t.BB.Lookup("count")
	n, _ := v.(int64)
	n++
	t.BB.Set("count", n)
	if c.failAt > 0 && n >= c.failAt {
		return t.Failf("count reached %d", n)
	}
	return bt.Success
}

func (c *countNode) Halt(*bt.Tick) { c.p.add(c.p.halts, c.id) }

type onceNode struct{ child *bt.Node }

func (o *onceNode) Tick(t *bt.Tick) bt.Status {
	st := t.Child(o.child)
	if st == bt.Running {
		t.Halt(o.child)
		return t.Failf("%s still RUNNING after one tick", o.child.ID)
	}
	return st
}

func (o *onceNode) Halt(t *bt.Tick) { t.Halt(o.child) }

// buildErr loads and instantiates src, and returns the first error.
func buildErr(reg *bt.Registry, src string) error {
	wf, err := workflow.Load("test.yaml", []byte(src), workflow.Options{Registry: reg})
	if err != nil {
		return err
	}
	_, err = wf.Root.Instantiate(wf.ID, nil)
	return err
}

// runCase is a table row most tests share: a tree, its inputs, and what
// the run must end with.
type runCase struct {
	name     string
	src      string
	inputs   map[string]any
	want     bt.Status
	finishes []string       // node_finished events in order, if not nil
	errHas   string         // a substring of the run's error, if not empty
	errNode  string         // the node the run's error must name, if not empty
	bb       map[string]any // blackboard values the run must end with
	absent   []string       // blackboard names the run must not end with
	counts   map[string]int // "id:status" -> how many times it finished so
	ticks    map[string]int // test node id -> how many times it was ticked
	logs     map[string][]string
}

func (c runCase) run(t *testing.T) (*bt.Result, []event.Event, *probe) {
	t.Helper()
	reg, p := newRegistry(t)
	res, ev := bttest.Run(t, reg, c.src, c.inputs)
	if res.Status != c.want {
		t.Fatalf("status = %v, want %v (err %v); finishes %v", res.Status, c.want, res.Err, bttest.Finishes(ev))
	}
	if c.finishes != nil {
		if got := bttest.Finishes(ev); !slices.Equal(got, c.finishes) {
			t.Errorf("finishes = %v\n                 want %v", got, c.finishes)
		}
	}
	if c.errHas != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), c.errHas)) {
		t.Errorf("err = %v, want it to contain %q", res.Err, c.errHas)
	}
	if c.errNode != "" {
		if ne, ok := res.Err.(*bt.NodeError); !ok || ne.Node.ID != c.errNode {
			t.Errorf("err = %v, want it to name node %q", res.Err, c.errNode)
		}
	}
	if c.want == bt.Success && res.Err != nil {
		t.Errorf("err = %v on success", res.Err)
	}
	for k, want := range c.bb {
		got, ok := res.Blackboard[k]
		if !ok || fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("blackboard[%q] = %#v (present %v), want %#v", k, got, ok, want)
		}
	}
	for _, k := range c.absent {
		if v, ok := res.Blackboard[k]; ok {
			t.Errorf("blackboard[%q] = %#v, want absent", k, v)
		}
	}
	for k, want := range c.counts {
		id, st, _ := strings.Cut(k, ":")
		if got := bttest.Count(ev, id, st); got != want {
			t.Errorf("%s finished %s %d times, want %d", id, st, got, want)
		}
	}
	for id, want := range c.ticks {
		if got := p.Ticks(id); got != want {
			t.Errorf("%s ticked %d times, want %d", id, got, want)
		}
	}
	for id, want := range c.logs {
		if got := bttest.Logs(ev, id); !slices.Equal(got, want) {
			t.Errorf("logs of %s = %q, want %q", id, got, want)
		}
	}
	return res, ev, p
}

// runCases runs each case as a subtest.
func runCases(t *testing.T, cases []runCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t) })
	}
}

// loadErrCase is a tree that must not load (or instantiate), with a
// substring of the error.
type loadErrCase struct {
	name, src, errHas string
}

func runLoadErrCases(t *testing.T, cases []loadErrCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg, _ := newRegistry(t)
			err := buildErr(reg, c.src)
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("err = %v, want it to contain %q", err, c.errHas)
			}
		})
	}
}

// starts returns the times node id started, in order.
func starts(events []event.Event, id string) []time.Time {
	var out []time.Time
	for _, e := range events {
		if e.Kind == event.NodeStarted && e.Node == id {
			out = append(out, e.Time)
		}
	}
	return out
}

// finished returns the node_finished events of node id, in order.
func finished(events []event.Event, id string) []event.Event {
	var out []event.Event
	for _, e := range events {
		if e.Kind == event.NodeFinished && e.Node == id {
			out = append(out, e)
		}
	}
	return out
}
