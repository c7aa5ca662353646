// The SDK conformance suite: builds the conformance package of every
// language from source (each manifest's [build] command, as `weft pkg
// build` runs it), runs the same workflows against the real host, and
// expects the same results from all of them. See README.md.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pkgfile"
)

// languages are the folders of this directory, one per SDK.
var languages = []string{"go", "rust", "c", "cpp", "assemblyscript", "typescript"}

// built remembers which packages this test binary has built already.
var built sync.Map

// build runs a language package's [build] command once per test binary.
func build(t testing.TB, lang string) string {
	t.Helper()
	dir, _ := filepath.Abs(lang)
	if _, ok := built.Load(lang); ok {
		return dir
	}
	var out bytes.Buffer
	if _, err := pkgfile.RunBuild(context.Background(), dir, &out); err != nil {
		t.Fatalf("building the %s conformance package (its toolchain comes from scripts/install-test-deps): %v\n%s", lang, err, out.String())
	}
	built.Store(lang, true)
	return dir
}

// TestManifestsAgree checks that every language declares exactly the nodes
// and pins of ./manifest.toml.
func TestManifestsAgree(t *testing.T) {
	base := parse(t, "manifest.toml")
	for _, lang := range languages {
		var m *manifest.Manifest
		if lang == "typescript" {
			// Its manifest is made from node.ts's node({...}) declarations,
			// one node per export (in the order esbuild lists exports).
			p, err := pkgfile.Load(lang)
			if err != nil {
				t.Fatal(err)
			}
			m = p.Manifest
			sortNodes(m)
			sortNodes(base)
		} else {
			m = parse(t, filepath.Join(lang, "manifest.toml"))
		}
		if m.ID != "test.conformance."+lang {
			t.Errorf("%s: id %q, want test.conformance.%s", lang, m.ID, lang)
		}
		if !reflect.DeepEqual(m.Nodes, base.Nodes) || !reflect.DeepEqual(m.Permissions, base.Permissions) {
			t.Errorf("%s: nodes or permissions differ from ./manifest.toml", lang)
		}
	}
}

// sortNodes orders a manifest's nodes by id: the order of nodes in a
// package means nothing.
func sortNodes(m *manifest.Manifest) {
	sort.Slice(m.Nodes, func(i, j int) bool { return m.Nodes[i].ID < m.Nodes[j].ID })
}

func parse(t *testing.T, path string) *manifest.Manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Nodes { // file names differ; what the nodes are must not
		m.Nodes[i].Wasm = ""
	}
	return m
}

// conformanceCase is one workflow and what it must give, in every language.
type conformanceCase struct {
	name string
	// yaml uses LANG where the package id's language goes.
	yaml string
	// status is the run's; outputs the blackboard entries, as JSON, by key.
	status  string
	outputs map[string]string
	// errorHas must appear in the run's error; logHas in a log event.
	errorHas, logHas string
}

const allBytes = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="

var cases = []conformanceCase{
	{
		name: "echo every pin type",
		yaml: `
type: Sequence
children:
  - type: test.conformance.LANG/echo
    id: max
    props:
      s: "h\u00e9llo \"quoted\" \u2603 \U0001F600 tab\tnewline\n"
      i: 9223372036854775807
      f: 3.25
      b: true
      d: "2024-02-29T12:34:56Z"
      p: "data/in put.csv"
      st: {a: 1, b: [true, null, "x"], c: {d: -2.5}}
      by: "` + allBytes + `"
      g: [1, "two", {three: 3}]
      ia: [-9223372036854775808, 0, 9223372036854775807]
      sm: {k: "v", empty: ""}
      ss: ["a", "b", "c"]
  - type: test.conformance.LANG/echo
    id: min
    props: {i: -9223372036854775808, f: -0.000001, b: false, s: ""}
  - type: test.conformance.LANG/echo
    id: none
`,
		status: "success",
		outputs: map[string]string{
			"max": `{"b":true,"by":"` + allBytes + `","d":"2024-02-29T12:34:56Z","f":3.25,"g":[1,"two",{"three":3}],"i":9223372036854775807,` +
				`"ia":[-9223372036854775808,0,9223372036854775807],"p":"data/in put.csv","s":"héllo \"quoted\" ☃ 😀 tab\tnewline\n",` +
				`"sm":{"empty":"","k":"v"},"ss":["a","b","c"],"st":{"a":1,"b":[true,null,"x"],"c":{"d":-2.5}}}`,
			"min":  `{"b":false,"f":-0.000001,"i":-9223372036854775808,"s":""}`,
			"none": `{}`,
		},
	},
	{
		name:     "a business failure",
		yaml:     "type: test.conformance.LANG/fail\nid: f\nprops: {reason: on purpose}\n",
		status:   "failure",
		errorHas: "conformance: on purpose",
	},
	{
		name:    "a log line",
		yaml:    "type: test.conformance.LANG/log\nid: l\nprops: {msg: hello}\n",
		status:  "success",
		outputs: map[string]string{"l": `{"logged":true}`},
		logHas:  "conformance log: hello",
	},
	{
		name:    "vars round trip",
		yaml:    "type: test.conformance.LANG/vars\nid: v\nprops: {name: shared, value: {list: [1, 2.5, \"x\", null], big: -9223372036854775808}}\n",
		status:  "success",
		outputs: map[string]string{"v": `{"got":{"big":-9223372036854775808,"list":[1,2.5,"x",null]}}`, "shared": `{"big":-9223372036854775808,"list":[1,2.5,"x",null]}`},
	},
	{
		name:    "cache round trip",
		yaml:    "type: test.conformance.LANG/cache\nid: c\nprops: {key: k1, value: [\"a\", {b: true}]}\n",
		status:  "success",
		outputs: map[string]string{"c": `{"got":["a",{"b":true}]}`},
	},
	{
		name:    "state counts across runs",
		yaml:    "type: test.conformance.LANG/state\nid: s\n",
		status:  "success",
		outputs: map[string]string{"s": `{"count":1}`},
	},
	{
		name:    "a denied operation",
		yaml:    "type: test.conformance.LANG/denied\nid: d\n",
		status:  "success",
		outputs: map[string]string{"d": `{"code":"permission_denied"}`},
	},
}

func TestConformance(t *testing.T) {
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			dir := build(t, lang)
			ctx := context.Background()
			eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			if _, err := eng.AddPackage(ctx, dir); err != nil {
				t.Fatalf("loading the %s package: %v", lang, err)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					wf, err := eng.Load(c.name+".yaml", []byte(strings.ReplaceAll(c.yaml, "LANG", lang)))
					if err != nil {
						t.Fatal(err)
					}
					var mu sync.Mutex
					var logs []string
					res, err := wf.Run(ctx, weft.RunOptions{Events: func(e event.Event) {
						if e.Kind == event.Log {
							mu.Lock()
							logs = append(logs, e.Message)
							mu.Unlock()
						}
					}})
					if err != nil {
						t.Fatal(err)
					}
					if res.Status != c.status {
						t.Fatalf("status %s, want %s (error: %v)", res.Status, c.status, res.Err)
					}
					for key, want := range c.outputs {
						got, err := json.Marshal(res.Blackboard[key])
						if err != nil {
							t.Fatal(err)
						}
						if string(got) != want {
							t.Errorf("%s:\n got %s\nwant %s", key, got, want)
						}
					}
					if c.errorHas != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), c.errorHas)) {
						t.Errorf("error %v, want it to contain %q", res.Err, c.errorHas)
					}
					if c.logHas != "" && !strings.Contains(strings.Join(logs, "\n"), c.logHas) {
						t.Errorf("logs %q lack %q", logs, c.logHas)
					}
					if c.name == "state counts across runs" {
						res, _ := wf.Run(ctx, weft.RunOptions{})
						if got, _ := json.Marshal(res.Blackboard["s"]); string(got) != `{"count":2}` {
							t.Errorf("second run: %s", got)
						}
					}
				})
			}
		})
	}
}
