// examples.go: the Examples section of every command's help, in one place
// (the test in help_test.go fails for a command that has none).

package cli

import "github.com/spf13/cobra"

// examples are by command path, without the leading "weft ".
var examples = map[string]string{
	"run": `  weft run flow.yaml
  weft run flow.yaml --input name=Ada --input n=3 --output json
  cat flow.yaml | weft run - --inputs inputs.json
  weft run greet/example.yaml --package greet --watch`,
	"validate": `  weft validate flow.yaml other.yaml
  weft validate - < flow.yaml
  weft validate flow.yaml --package ./my-node`,
	"lock":                `  weft lock flow.yaml              # writes flow.lock beside it`,
	"node init":           "  weft node init --lang c hello\n  weft node init --lang typescript greet && weft run greet/example.yaml --package greet",
	"node test":           "  weft node test ./hello\n  weft node test ./hello --workflow flows/smoke.yaml --output json",
	"nodes list":          "  weft nodes list\n  weft nodes list --package ./my-node --output json",
	"nodes show":          "  weft nodes show Retry\n  weft nodes show com.example.math/add --package ./math",
	"runs list":           "  weft runs list\n  weft runs list --status interrupted --limit 5 --output json",
	"runs show":           "  weft runs show 01J9Z...   # a unique prefix of the id is enough",
	"pkg build":           "  weft pkg build ./math\n  weft pkg build ./greet -o greet.weftpkg   # a TypeScript project",
	"pkg install":         "  weft pkg install com.example.math-1.0.0.weftpkg\n  weft pkg install com.example.math@^1 --registry https://registry.example.com\n  weft pkg install ./math --tenant acme --yes",
	"pkg list":            "  weft pkg list\n  weft pkg list --tenant acme --output json",
	"pkg show":            "  weft pkg show com.example.math\n  weft pkg show com.example.math@1.0.0 --output json",
	"pkg remove":          "  weft pkg remove com.example.math@1.0.0",
	"pkg activate":        "  weft pkg activate com.example.math@1.1.0",
	"pkg rollback":        "  weft pkg rollback com.example.math",
	"pkg deprecate":       "  weft pkg deprecate com.example.math@1.0.0 --message \"use 2.x\"\n  weft pkg deprecate com.example.math@1.0.0 --undo",
	"pkg yank":            "  weft pkg yank com.example.math@1.0.1\n  weft pkg yank com.example.math@1.0.1 --undo",
	"pkg keygen":          "  weft pkg keygen -o me    # me.key and me.pub",
	"pkg sign":            "  weft pkg sign com.example.math-1.0.0.weftpkg --key me.key",
	"pkg publish":         "  weft pkg publish com.example.math-1.0.0.weftpkg --registry http://127.0.0.1:8787 --token $PUBLISH_TOKEN\n  weft pkg publish ./target/wasm32-wasi/release/my_package.wasm --registry http://127.0.0.1:8787",
	"pkg search":          "  weft pkg search math --registry http://127.0.0.1:8787",
	"pkg outdated":        "  weft pkg outdated\n  weft pkg outdated com.example.math --output json",
	"pkg update":          "  weft pkg update                          # compatible updates; asks before new permissions\n  weft pkg update com.example.math --latest --yes",
	"registry serve":      "  weft registry serve --addr 127.0.0.1:8787 --home ./registry",
	"trust add":           "  weft trust add publisher.pub --name acme",
	"trust list":          "  weft trust list",
	"trust remove":        "  weft trust remove RWQ...",
	"secrets list":        "  weft secrets list --tenant acme",
	"secrets delete":      "  weft secrets delete oauth/google --tenant acme",
	"remote health":       "  weft remote health --server http://127.0.0.1:8080",
	"remote run":          "  WEFT_SERVER=http://127.0.0.1:8080 WEFT_TOKEN=weft_... weft remote run flow.yaml --input n=3\n  weft remote run flow.yaml --no-wait --output json",
	"remote validate":     "  weft remote validate flow.yaml --server http://127.0.0.1:8080",
	"remote runs list":    "  weft remote runs list --workflow flow --status failure",
	"remote runs show":    "  weft remote runs show run_01J9Z... --events",
	"remote pkg install":  "  weft remote pkg install ./math\n  weft remote pkg install greet.weftpkg --output json",
	"remote pkg activate": "  weft remote pkg activate cn_4f2a...",
}

// addExamples fills in the Examples of the commands under root that have
// none.
func addExamples(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" {
			if ex, ok := examples[trimRoot(c.CommandPath())]; ok {
				c.Example = ex
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}

func trimRoot(path string) string {
	if len(path) > 5 && path[:5] == "weft " {
		return path[5:]
	}
	return path
}
