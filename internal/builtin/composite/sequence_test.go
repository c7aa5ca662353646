package composite_test

import (
	"slices"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
)

func TestSequence(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		want     bt.Status
		finishes []string
	}{
		{"all succeed", `
type: Sequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: SuccessNode, id: b}
`, bt.Success, []string{"a:success", "b:success", "s:success"}},
		{"stops at first failure", `
type: Sequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: FailureNode, id: b}
  - {type: SuccessNode, id: c}
`, bt.Failure, []string{"a:success", "b:failure", "s:failure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev := bttest.Run(t, builtin.Registry(), tt.src, nil)
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			if got := bttest.Finishes(ev); !slices.Equal(got, tt.finishes) {
				t.Fatalf("finishes = %v, want %v", got, tt.finishes)
			}
		})
	}
}
