// Reading YAML: from a yaml.Node to weft's canonical values, with positions.

package workflow

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxAliasExpansion bounds the values that aliases may expand to, so that a
// "billion laughs" document cannot exhaust memory.
const maxAliasExpansion = 100_000

type converter struct {
	d        *diags
	expanded int
}

// toValue converts a YAML node to a canonical value (see package value).
func (c *converter) toValue(n *yaml.Node, depth int) (any, bool) {
	if depth > 200 {
		c.d.add(n, "value nested more than 200 levels deep")
		return nil, false
	}
	switch n.Kind {
	case yaml.AliasNode:
		c.expanded++
		if c.expanded > maxAliasExpansion || n.Alias == nil {
			c.d.add(n, "too many alias expansions (more than %d)", maxAliasExpansion)
			return nil, false
		}
		return c.toValue(n.Alias, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, true
		}
		return c.toValue(n.Content[0], depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		ok := true
		for _, e := range n.Content {
			c.expanded++
			v, good := c.toValue(e, depth+1)
			ok = ok && good
			out = append(out, v)
		}
		return out, ok
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		ok := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			c.expanded++
			if k.Kind != yaml.ScalarNode {
				c.d.add(k, "expected a string key, found a %s", kindName(k))
				ok = false
				continue
			}
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				c.d.add(k, "merge keys (<<) are not supported: write the keys out")
				ok = false
				continue
			}
			if _, dup := out[k.Value]; dup {
				c.d.add(k, "duplicate key %q", k.Value)
				ok = false
				continue
			}
			val, good := c.toValue(v, depth+1)
			ok = ok && good
			out[k.Value] = val
		}
		return out, ok
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	c.d.add(n, "unexpected YAML node")
	return nil, false
}

func (c *converter) scalar(n *yaml.Node) (any, bool) {
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			c.d.add(n, "invalid boolean %q", n.Value)
			return nil, false
		}
		return b, true
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, true
		}
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) {
			return f, true
		}
		c.d.add(n, "integer %s is out of range", n.Value)
		return nil, false
	case "!!float":
		s := strings.ReplaceAll(n.Value, "_", "")
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			c.d.add(n, "invalid number %q", n.Value)
			return nil, false
		}
		return f, true
	case "!!str", "!!timestamp", "!!binary":
		// Timestamps stay text: a date in a prop is what the user wrote.
		return n.Value, true
	}
	c.d.add(n, "unsupported YAML tag %s", n.Tag)
	return nil, false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return fmt.Sprintf("scalar %q", truncate(n.Value, 30))
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
