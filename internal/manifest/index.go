// The position index: where each key path of a TOML document is, so that
// errors found after decoding (semantic checks) still carry a line and
// column. Built with go-toml's unstable parser, which walks the document's
// expressions in order.

package manifest

import (
	"sort"
	"strconv"

	"github.com/pelletier/go-toml/v2/unstable"
)

// index maps key paths ("nodes[1].inputs[0].default") to byte offsets.
type index struct {
	keys  map[string]int // where the key (or table header) is
	vals  map[string]int // where the value is
	lines []int          // offset of the start of each line
	count int            // keys and table headers seen
}

// maxKeys bounds the keys and table headers of a manifest. go-toml's
// duplicate-key check is quadratic in their number, so a hostile 1 MiB
// manifest of short keys would cost seconds of CPU; real manifests have a
// few hundred.
const maxKeys = 20000

// buildIndex indexes data. It stops early, returning the offset where the
// document passed maxKeys (else -1). A TOML syntax error ends the index
// silently: go-toml reports it.
func buildIndex(data []byte) (ix *index, tooMany int) {
	ix = &index{keys: map[string]int{}, vals: map[string]int{}, lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			ix.lines = append(ix.lines, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	cur := ""                  // the current table's resolved path
	counts := map[string]int{} // elements of each array table seen so far
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			parts, off := keyParts(e)
			path := cur
			for i, part := range parts {
				path = join(path, part)
				if i < len(parts)-1 {
					ix.setKey(path, off) // a dotted key's implicit table
				}
			}
			ix.setKey(path, off)
			ix.value(path, e.Value(), off)
		case unstable.Table:
			parts, off := keyParts(e)
			cur = resolve(parts, counts)
			ix.keys[cur] = off
			ix.vals[cur] = off
		case unstable.ArrayTable:
			parts, off := keyParts(e)
			parent := resolve(parts[:len(parts)-1], counts)
			path := join(parent, parts[len(parts)-1])
			n := counts[path]
			counts[path] = n + 1
			ix.setKey(path, off)
			cur = path + "[" + strconv.Itoa(n) + "]"
			ix.keys[cur] = off
			ix.vals[cur] = off
		default:
			continue
		}
		if ix.count++; ix.count > maxKeys {
			_, off := keyParts(e)
			return ix, off
		}
	}
	return ix, -1
}

// keyParts returns the parts of a node's key and the offset of its first
// part.
func keyParts(e *unstable.Node) ([]string, int) {
	var parts []string
	off := -1
	it := e.Key()
	for it.Next() {
		k := it.Node()
		if off < 0 {
			off = int(k.Raw.Offset)
		}
		parts = append(parts, string(k.Data))
	}
	return parts, off
}

// resolve turns a header's key parts into a path, descending into the last
// element of every array table on the way ([nodes.scores] after the second
// [[nodes]] is nodes[1].scores).
func resolve(parts []string, counts map[string]int) string {
	path := ""
	for _, part := range parts {
		path = join(path, part)
		if n := counts[path]; n > 0 {
			path += "[" + strconv.Itoa(n-1) + "]"
		}
	}
	return path
}

func (ix *index) setKey(path string, off int) {
	if _, ok := ix.keys[path]; !ok {
		ix.keys[path] = off
	}
}

// value indexes a value node and, for arrays and inline tables, what it
// holds; fallback is the offset to use when the node has none (arrays).
func (ix *index) value(path string, v *unstable.Node, fallback int) {
	off := fallback
	if v.Raw.Length > 0 {
		off = int(v.Raw.Offset)
	}
	ix.vals[path] = off
	switch v.Kind {
	case unstable.Array:
		i := 0
		it := v.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			elem := path + "[" + strconv.Itoa(i) + "]"
			ix.keys[elem] = off
			ix.value(elem, c, off)
			i++
		}
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue
			}
			parts, koff := keyParts(kv)
			p := path
			for _, part := range parts {
				p = join(p, part)
				ix.setKey(p, koff)
			}
			ix.count++
			ix.value(p, kv.Value(), koff)
		}
	}
}

// join appends a key to a path, quoting keys that are not bare TOML keys.
func join(path, key string) string {
	if !bareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func bareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// lineCol converts an offset to a 1-based line and column.
func (ix *index) lineCol(off int) (int, int) {
	if off < 0 {
		return 1, 1
	}
	line := sort.Search(len(ix.lines), func(i int) bool { return ix.lines[i] > off }) - 1
	return line + 1, off - ix.lines[line] + 1
}

// keyOffset is where path's key is, or its nearest indexed ancestor's.
func (ix *index) keyOffset(path string) int {
	for {
		if off, ok := ix.keys[path]; ok {
			return off
		}
		if path = parent(path); path == "" {
			return -1
		}
	}
}

// valueOffset is where path's value is, or its key's.
func (ix *index) valueOffset(path string) int {
	if off, ok := ix.vals[path]; ok {
		return off
	}
	return ix.keyOffset(path)
}

// parent strips the last key or index from a path.
func parent(path string) string {
	if path == "" {
		return ""
	}
	if path[len(path)-1] == ']' {
		for i := len(path) - 1; i >= 0; i-- {
			if path[i] == '[' {
				return path[:i]
			}
		}
		return ""
	}
	if path[len(path)-1] == '"' {
		// a quoted key: find its opening quote, skipping escaped quotes
		for i := len(path) - 2; i >= 0; i-- {
			if path[i] == '"' && (i == 0 || path[i-1] != '\\') {
				if i > 0 && path[i-1] == '.' {
					return path[:i-1]
				}
				return path[:i]
			}
		}
		return ""
	}
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case '.':
			return path[:i]
		case ']', '"':
			return path[:i+1]
		}
	}
	return ""
}
