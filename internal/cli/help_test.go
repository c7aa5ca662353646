// help_test.go: every command's help has an Examples section, and the
// completions of node types, run ids and --lang.

package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/journal"
)

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, s := range c.Commands() {
		walk(s, fn)
	}
}

func TestEveryCommandHasExamples(t *testing.T) {
	root := newRoot(&env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	walk(root, func(c *cobra.Command) {
		if !c.Runnable() || c.Hidden || c.Name() == "help" || strings.HasPrefix(c.CommandPath(), "weft completion") {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: no Examples section in its help", c.CommandPath())
		}
	})
}

func complete(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(&env{stdin: strings.NewReader(""), stdout: &out, stderr: &bytes.Buffer{}})
	root.SetOut(&out)
	root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, args...))
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestCompletions(t *testing.T) {
	t.Setenv("WEFT_HOME", t.TempDir())
	if out := complete(t, "nodes", "show", "Ret"); !strings.Contains(out, "Retry\t") || strings.Contains(out, "Sequence") {
		t.Errorf("node types: %q", out)
	}
	if out := complete(t, "node", "init", "--lang", ""); !strings.Contains(out, "typescript") || !strings.Contains(out, "rust") {
		t.Errorf("--lang: %q", out)
	}
	j, err := journal.Open(t.Context(), weft.DefaultHome()+"/weft.db")
	if err != nil {
		t.Fatal(err)
	}
	j.BeginRun(t.Context(), journal.RunInfo{ID: "01TESTRUN", Workflow: "wf"})
	j.Close()
	if out := complete(t, "runs", "show", "01T"); !strings.Contains(out, "01TESTRUN\twf running") {
		t.Errorf("run ids: %q", out)
	}
	var out bytes.Buffer
	root := newRoot(&env{stdin: strings.NewReader(""), stdout: &out, stderr: &bytes.Buffer{}})
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil || !strings.HasPrefix(out.String(), "weft ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
}
