package workflow_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type nopBehavior struct{}

func (nopBehavior) Tick(*bt.Tick) bt.Status { return bt.Success }
func (nopBehavior) Halt(*bt.Tick)           {}

// registry returns the built-in nodes plus Probe, a test node type with one
// prop of each kind the loader checks.
func registry() *bt.Registry {
	reg := builtin.Registry()
	reg.MustRegister(&bt.Spec{
		Name: "Probe", Kind: bt.Leaf, Category: "test", Summary: "test node",
		Props: []bt.PropSpec{
			{Name: "s", Type: bt.TypeString, Required: true},
			{Name: "n", Type: bt.TypeInteger, Default: int64(1)},
			{Name: "b", Type: bt.TypeBoolean},
			{Name: "d", Type: bt.TypeDuration},
			{Name: "mode", Type: bt.TypeString, Enum: []string{"fast", "slow"}},
		},
		New: func(*bt.Config) (bt.Behavior, error) { return nopBehavior{}, nil },
	})
	return reg
}

func load(file string) (*workflow.Workflow, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return workflow.Load(file, data, workflow.Options{Registry: registry()})
}

// TestInvalidGolden loads every file in testdata/invalid and compares the
// complete error report with the .golden file beside it. Run with -update
// to rewrite them after a deliberate change of wording.
func TestInvalidGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := load(file)
			var errs *workflow.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v (%T), want *workflow.Errors", err, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, _ := os.ReadFile(golden)
			if got != string(want) {
				t.Fatalf("errors differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
			for _, d := range errs.List {
				if d.Pos.File != file || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("diagnostic without a position: %+v", d)
				}
			}
		})
	}
}

func TestValidFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, file := range files {
		if _, err := load(file); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func TestGeneratedIDsAndDefaults(t *testing.T) {
	wf, err := load("testdata/valid/templates.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if wf.ID != "valid" {
		t.Fatalf("workflow id %q", wf.ID)
	}
	second := wf.Root.Children[1]
	if second.ID != "probe-3" {
		t.Fatalf("generated id %q, want probe-3", second.ID)
	}
	if p := second.Props["n"]; p == nil {
		t.Fatal("literal n missing")
	}
	first := wf.Root.Children[0]
	if _, ok := first.Props["n"].Value.Literal(); ok {
		t.Fatal("a templated prop was compiled to a literal")
	}
	if p := first.Props["s"]; p.Pos.Line != 7 || p.Pos.Col != 10 {
		t.Fatalf("prop position %v, want 7:10", p.Pos)
	}
}

func TestDefaultApplied(t *testing.T) {
	wf, err := workflow.Load("x.yaml", []byte("type: Probe\nprops: {s: x}\n"), workflow.Options{Registry: registry()})
	if err != nil {
		t.Fatal(err)
	}
	p := wf.Root.Props["n"]
	if v, _ := p.Value.Literal(); v != int64(1) || p.Set {
		t.Fatalf("default n = %v (set %v)", v, p.Set)
	}
	if wf.ID != "x" {
		t.Fatalf("workflow id from file name = %q", wf.ID)
	}
}

func TestResolverForCustomTypes(t *testing.T) {
	spec := &bt.Spec{Name: "com.example.math/add", Kind: bt.Leaf, Summary: "add",
		New: func(*bt.Config) (bt.Behavior, error) { return nopBehavior{}, nil }}
	opts := workflow.Options{Registry: registry(), Resolver: func(name string) (*bt.Spec, error) {
		if name == "com.example.math/add" {
			return spec, nil
		}
		if name == "com.example.math/broken" {
			return nil, errors.New("package com.example.math 1.0.0 has no node broken")
		}
		return nil, workflow.ErrUnknownType
	}}
	if _, err := workflow.Load("c.yaml", []byte("type: com.example.math/add\n"), opts); err != nil {
		t.Fatal(err)
	}
	_, err := workflow.Load("c.yaml", []byte("type: com.example.math/broken\n"), opts)
	if err == nil || !strings.Contains(err.Error(), "c.yaml:1:7: node type \"com.example.math/broken\": package com.example.math 1.0.0 has no node broken") {
		t.Fatalf("err = %v", err)
	}
}

func TestAliasBomb(t *testing.T) {
	src := "type: Probe\nprops:\n  s: x\n  b: &a [1,1,1,1,1,1,1,1,1,1]\n"
	prev := "a"
	for i := range 12 {
		name := string(rune('b' + i))
		src = strings.Replace(src, "props:", "x"+name+": &"+name+" [*"+prev+",*"+prev+",*"+prev+",*"+prev+",*"+prev+",*"+prev+",*"+prev+",*"+prev+",*"+prev+",*"+prev+"]\nprops:", 1)
		prev = name
	}
	// The bomb sits in an unknown node key; put one in a prop too.
	src += "  mode: *" + prev + "\n"
	_, err := workflow.Load("bomb.yaml", []byte(src), workflow.Options{Registry: registry()})
	if err == nil {
		t.Fatal("an alias bomb loaded")
	}
}
