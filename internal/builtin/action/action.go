// Package action holds weft's built-in action node types, one file per type.
package action

import (
	"fmt"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
)

var specs []*bt.Spec

func register(s ...*bt.Spec) { specs = append(specs, s...) }

// Specs returns this package's node specs.
func Specs() []*bt.Spec { return append([]*bt.Spec(nil), specs...) }

var none = bt.Children{}

// literal returns the value of a prop written without a template. It reports
// false when the prop is absent or holds a template, whose value is only
// known when the node is ticked.
func literal(p *bt.Prop) (any, bool) {
	if p == nil {
		return nil, false
	}
	return p.Value.Literal()
}

// literalInt returns the value of an integer prop written as a literal.
func literalInt(p *bt.Prop) (int64, bool) {
	v, ok := literal(p)
	if !ok {
		return 0, false
	}
	i, err := bt.Coerce(bt.TypeInteger, v)
	if err != nil {
		return 0, false
	}
	return i.(int64), true
}

// blackboardKey evaluates a prop of type key: a non-empty blackboard name.
func blackboardKey(t *bt.Tick, p *bt.Prop, def string) (string, error) {
	k, err := p.String(t, def)
	if err != nil {
		return "", err
	}
	if k == "" && p != nil {
		return "", fmt.Errorf("prop %s: the blackboard key is empty", p.Name)
	}
	return k, nil
}

// parseStatus reads a status name written in a prop, in upper or lower case.
func parseStatus(prop, s string, allowRunning bool) (bt.Status, error) {
	switch strings.ToUpper(s) {
	case "SUCCESS":
		return bt.Success, nil
	case "FAILURE":
		return bt.Failure, nil
	case "RUNNING":
		if allowRunning {
			return bt.Running, nil
		}
	}
	want := "SUCCESS or FAILURE"
	if allowRunning {
		want = "SUCCESS, FAILURE or RUNNING"
	}
	return 0, fmt.Errorf("prop %s: expected %s, found %q", prop, want, s)
}

// withArticle puts "a" or "an" before a type name: "an integer", "a string".
func withArticle(name string) string {
	if name == "null" {
		return name
	}
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
