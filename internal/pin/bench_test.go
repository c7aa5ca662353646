// Benchmarks of the per-call hot path: AppendJSON and DecodeJSON for small
// values, with encoding/json (through value.FromJSON) as the baseline.

package pin

import (
	"encoding/json"
	"testing"

	"github.com/weft-dev/weft/internal/value"
)

var benchCases = []struct {
	name string
	spec Spec
	json string
}{
	{"integer", Spec{Name: "n", Type: Integer}, `9007199254740993`},
	{"float", Spec{Name: "f", Type: Float}, `3.14159`},
	{"string", Spec{Name: "s", Type: String}, `"hello, world"`},
	{"date", Spec{Name: "d", Type: Date}, `"2025-01-02T03:04:05Z"`},
	{"bytes", Spec{Name: "b", Type: Bytes}, `"aGVsbG8sIHdvcmxkIQ=="`},
	{"struct", Spec{Name: "o", Type: Struct}, `{"id":42,"name":"ada","tags":["a","b"]}`},
	{"array10", Spec{Name: "a", Type: Integer, ValueType: Array}, `[1,2,3,4,5,6,7,8,9,10]`},
	{"set5", Spec{Name: "s", Type: String, ValueType: Set}, `["a","b","c","d","e"]`},
}

func BenchmarkDecodeJSON(b *testing.B) {
	for _, bc := range benchCases {
		raw := []byte(bc.json)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.spec.DecodeJSON(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	for _, bc := range benchCases {
		v, err := bc.spec.DecodeJSON([]byte(bc.json))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 256)
			for b.Loop() {
				if buf, err = bc.spec.AppendJSON(buf[:0], v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCoerce(b *testing.B) {
	for _, bc := range benchCases {
		v, err := bc.spec.DecodeJSON([]byte(bc.json))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.spec.Coerce(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The baseline: what the host would pay going through encoding/json.
func BenchmarkBaselineEncodingJSON(b *testing.B) {
	for _, bc := range benchCases {
		raw := []byte(bc.json)
		v, _ := value.FromJSON(raw)
		b.Run("decode/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := value.FromJSON(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("encode/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
