// Test helpers: a Probe decorator that records what its child returns on
// every tick, and ways to load and run trees with it.

package action_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/workflow"
)

// tickLog holds, per Probe id, what happened on each of its ticks: the
// child's status ("running", "success", "failure") or "halt".
type tickLog struct {
	mu      sync.Mutex
	ticks   map[string][]string
	first   chan struct{} // closed when the first tick is recorded
	started bool
	haltNow chan struct{} // once closed, every Probe halts its child and succeeds
}

func newTickLog() *tickLog {
	return &tickLog{ticks: map[string][]string{}, first: make(chan struct{}), haltNow: make(chan struct{})}
}

func (l *tickLog) add(id, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ticks[id] = append(l.ticks[id], s)
	if !l.started {
		l.started = true
		close(l.first)
	}
}

func (l *tickLog) get(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ticks[id]...)
}

// registry returns the built-in registry plus Probe, a decorator that ticks
// its child on every tick and records the result in log. Props:
//   - haltAt N: on its Nth tick, halt the child instead of ticking it
//     (recorded as "halt") and return RUNNING;
//   - stopAfter N: keep ticking the child (which restarts once it finished)
//     until N results are recorded, then halt it if running and succeed.
//
// Once log.haltNow is closed, a Probe halts its child and succeeds.
//
// Without stopAfter, Probe returns its child's status.
func registry(log *tickLog) *bt.Registry {
	r := builtin.Registry()
	r.MustRegister(&bt.Spec{
		Name: "Probe", Kind: bt.Decorator, Category: "test", Children: bt.Children{Min: 1, Max: 1},
		Summary: "Test probe.",
		Props: []bt.PropSpec{
			{Name: "haltAt", Type: bt.TypeInteger, Description: "tick to halt the child at"},
			{Name: "stopAfter", Type: bt.TypeInteger, Description: "ticks to record before stopping"},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			p := &probe{id: c.ID, child: c.Children[0], log: log}
			p.haltAt = intProp(c.Props.Get("haltAt"))
			p.stopAfter = intProp(c.Props.Get("stopAfter"))
			return p, nil
		},
	})
	return r
}

func intProp(p *bt.Prop) int {
	if p == nil {
		return 0
	}
	v, _ := p.Value.Literal()
	i, _ := v.(int64)
	return int(i)
}

type probe struct {
	id                string
	child             *bt.Node
	log               *tickLog
	haltAt, stopAfter int
	n                 int
}

func (p *probe) Tick(t *bt.Tick) bt.Status {
	select {
	case <-p.log.haltNow:
		t.Halt(p.child)
		p.log.add(p.id, "halt")
		return bt.Success
	default:
	}
	p.n++
	if p.n == p.haltAt {
		t.Halt(p.child)
		p.log.add(p.id, "halt")
		return bt.Running
	}
	st := t.Child(p.child)
	p.log.add(p.id, st.String())
	if p.stopAfter > 0 {
		if p.n < p.stopAfter {
			return bt.Running
		}
		t.Halt(p.child)
		p.n = 0
		return bt.Success
	}
	if st != bt.Running {
		p.n = 0
	}
	return st
}

func (p *probe) Halt(t *bt.Tick) {
	t.Halt(p.child)
	p.n = 0
}

// opts configure a test run.
type opts struct {
	inputs   map[string]any
	services *bt.Services
	ctx      context.Context // default: 10 s timeout
	interval time.Duration   // tick interval; default 5 ms
	log      *tickLog        // where Probes record; default a new one
}

// run loads src (with Probe available), instantiates and runs it, and
// returns the result, the events and the probes' tick log.
func run(t *testing.T, src string, o opts) (*bt.Result, []event.Event, *tickLog) {
	t.Helper()
	log := o.log
	if log == nil {
		log = newTickLog()
	}
	wf, err := workflow.Load("test.yaml", []byte(src), workflow.Options{Registry: registry(log)})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	tr, err := wf.Root.Instantiate(wf.ID, o.services)
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	ctx := o.ctx
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
	}
	if o.interval == 0 {
		o.interval = 5 * time.Millisecond
	}
	rec := &event.Recorder{}
	res := tr.Run(ctx, bt.RunOptions{ID: "test-run", Inputs: o.inputs, Sink: rec, TickInterval: o.interval})
	return res, rec.Events(), log
}

// buildErr returns the error of loading and instantiating src: load-time
// checks of the loader and of the node types' New.
func buildErr(src string) error {
	wf, err := workflow.Load("test.yaml", []byte(src), workflow.Options{Registry: registry(newTickLog())})
	if err != nil {
		return err
	}
	_, err = wf.Root.Instantiate(wf.ID, nil)
	return err
}

// wantBuildErr fails the test unless building src fails with an error
// holding every one of parts.
func wantBuildErr(t *testing.T, src string, parts ...string) {
	t.Helper()
	err := buildErr(src)
	if err == nil {
		t.Fatalf("building succeeded, want an error with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

// nodeErr returns the error of the last failure of node id, or "".
func nodeErr(events []event.Event, id string) string {
	msg := ""
	for _, e := range events {
		if e.Kind == event.NodeFinished && e.Node == id && e.Status == "failure" {
			msg = e.Error
		}
	}
	return msg
}

// logs returns "level: message" for every log event of node id.
func logs(events []event.Event, id string) []string {
	var out []string
	for _, e := range events {
		if e.Kind == event.Log && e.Node == id {
			out = append(out, e.Level+": "+e.Message)
		}
	}
	return out
}

// finished returns the node_finished events of node id.
func finished(events []event.Event, id string) []event.Event {
	var out []event.Event
	for _, e := range events {
		if e.Kind == event.NodeFinished && e.Node == id {
			out = append(out, e)
		}
	}
	return out
}

// checkErr fails the test when a node's error does not match: want "" means
// no error, otherwise every "|"-separated part must be in it.
func checkErr(t *testing.T, got, want string) {
	t.Helper()
	if want == "" {
		if got != "" {
			t.Fatalf("unexpected error %q", got)
		}
		return
	}
	if got == "" {
		t.Fatalf("no error, want one with %q", want)
	}
	for _, p := range strings.Split(want, "|") {
		if !strings.Contains(got, p) {
			t.Fatalf("error %q does not contain %q", got, p)
		}
	}
}
