// Parallel: runs every child at once, each on its own goroutine, and
// decides by success and failure thresholds.

package composite

import (
	"context"
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Parallel", Kind: bt.Composite, Category: "composite", Children: oneOrMore,
		Summary: "Runs all its children at the same time; succeeds or fails by thresholds.",
		Description: "Starts every child at once. Each child runs on its own, ticked until it " +
			"finishes, so the waits of the children overlap: two children that each wait one " +
			"second finish together after about one second. The children share the blackboard; " +
			"writes by one child are visible to the others as soon as they happen, and the order " +
			"between children is not defined.\n\n" +
			"The Parallel returns RUNNING until its result is decided, which happens as soon as " +
			"it can be, in the order the children finish:\n\n" +
			"- it succeeds when `successThreshold` children succeeded;\n" +
			"- it fails when `failureThreshold` children failed, or when so many failed that " +
			"`successThreshold` can no longer be reached.\n\n" +
			"`strategy` sets the default `successThreshold`: `strict` (the default) needs every " +
			"child to succeed, `any` needs one. `failureThreshold` defaults to the number of failures " +
			"that makes `successThreshold` unreachable, so by default `strict` fails at the first " +
			"failure and `any` fails when every child failed; with `successThreshold: 2` of three " +
			"children, the second failure fails it. Thresholds must be between 1 and the number of " +
			"children.\n\n" +
			"Once the result is decided, the children still running are halted (their work is " +
			"cancelled) and the Parallel waits for them to stop before it returns, so no child runs " +
			"after the Parallel finished. Halting the Parallel halts every running child the same way.\n\n" +
			"@wayfarer-ai/btree differs: it waits for every child to finish before it checks the " +
			"thresholds, and never halts a child. Here the result is decided as soon as a threshold " +
			"is reached, and the children still running are halted; when both thresholds could be " +
			"reached, the one reached first decides.",
		Props: []bt.PropSpec{
			{Name: "successThreshold", Type: bt.TypeInteger,
				Description: "How many children must succeed for the Parallel to succeed (1 to the number of children). Default: all of them with `strategy: strict`, 1 with `any`."},
			{Name: "failureThreshold", Type: bt.TypeInteger,
				Description: "How many children failing make the Parallel fail (1 to the number of children). Default: as many as make `successThreshold` unreachable."},
			{Name: "strategy", Type: bt.TypeString, Default: "strict", Enum: []string{"strict", "any"},
				Description: "`strict`: every child must succeed; `any`: one success suffices."},
		},
		New: newParallel,
	})
}

func newParallel(c *bt.Config) (bt.Behavior, error) {
	p := &parallel{children: c.Children, success: c.Props.Get("successThreshold"),
		failure: c.Props.Get("failureThreshold"), strategy: c.Props.Get("strategy")}
	for _, name := range []string{"successThreshold", "failureThreshold"} {
		if v, ok := literalInt(c.Props.Get(name)); ok {
			if err := checkThreshold(name, v, len(c.Children)); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

func checkThreshold(name string, v int64, n int) error {
	if v < 1 || v > int64(n) {
		return fmt.Errorf("prop %s: must be between 1 and the number of children (%d), found %d", name, n, v)
	}
	return nil
}

type parallel struct {
	children                   []*bt.Node
	success, failure, strategy *bt.Prop

	// While running:
	active            bool
	cancel            context.CancelFunc
	waits             []func()       // one per child's branch, returning when it has ended
	results           chan bt.Status // a status per finished child
	need, limit       int            // success and failure thresholds
	succeeded, failed int
}

var (
	_ bt.Behavior = (*parallel)(nil)
	_ bt.Resetter = (*parallel)(nil)
)

func (p *parallel) Tick(t *bt.Tick) bt.Status {
	if !p.active {
		if err := p.thresholds(t); err != nil {
			return t.Fail(err)
		}
		p.start(t)
	}
	for {
		select {
		case st := <-p.results:
			if st == bt.Success {
				p.succeeded++
			} else {
				p.failed++
			}
			if st := p.decide(); st != bt.Running {
				p.stop()
				return st
			}
			continue
		default:
		}
		return bt.Running
	}
}

// decide applies the thresholds to the children finished so far.
func (p *parallel) decide() bt.Status {
	n := len(p.children)
	switch {
	case p.succeeded >= p.need:
		return bt.Success
	case p.failed >= p.limit, n-p.failed < p.need:
		return bt.Failure
	}
	return bt.Running
}

// thresholds resolves the props for this run of the node.
func (p *parallel) thresholds(t *bt.Tick) error {
	n := len(p.children)
	strategy, err := p.strategy.String(t, "strict")
	if err != nil {
		return err
	}
	switch strategy {
	case "strict":
		p.need = n
	case "any":
		p.need = 1
	default:
		return fmt.Errorf("prop strategy: expected one of strict, any, found %q", strategy)
	}
	for _, th := range []struct {
		prop *bt.Prop
		name string
		dst  *int
	}{{p.success, "successThreshold", &p.need}, {p.failure, "failureThreshold", &p.limit}} {
		if th.prop == nil {
			continue
		}
		v, err := th.prop.Int(t, 0)
		if err != nil {
			return err
		}
		if err := checkThreshold(th.name, v, n); err != nil {
			return err
		}
		*th.dst = int(v)
	}
	if p.failure == nil {
		p.limit = n - p.need + 1 // the first failure that makes success unreachable
	}
	return nil
}

// start drives every child to completion on a branch of its own (a
// goroutine, or a workflow coroutine under a durable scheduler).
func (p *parallel) start(t *bt.Tick) {
	ctx, cancel := context.WithCancel(t.Ctx)
	p.active, p.cancel = true, cancel
	p.results = make(chan bt.Status, len(p.children))
	p.succeeded, p.failed = 0, 0
	wake := t.Waker()
	p.waits = p.waits[:0]
	for _, child := range p.children {
		// Fork here, not in the branch: t belongs to this call.
		ft := t.Fork(ctx)
		p.waits = append(p.waits, t.Go(func() {
			st := ft.Drive(child)
			p.results <- st
			wake()
		}))
	}
}

// stop cancels the children still running and waits until every branch
// returned; each halts its child inside Drive when its context ends.
func (p *parallel) stop() {
	if !p.active {
		return
	}
	p.cancel()
	for _, wait := range p.waits {
		wait()
	}
	p.active, p.cancel, p.results = false, nil, nil
}

func (p *parallel) Halt(*bt.Tick) { p.stop() }

// Reset stops what a run left (nothing, once it finished) and clears the
// counts.
func (p *parallel) Reset() {
	p.stop()
	p.need, p.limit, p.succeeded, p.failed = 0, 0, 0, 0
}
