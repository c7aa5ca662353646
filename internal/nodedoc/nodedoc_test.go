package nodedoc_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/nodedoc"
)

// TestDocsUpToDate fails when docs/nodes.md differs from what the specs
// generate: run `go generate ./internal/nodedoc/...` after changing a spec.
func TestDocsUpToDate(t *testing.T) {
	want := nodedoc.Markdown(builtin.Specs())
	got, err := os.ReadFile("../../docs/nodes.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/nodes.md is stale: run `go generate ./internal/nodedoc/...`")
	}
}

// TestEveryNodeDocumented checks that every built-in node and prop says
// what it does.
func TestEveryNodeDocumented(t *testing.T) {
	for _, s := range builtin.Specs() {
		if s.Summary == "" {
			t.Errorf("%s has no summary", s.Name)
		}
		for _, p := range s.Props {
			if p.Description == "" {
				t.Errorf("%s.%s has no description", s.Name, p.Name)
			}
		}
	}
}
