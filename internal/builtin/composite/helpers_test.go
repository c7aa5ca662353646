// Test helpers: small node types registered in a cloned registry, whose
// statuses and timing the tests control, and a probe that records what they
// did.

package composite_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
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

// probe records the ticks and sleeps of the test nodes of one registry.
type probe struct {
	mu     sync.Mutex
	ticks  map[string]int
	sleeps map[string][]sleep
}

// sleep is one activation of a TestSleep node.
type sleep struct {
	start, end time.Time
	cancelled  bool // its context ended before the duration elapsed
}

func (p *probe) tick(id string) {
	p.mu.Lock()
	p.ticks[id]++
	p.mu.Unlock()
}

// Ticks returns how many times node id was ticked.
func (p *probe) Ticks(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ticks[id]
}

// Sleeps returns the finished activations of TestSleep node id.
func (p *probe) Sleeps(id string) []sleep {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sleeps[id])
}

func (p *probe) slept(id string, s sleep) {
	p.mu.Lock()
	p.sleeps[id] = append(p.sleeps[id], s)
	p.mu.Unlock()
}

// newRegistry returns the built-in registry plus the test node types, all
// reporting to the returned probe:
//
//   - TestSteps{steps: "S,R,F"}: returns S(uccess), R(unning) or F(ailure)
//     on its successive ticks over the whole run, the last one repeating.
//   - TestSleep{ms: "5000,50", block}: sleeps the k-th duration on its k-th
//     activation (the last repeating), on an Async goroutine or, with
//     block, inside Tick; returns SUCCESS, or FAILURE when cancelled.
//   - TestWrite{key, value}: stores value under key.
//   - TestAppend{key, value}: stores under key the array found there (or
//     an empty one) with value appended.
//   - TestHaltOnce{atTick} (decorator): on its atTick-th tick halts its
//     running child, then ticks it afresh; otherwise passes it through.
//   - TestRetry{attempts} (decorator): re-runs a failed child on the next
//     tick until it has failed attempts times.
func newRegistry(t testing.TB) (*bt.Registry, *probe) {
	t.Helper()
	p := &probe{ticks: map[string]int{}, sleeps: map[string][]sleep{}}
	reg := builtin.Registry()
	leaf := bt.Children{}
	one := bt.Children{Min: 1, Max: 1}
	specs := []*bt.Spec{
		{Name: "TestSteps", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			Props: []bt.PropSpec{{Name: "steps", Type: bt.TypeString, Required: true}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				s, _ := c.Props.Get("steps").Value.Literal()
				n := &stepsNode{p: p, id: c.ID}
				for _, f := range strings.Split(s.(string), ",") {
					st, ok := map[string]bt.Status{"S": bt.Success, "F": bt.Failure, "R": bt.Running}[strings.TrimSpace(f)]
					if !ok {
						return nil, fmt.Errorf("bad step %q", f)
					}
					n.steps = append(n.steps, st)
				}
				return n, nil
			}},
		{Name: "TestSleep", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			Props: []bt.PropSpec{{Name: "ms", Type: bt.TypeString, Required: true}, {Name: "block", Type: bt.TypeBoolean}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				s, _ := c.Props.Get("ms").Value.Literal()
				n := &sleepNode{p: p, id: c.ID}
				if b := c.Props.Get("block"); b != nil {
					v, _ := b.Value.Literal()
					n.block = v.(bool)
				}
				for _, f := range strings.Split(s.(string), ",") {
					ms, err := strconv.Atoi(strings.TrimSpace(f))
					if err != nil {
						return nil, err
					}
					n.durs = append(n.durs, time.Duration(ms)*time.Millisecond)
				}
				return n, nil
			}},
		{Name: "TestWrite", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			Props: []bt.PropSpec{{Name: "key", Type: bt.TypeKey, Required: true}, {Name: "value", Type: bt.TypeAny, Required: true}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				return &writeNode{key: c.Props.Get("key"), value: c.Props.Get("value")}, nil
			}},
		{Name: "TestAppend", Kind: bt.Leaf, Category: "test", Children: leaf, Summary: "test",
			Props: []bt.PropSpec{{Name: "key", Type: bt.TypeKey, Required: true}, {Name: "value", Type: bt.TypeAny, Required: true}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				return &writeNode{key: c.Props.Get("key"), value: c.Props.Get("value"), appends: true}, nil
			}},
		{Name: "TestHaltOnce", Kind: bt.Decorator, Category: "test", Children: one, Summary: "test",
			Props: []bt.PropSpec{{Name: "atTick", Type: bt.TypeInteger, Required: true}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				v, _ := c.Props.Get("atTick").Value.Literal()
				return &haltOnce{child: c.Children[0], at: int(v.(int64))}, nil
			}},
		{Name: "TestRetry", Kind: bt.Decorator, Category: "test", Children: one, Summary: "test",
			Props: []bt.PropSpec{{Name: "attempts", Type: bt.TypeInteger, Required: true}},
			New: func(c *bt.Config) (bt.Behavior, error) {
				v, _ := c.Props.Get("attempts").Value.Literal()
				return &retry{child: c.Children[0], attempts: int(v.(int64))}, nil
			}},
	}
	for _, s := range specs {
		if err := reg.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	return reg, p
}

type stepsNode struct {
	p     *probe
	id    string
	steps []bt.Status
	n     int
}

func (s *stepsNode) Tick(*bt.Tick) bt.Status {
	s.p.tick(s.id)
	st := s.steps[min(s.n, len(s.steps)-1)]
	s.n++
	return st
}

func (s *stepsNode) Halt(*bt.Tick) {}

type sleepNode struct {
	p     *probe
	id    string
	durs  []time.Duration
	block bool
	k     int
	work  bt.Async
}

// sleep waits d or until ctx ends, and records the interval.
func (s *sleepNode) sleep(ctx context.Context, d time.Duration) (bt.Status, error) {
	rec := sleep{start: time.Now()}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		rec.cancelled = true
	}
	rec.end = time.Now()
	s.p.slept(s.id, rec)
	if rec.cancelled {
		return bt.Failure, ctx.Err()
	}
	return bt.Success, nil
}

func (s *sleepNode) Tick(t *bt.Tick) bt.Status {
	s.p.tick(s.id)
	if !s.work.Started() {
		d := s.durs[min(s.k, len(s.durs)-1)]
		s.k++
		if s.block {
			st, err := s.sleep(t.Ctx, d)
			if err != nil {
				return t.Fail(err)
			}
			return st
		}
		s.work.Start(t, func(ctx context.Context) (bt.Status, error) { return s.sleep(ctx, d) })
	}
	return s.work.Poll(t)
}

func (s *sleepNode) Halt(*bt.Tick) { s.work.Stop() }

type writeNode struct {
	key, value *bt.Prop
	appends    bool
}

func (w *writeNode) Tick(t *bt.Tick) bt.Status {
	key, err := w.key.String(t, "")
	if err != nil {
		return t.Fail(err)
	}
	v, err := w.value.Any(t)
	if err != nil {
		return t.Fail(err)
	}
	if w.appends {
		old, _ := t.BB.Lookup(key)
		list, _ := old.([]any)
		v = append(slices.Clone(list), v)
	}
	t.BB.Set(key, v)
	return bt.Success
}

func (w *writeNode) Halt(*bt.Tick) {}

type haltOnce struct {
	child  *bt.Node
	at     int
	ticks  int
	halted bool
}

func (h *haltOnce) Tick(t *bt.Tick) bt.Status {
	h.ticks++
	if h.ticks == h.at && !h.halted {
		h.halted = true
		t.Halt(h.child)
	}
	return t.Child(h.child)
}

func (h *haltOnce) Halt(t *bt.Tick) { t.Halt(h.child) }

type retry struct {
	child    *bt.Node
	attempts int
	failed   int
}

func (r *retry) Tick(t *bt.Tick) bt.Status {
	st := t.Child(r.child)
	if st == bt.Failure {
		r.failed++
		if r.failed < r.attempts {
			return bt.Running
		}
	}
	if st != bt.Running {
		r.failed = 0
	}
	return st
}

func (r *retry) Halt(t *bt.Tick) {
	t.Halt(r.child)
	r.failed = 0
}

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
	bb       map[string]any // blackboard values the run must end with
	absent   []string       // blackboard names the run must not end with
	counts   map[string]int // "id:status" -> how many times it finished so
	ticks    map[string]int // test node id -> how many times it was ticked
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
	if c.want == bt.Success && res.Err != nil {
		t.Errorf("err = %v on success", res.Err)
	}
	for k, want := range c.bb {
		got, ok := res.Blackboard[k]
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("blackboard[%q] = %#v (%T, present %v), want %#v (%T)", k, got, got, ok, want, want)
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
