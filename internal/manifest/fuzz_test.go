// Fuzzing Parse: it must never panic, must be deterministic, and must
// either return a manifest that satisfies the rules or errors that all carry
// a position.

package manifest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft/internal/pin"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.toml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.toml", data)
		_, err2 := Parse("f.toml", data)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("not deterministic:\n%v\n---\n%v", err, err2)
		}
		if err != nil {
			errs, ok := err.(*Errors)
			if !ok || len(errs.List) == 0 || m != nil {
				t.Fatalf("error %T %v", err, err)
			}
			for _, e := range errs.List {
				if e.Line < 1 || e.Column < 1 || e.Msg == "" {
					t.Fatalf("error without position or message: %#v", e)
				}
			}
			return
		}
		if m.ManifestVersion != 1 || packageIDProblem(m.ID) != "" || len(m.Nodes) == 0 {
			t.Fatalf("accepted a manifest breaking the rules: %+v", m)
		}
		ids := map[string]bool{}
		for _, n := range m.Nodes {
			if nodeIDProblem(n.ID) != "" || ids[n.ID] {
				t.Fatalf("bad or duplicate node id %q", n.ID)
			}
			ids[n.ID] = true
			for _, p := range append(append([]pin.Spec(nil), n.Inputs...), n.Outputs...) {
				if p.ValidValues != nil && (len(p.ValidValues) == 0 || !p.Type.TakesValidValues()) {
					t.Fatalf("pin %s: valid values %v", p.Name, p.ValidValues)
				}
				for _, v := range p.ValidValues {
					if _, err := (&pin.Spec{Name: p.Name, Type: p.Type}).Coerce(v); err != nil {
						t.Fatalf("valid value %v of %s does not coerce: %v", v, p.Name, err)
					}
				}
			}
			for _, p := range n.Inputs {
				if p.Required && p.HasDefault {
					t.Fatalf("required pin %s with a default", p.Name)
				}
				if p.HasDefault {
					if _, err := p.Coerce(p.Default); err != nil {
						t.Fatalf("default of %s does not coerce: %v", p.Name, err)
					}
					if _, err := p.AppendJSON(nil, p.Default); err != nil {
						t.Fatalf("default of %s does not encode: %v", p.Name, err)
					}
				}
			}
			if mod := m.ModuleOf(&n); mod != "" && CheckModulePath(mod) != nil {
				t.Fatalf("bad module path %q", mod)
			}
		}
	})
}
