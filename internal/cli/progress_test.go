package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/workflow"
)

func TestProgressViewRender(t *testing.T) {
	wf, err := workflow.Load("p.yaml", []byte(`
type: Sequence
id: root
children:
  - {type: SuccessNode, id: done}
  - {type: RunningNode, id: busy}
  - {type: FailureNode, id: later}
`), workflow.Options{Registry: builtin.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	v := newProgressView(&out, wf.Root, 40)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v.now = func() time.Time { return t0.Add(1500 * time.Millisecond) }
	v.Emit(event.Event{Kind: event.NodeStarted, Index: 0, Time: t0})
	v.Emit(event.Event{Kind: event.NodeStarted, Index: 1, Time: t0})
	v.Emit(event.Event{Kind: event.NodeFinished, Index: 1, Status: "success", Duration: 12 * time.Millisecond})
	v.Emit(event.Event{Kind: event.NodeStarted, Index: 2, Time: t0.Add(time.Second)})
	v.Emit(event.Event{Kind: event.Log, Node: "busy", Level: "info", Message: "working"})

	got := v.render()
	want := []string{"▶ Sequence root", "1.5s", "  ✔ SuccessNode done", "12ms", "  ▶ RunningNode busy", "500ms", "  · FailureNode later"}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("render lacks %q:\n%s", w, got)
		}
	}
	v.draw()
	v.draw()
	s := out.String()
	if !strings.Contains(s, "INFO  busy: working") || strings.Count(s, "working") != 1 {
		t.Errorf("the log line must be printed once above the tree:\n%s", s)
	}
	if !strings.Contains(s, "\x1b[4A\x1b[J") {
		t.Errorf("the second draw must erase the 4 lines of the first:\n%q", s)
	}
}

func TestProgressViewWindow(t *testing.T) {
	src := "type: Sequence\nid: root\nchildren:\n"
	for range 50 {
		src += "  - {type: SuccessNode}\n"
	}
	wf, err := workflow.Load("p.yaml", []byte(src), workflow.Options{Registry: builtin.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	v := newProgressView(&bytes.Buffer{}, wf.Root, 12)
	v.Emit(event.Event{Kind: event.NodeStarted, Index: 30, Time: time.Now()})
	lines := strings.Split(strings.TrimSuffix(v.render(), "\n"), "\n")
	if len(lines) > 12 {
		t.Fatalf("%d lines for a 12-line terminal", len(lines))
	}
	if !strings.Contains(v.render(), "successnode-31") || !strings.Contains(v.render(), "more above") {
		t.Fatalf("the window must follow the running node:\n%s", v.render())
	}
}
