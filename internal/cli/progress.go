// The live progress view of `weft run` on a terminal: the tree with each
// node's status and time, redrawn in place while the run goes on.

package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/event"
)

type pvLine struct {
	depth int
	def   *bt.Def
}

type pvState struct {
	status  string // "" (not started), running, success, failure, halted
	started time.Time
	dur     time.Duration
	runs    int
}

// progressView is an event.Sink that draws the tree on a terminal.
type progressView struct {
	w      io.Writer
	height int

	mu    sync.Mutex
	lines []pvLine
	st    []pvState
	logs  []string
	drawn int
	now   func() time.Time

	stopCh chan struct{}
	done   chan struct{}
}

func newProgressView(w io.Writer, root *bt.Def, height int) *progressView {
	v := &progressView{w: w, height: height, now: time.Now}
	var walk func(d *bt.Def, depth int)
	walk = func(d *bt.Def, depth int) {
		v.lines = append(v.lines, pvLine{depth: depth, def: d})
		for _, c := range d.Children {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	v.st = make([]pvState, len(v.lines))
	return v
}

// Emit records an event; drawing happens on the view's own ticker.
func (v *progressView) Emit(e event.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e.Kind {
	case event.NodeStarted:
		if e.Index >= 0 && e.Index < len(v.st) {
			s := &v.st[e.Index]
			s.status, s.started = "running", e.Time
		}
	case event.NodeFinished:
		if e.Index >= 0 && e.Index < len(v.st) {
			s := &v.st[e.Index]
			s.status, s.dur = e.Status, e.Duration
			s.runs++
		}
	case event.Log:
		v.logs = append(v.logs, fmt.Sprintf("%-5s %s: %s", strings.ToUpper(e.Level), e.Node, e.Message))
	case event.Stream:
		v.logs = append(v.logs, fmt.Sprintf("EVENT %s: %s %v", e.Node, e.Message, e.Data))
	}
}

func (v *progressView) start() {
	v.stopCh, v.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(v.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				v.draw()
			case <-v.stopCh:
				v.draw()
				return
			}
		}
	}()
}

func (v *progressView) stop() {
	close(v.stopCh)
	<-v.done
}

// draw erases what it drew last, prints pending log lines above the tree,
// and draws the tree again.
func (v *progressView) draw() {
	v.mu.Lock()
	defer v.mu.Unlock()
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\x1b[J", v.drawn)
	}
	for _, l := range v.logs {
		b.WriteString(l + "\n")
	}
	v.logs = v.logs[:0]
	tree := v.renderLocked()
	b.WriteString(tree)
	v.drawn = strings.Count(tree, "\n")
	io.WriteString(v.w, b.String())
}

// render returns the tree as text, for tests.
func (v *progressView) render() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.renderLocked()
}

func (v *progressView) renderLocked() string {
	first, last := 0, len(v.lines)
	room := max(v.height-2, 5)
	if last > room {
		// Show a window around the first running leaf-most node.
		focus := 0
		for i, s := range v.st {
			if s.status == "running" {
				focus = i
			}
		}
		first = max(0, min(focus-room/2, len(v.lines)-room))
		last = first + room
	}
	var b strings.Builder
	if first > 0 {
		fmt.Fprintf(&b, "  … %d more above\n", first)
	}
	now := v.now()
	for i := first; i < last; i++ {
		l, s := v.lines[i], v.st[i]
		icon, dur := "·", ""
		switch s.status {
		case "running":
			icon, dur = "▶", roundDuration(now.Sub(s.started)).String()
		case "success":
			icon, dur = "✔", roundDuration(s.dur).String()
		case "failure":
			icon, dur = "✘", roundDuration(s.dur).String()
		case "halted":
			icon, dur = "■", "halted after "+roundDuration(s.dur).String()
		}
		if s.runs > 1 {
			dur += fmt.Sprintf(" (×%d)", s.runs)
		}
		label := strings.Repeat("  ", l.depth) + icon + " " + l.def.Type + " " + l.def.ID
		fmt.Fprintf(&b, "%-56s %s\n", label, dur)
	}
	if last < len(v.lines) {
		fmt.Fprintf(&b, "  … %d more below\n", len(v.lines)-last)
	}
	return b.String()
}
