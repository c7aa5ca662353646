// Props: a node's compiled parameters, evaluated against the blackboard when
// the node is ticked.

package bt

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/weft-dev/weft/internal/template"
	"github.com/weft-dev/weft/internal/value"
)

// Prop is one compiled prop of a node: a literal or a template, with its
// spec and where it was written.
type Prop struct {
	Name  string
	Spec  *PropSpec
	Value template.Value
	Raw   any // the value as written, templates unevaluated, for messages
	Pos   Pos
	Set   bool // written in the workflow (false: the spec's default)
}

// Props are a node's props by name. Absent props without a default are not
// in the map; the accessors of a nil *Prop report "not set".
type Props map[string]*Prop

// Get returns the named prop, or nil.
func (p Props) Get(name string) *Prop { return p[name] }

// IsSet reports whether the prop has a value (written or default).
func (p *Prop) IsSet() bool { return p != nil }

// Eval resolves the prop's templates against the tick's blackboard.
//
// # Errors
//
// The template's errors, prefixed with the prop's name.
func (p *Prop) Eval(t *Tick) (any, error) {
	if p == nil {
		return nil, nil
	}
	if v, ok := p.Value.Literal(); ok {
		return v, nil
	}
	v, err := p.Value.Eval(t.BB)
	if err != nil {
		return nil, fmt.Errorf("prop %s: %w", p.Name, err)
	}
	return v, nil
}

func (p *Prop) typed(t *Tick, typ PropType) (any, error) {
	v, err := p.Eval(t)
	if err != nil {
		return nil, err
	}
	c, err := Coerce(typ, v)
	if err != nil {
		return nil, fmt.Errorf("prop %s: %w", p.Name, err)
	}
	return c, nil
}

// String returns the prop as a string, or def when it is not set.
func (p *Prop) String(t *Tick, def string) (string, error) {
	if p == nil {
		return def, nil
	}
	v, err := p.typed(t, TypeString)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// Int returns the prop as an integer, or def when it is not set.
func (p *Prop) Int(t *Tick, def int64) (int64, error) {
	if p == nil {
		return def, nil
	}
	v, err := p.typed(t, TypeInteger)
	if err != nil {
		return 0, err
	}
	return v.(int64), nil
}

// Float returns the prop as a number, or def when it is not set.
func (p *Prop) Float(t *Tick, def float64) (float64, error) {
	if p == nil {
		return def, nil
	}
	v, err := p.typed(t, TypeNumber)
	if err != nil {
		return 0, err
	}
	f, _ := value.AsFloat(v)
	return f, nil
}

// Bool returns the prop as a boolean, or def when it is not set.
func (p *Prop) Bool(t *Tick, def bool) (bool, error) {
	if p == nil {
		return def, nil
	}
	v, err := p.typed(t, TypeBoolean)
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// Duration returns the prop as a duration, or def when it is not set.
func (p *Prop) Duration(t *Tick, def time.Duration) (time.Duration, error) {
	if p == nil {
		return def, nil
	}
	v, err := p.typed(t, TypeDuration)
	if err != nil {
		return 0, err
	}
	return v.(time.Duration), nil
}

// Any returns the prop's value, or nil when it is not set.
func (p *Prop) Any(t *Tick) (any, error) { return p.Eval(t) }

// Coerce checks v against a prop type and converts it to the Go type the
// accessors return: string, int64, float64 or int64 (number), bool,
// time.Duration, map[string]any, []any.
//
// # Errors
//
// An error saying what was expected and what was found.
func Coerce(typ PropType, v any) (any, error) {
	bad := func() error {
		return fmt.Errorf("expected %s, found %s %s", typ, value.TypeName(v), short(v))
	}
	switch typ {
	case TypeString, TypeCode, TypeKey:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64, float64, bool:
			if typ == TypeString {
				return value.Text(x), nil
			}
		}
		return nil, bad()
	case TypeInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return i, nil
			}
		}
		return nil, bad()
	case TypeNumber:
		switch x := v.(type) {
		case int64, float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
		return nil, bad()
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, bad()
	case TypeDuration:
		switch x := v.(type) {
		case int64:
			if x >= 0 {
				return time.Duration(x) * time.Millisecond, nil
			}
		case float64:
			if x >= 0 {
				return time.Duration(x * float64(time.Millisecond)), nil
			}
		case string:
			if d, err := time.ParseDuration(x); err == nil && d >= 0 {
				return d, nil
			}
			if i, err := strconv.ParseInt(x, 10, 64); err == nil && i >= 0 {
				return time.Duration(i) * time.Millisecond, nil
			}
			return nil, fmt.Errorf("expected a duration such as \"30s\" or \"250ms\", found %q", x)
		}
		return nil, bad()
	case TypeObject:
		if x, ok := v.(map[string]any); ok {
			return x, nil
		}
		return nil, bad()
	case TypeArray:
		if x, ok := v.([]any); ok {
			return x, nil
		}
		return nil, bad()
	}
	return v, nil
}

func short(v any) string {
	s := value.Text(v)
	if _, ok := v.(string); ok {
		s = strconv.Quote(s)
	}
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
