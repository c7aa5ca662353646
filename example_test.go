package weft_test

import (
	"context"
	"fmt"
	"os"

	"github.com/weft-dev/weft"
)

// A workflow loaded once and run with inputs; the result's blackboard holds
// what the nodes wrote.
func Example() {
	home, _ := os.MkdirTemp("", "weft-example-")
	defer os.RemoveAll(home)
	ctx := context.Background()

	eng, err := weft.New(ctx, weft.Config{Home: home})
	if err != nil {
		panic(err)
	}
	defer eng.Close()

	wf, err := eng.Load("greet.yaml", []byte(`
type: Sequence
id: greet
children:
  - type: SuccessNode
    id: check
`))
	if err != nil {
		panic(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{Inputs: map[string]any{"name": "Ada", "n": 3}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Blackboard["name"], res.Blackboard["n"])
	// Output: success Ada 3
}

// Invalid workflows report every problem at once, each with its position.
func ExampleEngine_Load_invalid() {
	eng, _ := weft.New(context.Background(), weft.Config{NoJournal: true})
	defer eng.Close()
	_, err := eng.Load("flow.yaml", []byte("type: Sequense\nchildren:\n  - type: SuccesNode\n"))
	fmt.Println(err)
	// Output:
	// flow.yaml:1:7: unknown node type "Sequense" (did you mean "Sequence"?)
	// flow.yaml:3:11: unknown node type "SuccesNode" (did you mean "SuccessNode"?)
}

// A Go-native node type, registered on the engine and used by a workflow
// like a built-in; its outputs land under the node's id.
func ExampleEngine_RegisterNode() {
	home, _ := os.MkdirTemp("", "weft-example-")
	defer os.RemoveAll(home)
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: home, NoJournal: true})
	if err != nil {
		panic(err)
	}
	defer eng.Close()

	err = eng.RegisterNode(weft.NodeType{
		Type:    "acme.Greet",
		Summary: "Greets someone.",
		Props:   []weft.Prop{{Name: "name", Type: "string", Required: true}},
		Run: func(ctx context.Context, in weft.NodeInput) (map[string]any, error) {
			return map[string]any{"greeting": "Hello, " + in.String("name") + "!"}, nil
		},
	})
	if err != nil {
		panic(err)
	}
	wf, err := eng.Load("greet.yaml", []byte("type: acme.Greet\nid: hi\nprops: {name: \"{{ who }}\"}\n"))
	if err != nil {
		panic(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{Inputs: map[string]any{"who": "Ada"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Blackboard["hi"])
	// Output: success map[greeting:Hello, Ada!]
}
