package bt

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// script is a test behavior that returns statuses from a list, one per tick
// (the last repeats), and counts ticks and halts.
type script struct {
	statuses []Status
	ticks    int
	halts    int
	err      error
}

func (s *script) Tick(t *Tick) Status {
	st := s.statuses[min(s.ticks, len(s.statuses)-1)]
	s.ticks++
	if st == Failure && s.err != nil {
		return t.Fail(s.err)
	}
	return st
}
func (s *script) Halt(*Tick) { s.halts++ }

// seq is a minimal sequence for engine tests.
type seq struct {
	kids []*Node
	i    int
}

func (s *seq) Tick(t *Tick) Status {
	for s.i < len(s.kids) {
		switch t.Child(s.kids[s.i]) {
		case Running:
			return Running
		case Failure:
			s.i = 0
			return Failure
		}
		s.i++
	}
	s.i = 0
	return Success
}
func (s *seq) Halt(t *Tick) { t.HaltAll(s.kids); s.i = 0 }

func leaf(id string, b Behavior) *Node { return &Node{ID: id, Type: "Test", Behavior: b} }

func tree(root *Node) *Tree {
	tr := &Tree{Workflow: "w", Root: root}
	var walk func(n *Node)
	walk = func(n *Node) {
		n.Index = len(tr.Nodes)
		tr.Nodes = append(tr.Nodes, n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	return tr
}

func TestRunTicksWhileRunning(t *testing.T) {
	b := &script{statuses: []Status{Running, Running, Success}}
	tr := tree(leaf("a", b))
	res := tr.Run(context.Background(), RunOptions{ID: "r", TickInterval: time.Millisecond})
	if res.Status != Success || b.ticks != 3 {
		t.Fatalf("status %v after %d ticks, want success after 3", res.Status, b.ticks)
	}
}

func TestRunFailureNamesNode(t *testing.T) {
	a := &script{statuses: []Status{Success}}
	b := &script{statuses: []Status{Failure}, err: errors.New("boom")}
	root := &Node{ID: "root", Type: "Seq"}
	root.Children = []*Node{leaf("a", a), leaf("b", b)}
	root.Behavior = &seq{kids: root.Children}
	res := tree(root).Run(context.Background(), RunOptions{ID: "r"})
	if res.Status != Failure {
		t.Fatalf("status %v", res.Status)
	}
	var ne *NodeError
	if !errors.As(res.Err, &ne) || ne.Node.ID != "b" || !strings.Contains(res.Err.Error(), "boom") {
		t.Fatalf("err = %v, want a NodeError naming b with boom", res.Err)
	}
}

func TestLeafFailureWithoutReason(t *testing.T) {
	res := tree(leaf("x", &script{statuses: []Status{Failure}})).Run(context.Background(), RunOptions{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), `"x"`) || !strings.Contains(res.Err.Error(), "FAILURE") {
		t.Fatalf("err = %v", res.Err)
	}
}

func TestCancelHaltsRunningNodes(t *testing.T) {
	b := &script{statuses: []Status{Running}}
	rec := &event.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	res := tree(leaf("a", b)).Run(ctx, RunOptions{Sink: rec, TickInterval: time.Millisecond})
	if res.Status != Failure || b.halts != 1 {
		t.Fatalf("status %v halts %d, want failure and 1 halt", res.Status, b.halts)
	}
	if !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", res.Err)
	}
	var halted bool
	for _, e := range rec.Events() {
		if e.Kind == event.NodeFinished && e.Node == "a" && e.Status == "halted" {
			halted = true
		}
	}
	if !halted {
		t.Fatal("no halted event for a")
	}
}

type panicky struct{}

func (panicky) Tick(*Tick) Status { panic("kaboom") }
func (panicky) Halt(*Tick)        {}

func TestPanicBecomesInternalError(t *testing.T) {
	root := &Node{ID: "root", Type: "Seq"}
	root.Children = []*Node{leaf("bad", panicky{})}
	root.Behavior = &seq{kids: root.Children}
	res := tree(root).Run(context.Background(), RunOptions{})
	if res.Status != Failure || !errors.Is(res.Err, ErrInternal) {
		t.Fatalf("status %v err %v", res.Status, res.Err)
	}
	if !strings.Contains(res.Err.Error(), "bad (Test) panicked: kaboom") {
		t.Fatalf("err does not name the node: %v", res.Err)
	}
}

func TestEventsOrderAndDuration(t *testing.T) {
	rec := &event.Recorder{}
	root := &Node{ID: "root", Type: "Seq"}
	root.Children = []*Node{leaf("a", &script{statuses: []Status{Success}}), leaf("b", &script{statuses: []Status{Success}})}
	root.Behavior = &seq{kids: root.Children}
	tree(root).Run(context.Background(), RunOptions{ID: "r1", Sink: rec})
	var got []string
	for _, e := range rec.Events() {
		got = append(got, string(e.Kind)+":"+e.Node)
		if e.RunID != "r1" {
			t.Fatalf("event without run id: %+v", e)
		}
	}
	want := "run_started: node_started:root node_started:a node_finished:a node_started:b node_finished:b node_finished:root run_finished:"
	if strings.Join(got, " ") != want {
		t.Fatalf("events\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// asyncLeaf waits for a channel in an Async goroutine.
type asyncLeaf struct {
	work    Async
	release chan struct{}
}

func (a *asyncLeaf) Tick(t *Tick) Status {
	if !a.work.Started() {
		a.work.Start(t, func(ctx context.Context) (Status, error) {
			select {
			case <-a.release:
				return Success, nil
			case <-ctx.Done():
				return Failure, ctx.Err()
			}
		})
	}
	return a.work.Poll(t)
}
func (a *asyncLeaf) Halt(*Tick) { a.work.Stop() }

func TestAsyncWakesTheLoop(t *testing.T) {
	a := &asyncLeaf{release: make(chan struct{})}
	done := make(chan *Result)
	go func() {
		// A tick interval of an hour: only the wake-up can end this run quickly.
		done <- tree(leaf("a", a)).Run(context.Background(), RunOptions{TickInterval: time.Hour})
	}()
	time.Sleep(10 * time.Millisecond)
	close(a.release)
	select {
	case res := <-done:
		if res.Status != Success {
			t.Fatalf("status %v", res.Status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the async leaf's completion did not wake the run")
	}
}

func TestBlackboardScopes(t *testing.T) {
	root := NewBlackboard(map[string]any{"a": int64(1)})
	child := root.Scope()
	child.Set("b", "x")
	if v, ok := child.Lookup("a"); !ok || v != int64(1) {
		t.Fatalf("child does not read through: %v %v", v, ok)
	}
	if _, ok := root.Lookup("b"); ok {
		t.Fatal("child write leaked to the parent")
	}
	child.Set("a", int64(2))
	if v, _ := root.Lookup("a"); v != int64(1) {
		t.Fatal("shadowing changed the parent")
	}
	if snap := child.Snapshot(); snap["a"] != int64(2) || snap["b"] != "x" {
		t.Fatalf("snapshot %v", snap)
	}
	if err := root.SetValue("c", make(chan int)); err == nil {
		t.Fatal("a channel was accepted")
	}
}

func TestBlackboardConcurrent(t *testing.T) {
	bb := NewBlackboard(nil)
	scope := bb.Scope()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 1000 {
				scope.Set("k", int64(j))
				bb.Set("p", int64(i))
				scope.Lookup("p")
				scope.Snapshot()
			}
		}()
	}
	wg.Wait()
}

func TestNearest(t *testing.T) {
	names := []string{"Sequence", "Selector", "Parallel", "HttpRequest", "PrintAction"}
	for in, want := range map[string]string{
		"Sequense": "Sequence", "sequence": "Sequence", "HTTPRequest": "HttpRequest",
		"Print": "PrintAction", "Zzzzzzzz": "",
	} {
		if got := Nearest(in, names); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
