package workflow_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft/internal/workflow"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must return a workflow
// (whose warnings have positions) or a *workflow.Errors with positions, and
// never panic.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	f.Add([]byte("type: Sequence\nchildren: [{type: SuccessNode}, {type: Probe, props: {s: '{{a}}'}}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("type: !!binary aGVsbG8=\n"))
	f.Add([]byte("type: Script\nprops:\n  textContent: |\n    a = 1; b = (a +\n      2) // c\n    s = \"x;y\"\n"))
	f.Add([]byte("type: RegexExtract\nprops: {input: t, pattern: '(a)(b)?', flags: gim, outputKey: o, matchIndex: 1}\n"))
	f.Add([]byte("type: Parallel\nprops: {successThreshold: 1, strategy: any}\nchildren: [{type: SuccessNode}]\n"))
	f.Add([]byte("type: HttpRequest\nprops: {url: 'http://x/{{a}}', method: POST, body: {a: '{{b}}'}, timeout: 1s}\n"))
	reg := registry()
	f.Fuzz(func(t *testing.T, data []byte) {
		wf, err := workflow.Load("fuzz.yaml", data, workflow.Options{Registry: reg})
		if err != nil {
			var errs *workflow.Errors
			if !errors.As(err, &errs) || len(errs.List) == 0 {
				t.Fatalf("error of type %T without diagnostics: %v", err, err)
			}
			return
		}
		for _, w := range wf.Lint([]string{"a"}) {
			if w.Pos.Line < 1 || w.Msg == "" {
				t.Fatalf("a warning without a position or message: %+v", w)
			}
		}
		if _, err := wf.Root.Instantiate(wf.ID, nil); err != nil {
			return // New may refuse values the spec can't express
		}
	})
}
