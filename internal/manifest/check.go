// The checker: reads the decoded TOML document into a Manifest, checking
// every rule and collecting every problem with its position.

package manifest

import (
	suggestpkg "github.com/weft-dev/weft/internal/suggest"

	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	toml "github.com/pelletier/go-toml/v2"

	"github.com/weft-dev/weft/internal/pin"
)

// maxIDLen bounds package ids, node ids and pin names.
const maxIDLen = 128

// maxProblems bounds the problems Parse reports (and the work it does
// describing them): a hostile manifest can hold a million mistakes.
const maxProblems = 100

type checker struct {
	file    string
	ix      *index
	errs    []problem
	dropped int // problems beyond maxProblems
}

type problem struct {
	off int
	err *Error
}

// errors returns the problems sorted in document order.
func (c *checker) errors() *Errors {
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].off < c.errs[j].off })
	list := make([]*Error, len(c.errs), len(c.errs)+1)
	for i, p := range c.errs {
		list[i] = p.err
	}
	if c.dropped > 0 {
		last := list[len(list)-1]
		list = append(list, &Error{File: c.file, Line: last.Line, Column: last.Column,
			Msg: fmt.Sprintf("%d more problems not shown", c.dropped)})
	}
	return &Errors{List: list}
}

func (c *checker) add(off int, field, format string, args ...any) {
	if len(c.errs) >= maxProblems {
		c.dropped++
		return
	}
	line, col := c.ix.lineCol(off)
	c.errs = append(c.errs, problem{off, &Error{File: c.file, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}})
}

// keyErr reports a problem at path's key; valErr at its value.
func (c *checker) keyErr(path, format string, args ...any) {
	c.add(c.ix.keyOffset(path), path, format, args...)
}

func (c *checker) valErr(path, format string, args ...any) {
	c.add(c.ix.valueOffset(path), path, format, args...)
}

// where names a path and its line, for "first at ..." in messages.
func (c *checker) where(path string) string {
	line, _ := c.ix.lineCol(c.ix.keyOffset(path))
	return fmt.Sprintf("%s, line %d", path, line)
}

// table is one TOML table being read.
type table struct {
	c    *checker
	path string
	m    map[string]any
}

// asTable checks that v (at path) is a table.
func (c *checker) asTable(path string, v any) *table {
	m, ok := v.(map[string]any)
	if !ok {
		c.valErr(path, "expected a table, found %s", describe(v))
		return nil
	}
	return &table{c: c, path: path, m: m}
}

// known reports every key of t not in keys.
func (t *table) known(keys ...string) {
	var unknown []string
	for k := range t.m {
		found := false
		for _, want := range keys {
			if k == want {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if len(t.c.errs) >= maxProblems {
			t.c.dropped++
			continue
		}
		msg := "unknown key"
		if s := suggest(k, keys); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += " (expected one of " + strings.Join(keys, ", ") + ")"
		}
		t.c.keyErr(join(t.path, k), "%s", msg)
	}
}

// get returns the value of key and its path.
func (t *table) get(key string) (any, string, bool) {
	v, ok := t.m[key]
	return v, join(t.path, key), ok
}

// missing reports a required key that is absent.
func (t *table) missing(key, what string) {
	t.c.add(t.c.ix.keyOffset(t.path), join(t.path, key), "missing; expected %s", what)
}

// str reads an optional string.
func (t *table) str(key string) (string, string, bool) {
	v, path, ok := t.get(key)
	if !ok {
		return "", path, false
	}
	s, isStr := v.(string)
	if !isStr {
		t.c.valErr(path, "expected a string, found %s", describe(v))
		return "", path, false
	}
	return s, path, true
}

// text reads an optional display string (see textProblem).
func (t *table) text(key string, multiline bool) string {
	s, path, ok := t.str(key)
	if ok {
		if p := textProblem(s, multiline); p != "" {
			t.c.valErr(path, "%s", p)
		}
	}
	return s
}

// requiredText reads a display string that must be present and not empty.
func (t *table) requiredText(key string, what string) string {
	if _, ok := t.m[key]; !ok {
		t.missing(key, what)
		return ""
	}
	s := t.text(key, false)
	if _, isStr := t.m[key].(string); isStr && strings.TrimSpace(s) == "" {
		t.c.valErr(join(t.path, key), "expected %s, found an empty string", what)
	}
	return s
}

// boolean reads an optional boolean.
func (t *table) boolean(key string) bool {
	v, path, ok := t.get(key)
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		t.c.valErr(path, "expected true or false, found %s", describe(v))
	}
	return b
}

// texts reads an optional array of display strings.
func (t *table) texts(key string) []string {
	v, path, ok := t.get(key)
	if !ok {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		t.c.valErr(path, "expected an array of strings, found %s", describe(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		p := path + "[" + strconv.Itoa(i) + "]"
		s, isStr := e.(string)
		if !isStr {
			t.c.valErr(p, "expected a string, found %s", describe(e))
			continue
		}
		if prob := textProblem(s, false); prob != "" {
			t.c.valErr(p, "%s", prob)
		}
		out = append(out, s)
	}
	return out
}

// tables reads an optional array of tables.
func (t *table) tables(key string) ([]*table, bool) {
	v, path, ok := t.get(key)
	if !ok {
		return nil, false
	}
	list, isList := v.([]any)
	if !isList {
		t.c.valErr(path, "expected an array of tables ([[%s]]), found %s", stripIndexes(path), describe(v))
		return nil, true
	}
	out := make([]*table, 0, len(list))
	for i, e := range list {
		if et := t.c.asTable(path+"["+strconv.Itoa(i)+"]", e); et != nil {
			out = append(out, et)
		}
	}
	return out, true
}

var topKeys = []string{"manifest_version", "id", "name", "version", "description", "authors", "license",
	"homepage", "repository", "keywords", "min_weft_version", "wasm", "script", "fresh_instance", "permissions", "build", "nodes"}

func (c *checker) manifest(doc map[string]any) *Manifest {
	m := &Manifest{}
	t := &table{c: c, m: doc}
	t.known(topKeys...)

	if v, path, ok := t.get("manifest_version"); !ok {
		t.missing("manifest_version", "manifest_version = 1")
	} else if i, isInt := v.(int64); !isInt || i != 1 {
		c.valErr(path, "expected 1 (the only manifest version), found %s", describe(v))
	} else {
		m.ManifestVersion = 1
	}

	_, m.scriptPackage = doc["script"]
	if id, path, ok := t.str("id"); ok {
		if m.scriptPackage && TypeScriptNameProblem(strings.TrimPrefix(id, TypeScriptPrefix)) == "" && strings.HasPrefix(id, TypeScriptPrefix) {
			// ts.NAME, a TypeScript node's package (see Manifest.Script).
		} else if p := packageIDProblem(id); p != "" {
			c.valErr(path, "expected a reverse-DNS id of lower-case letters, digits, '-' and '.', with at least one dot, like \"com.example.tools\"; found %s (%s)", preview(id), p)
		}
		m.ID = id
	} else if _, present := doc["id"]; !present {
		t.missing("id", `a reverse-DNS id like "com.example.tools"`)
	}
	m.Name = t.requiredText("name", "the package's display name")
	if v, path, ok := t.str("version"); ok {
		if _, err := semver.StrictNewVersion(v); err != nil {
			c.valErr(path, "expected a semantic version like \"1.0.0\", found %s", preview(v))
		}
		m.Version = v
	} else if _, present := doc["version"]; !present {
		t.missing("version", `a semantic version like "1.0.0"`)
	}
	m.Description = t.text("description", true)
	m.Authors = t.texts("authors")
	m.License = t.text("license", false)
	m.Homepage = t.text("homepage", false)
	m.Repository = t.text("repository", false)
	m.Keywords = t.texts("keywords")
	if v, path, ok := t.str("min_weft_version"); ok {
		if _, err := semver.StrictNewVersion(v); err != nil {
			c.valErr(path, "expected a semantic version like \"0.1.0\", found %s", preview(v))
		}
		m.MinWeftVersion = v
	}
	if v, path, ok := t.str("wasm"); ok {
		if err := CheckModulePath(v); err != nil {
			c.valErr(path, "%v", err)
		}
		m.Wasm = v
	}
	if v, path, ok := t.str("script"); ok {
		if err := CheckScriptPath(v); err != nil {
			c.valErr(path, "%v", err)
		}
		if m.Wasm != "" {
			c.valErr(path, "a package runs either WebAssembly (wasm) or JavaScript (script), not both; found wasm = %s too", preview(m.Wasm))
		}
		m.Script = v
	}
	m.FreshInstance = t.boolean("fresh_instance")

	if v, path, ok := t.get("permissions"); ok {
		if pt := c.asTable(path, v); pt != nil {
			m.Permissions = c.permissions(pt)
		}
	}
	if v, path, ok := t.get("build"); ok {
		if bt := c.asTable(path, v); bt != nil {
			bt.known("command", "test")
			m.Build = &Build{Command: bt.requiredText("command", "the command that builds the module(s)"), Test: bt.text("test", false)}
		}
	}

	declared := map[string]bool{}
	for _, s := range m.Permissions.OAuthScopes {
		if s.Provider != "" {
			declared[s.Provider] = true
		}
	}
	nodes, present := t.tables("nodes")
	if !present {
		t.missing("nodes", "at least one [[nodes]] table")
	} else if list, isList := doc["nodes"].([]any); isList && len(list) == 0 {
		c.valErr("nodes", "expected at least one node, found none")
	}
	seen := map[string]string{} // node id -> path
	for _, nt := range nodes {
		m.Nodes = append(m.Nodes, c.node(nt, m, declared, seen))
	}
	return m
}

func (c *checker) permissions(t *table) Permissions {
	var p Permissions
	t.known("memory", "timeout", "variables", "cache", "state", "storage", "http", "oauth_scopes")
	if v, path, ok := t.str("memory"); ok {
		if _, valid := MemoryTiers[v]; !valid {
			c.valErr(path, "expected one of %s, found %s", memoryTierNames, preview(v))
		}
		p.Memory = v
	}
	if v, path, ok := t.str("timeout"); ok {
		if _, valid := TimeoutTiers[v]; !valid {
			c.valErr(path, "expected one of %s, found %s", timeoutTierNames, preview(v))
		}
		p.Timeout = v
	}
	p.Variables = t.boolean("variables")
	p.Cache = t.boolean("cache")
	p.State = t.boolean("state")
	p.Storage = t.boolean("storage")
	if v, path, ok := t.get("http"); ok {
		if ht := c.asTable(path, v); ht != nil {
			ht.known("allowed_hosts", "allow_private")
			hosts, hostsPath := ht.texts("allowed_hosts"), join(ht.path, "allowed_hosts")
			for i, h := range hosts {
				if prob := hostProblem(h); prob != "" {
					c.valErr(hostsPath+"["+strconv.Itoa(i)+"]", "expected a host name like \"api.example.com\" or a pattern like \"*.example.com\"; found %s (%s)", preview(h), prob)
				}
			}
			p.HTTP = HTTP{AllowedHosts: hosts, AllowPrivate: ht.boolean("allow_private")}
		}
	}
	scopes, _ := t.tables("oauth_scopes")
	providers := map[string]string{}
	for _, st := range scopes {
		st.known("provider", "scopes", "reason", "required")
		s := OAuthScope{
			Provider: st.requiredText("provider", `a provider name like "google"`),
			Scopes:   st.texts("scopes"),
			Reason:   st.text("reason", true),
			Required: st.boolean("required"),
		}
		if s.Provider != "" {
			if first, dup := providers[s.Provider]; dup {
				c.valErr(join(st.path, "provider"), "provider %s is declared twice (first at %s)", preview(s.Provider), first)
			} else {
				providers[s.Provider] = c.where(st.path)
			}
		}
		p.OAuthScopes = append(p.OAuthScopes, s)
	}
	return p
}

func (c *checker) node(t *table, m *Manifest, declared map[string]bool, seen map[string]string) Node {
	var n Node
	t.known("id", "name", "description", "category", "icon", "oauth_providers", "wasm", "scores", "inputs", "outputs")
	if id, path, ok := t.str("id"); ok {
		if p := nodeIDProblem(id); p != "" && !(m.scriptPackage && TypeScriptNameProblem(id) == "") {
			c.valErr(path, "expected a node id of lower-case letters, digits, '_' and '-', like \"add\"; found %s (%s)", preview(id), p)
		} else if first, dup := seen[id]; dup {
			c.valErr(path, "duplicate node id %s (first at %s)", preview(id), first)
		} else {
			seen[id] = c.where(t.path)
		}
		n.ID = id
	} else if _, present := t.m["id"]; !present {
		t.missing("id", `a node id like "add"`)
	}
	n.Name = t.requiredText("name", "the node's display name")
	n.Description = t.text("description", true)
	n.Category = t.text("category", false)
	n.Icon = t.text("icon", false)
	n.OAuthProviders = t.texts("oauth_providers")
	for i, prov := range n.OAuthProviders {
		if !declared[prov] {
			names := make([]string, 0, len(declared))
			for d := range declared {
				names = append(names, d)
			}
			sort.Strings(names)
			have := "none is declared"
			if len(names) > 0 {
				have = "declared: " + strings.Join(names, ", ")
			}
			c.valErr(join(t.path, "oauth_providers")+"["+strconv.Itoa(i)+"]",
				"provider %s is not declared in [[permissions.oauth_scopes]] (%s)", preview(prov), have)
		}
	}
	if v, path, ok := t.str("wasm"); ok {
		if err := CheckModulePath(v); err != nil {
			c.valErr(path, "%v", err)
		}
		if m.scriptPackage {
			c.valErr(path, "the package runs JavaScript (script = ...): its nodes take no wasm")
		}
		n.Wasm = v
	}
	if v, path, ok := t.get("scores"); ok {
		if st := c.asTable(path, v); st != nil {
			n.Scores = c.scores(st)
		}
	}
	n.Inputs = c.pins(t, "inputs", false)
	n.Outputs = c.pins(t, "outputs", true)
	return n
}

func (c *checker) scores(t *table) *Scores {
	t.known("privacy", "security", "performance", "governance", "reliability", "cost")
	score := func(key string) int {
		v, path, ok := t.get(key)
		if !ok {
			return 0
		}
		i, isInt := v.(int64)
		if !isInt || i < 0 || i > 10 {
			c.valErr(path, "expected an integer from 0 to 10, found %s", describe(v))
			return 0
		}
		return int(i)
	}
	return &Scores{Privacy: score("privacy"), Security: score("security"), Performance: score("performance"),
		Governance: score("governance"), Reliability: score("reliability"), Cost: score("cost")}
}

// pins reads [[nodes.inputs]] or [[nodes.outputs]].
func (c *checker) pins(n *table, key string, output bool) []pin.Spec {
	tables, _ := n.tables(key)
	direction := "input"
	if output {
		direction = "output"
	}
	var specs []pin.Spec
	names := map[string]string{}
	for _, t := range tables {
		t.known("name", "type", "value_type", "valid_values", "required", "default", "description")
		var s pin.Spec
		if name, path, ok := t.str("name"); ok {
			if p := pinNameProblem(name); p != "" {
				c.valErr(path, "expected a pin name of letters, digits and '_', not starting with a digit, like \"sum\"; found %s (%s)", preview(name), p)
			} else if first, dup := names[name]; dup {
				c.valErr(path, "duplicate %s pin name %s (first at %s)", direction, preview(name), first)
			} else {
				names[name] = c.where(t.path)
			}
			s.Name = name
		} else if _, present := t.m["name"]; !present {
			t.missing("name", `a pin name like "sum"`)
		}
		typeOK := false
		if ty, path, ok := t.str("type"); ok {
			if typeOK = pin.Type(ty).Valid(); !typeOK {
				c.valErr(path, "expected one of %s, found %s", pin.TypeNames, preview(ty))
			}
			s.Type = pin.Type(ty)
		} else if _, present := t.m["type"]; !present {
			t.missing("type", "one of "+pin.TypeNames)
		}
		s.ValueType = pin.Normal
		if vt, path, ok := t.str("value_type"); ok {
			if !pin.ValueType(vt).Valid() || vt == "" {
				c.valErr(path, "expected one of %s, found %s", pin.ValueTypeNames, preview(vt))
				typeOK = false
			} else if s.Type == pin.Execution && vt != string(pin.Normal) {
				c.valErr(path, "expected \"normal\" (an execution pin carries no value), found %s", preview(vt))
				typeOK = false
			} else {
				s.ValueType = pin.ValueType(vt)
			}
		}
		s.Description = t.text("description", true)
		if v, path, ok := t.get("valid_values"); ok && typeOK {
			if !c.validValues(&s, path, v) {
				typeOK = false // a default cannot be checked against them
			}
		}
		if output {
			for _, k := range []string{"required", "default"} {
				if _, ok := t.m[k]; ok {
					c.keyErr(join(t.path, k), "outputs take only name, type, value_type, valid_values and description")
				}
			}
		} else {
			s.Required = t.boolean("required")
			if v, path, ok := t.get("default"); ok {
				switch {
				case s.Required:
					c.keyErr(path, "a required pin takes no default (the workflow must give its value); remove one of them")
				case typeOK:
					if d, ok := c.defaultValue(&s, path, v); ok {
						s.Default, s.HasDefault = d, true
					}
				}
			}
		}
		specs = append(specs, s)
	}
	return specs
}

// validValues reads a pin's valid_values (an extension of manifest.md): a
// non-empty array of distinct values of the pin's type (its element type,
// for arrays, sets and maps), which become s.ValidValues.
func (c *checker) validValues(s *pin.Spec, path string, v any) bool {
	list, isList := v.([]any)
	if !isList {
		c.valErr(path, "expected an array of the values the pin takes, like [\"fast\", \"slow\"]; found %s", describe(v))
		return false
	}
	val, bad, badPath := fromTOML(list, path)
	if bad != nil {
		c.valErr(badPath, "expected %s, found %s (local dates and times have no JSON form; write an offset date-time like 2025-01-01T00:00:00Z)",
			string(s.Type), describe(bad))
		return false
	}
	if s.Type == pin.Integer {
		if f, fPath, found := findFloat(val, pin.Array); found {
			c.valErr(path+fPath, "expected integer, found %s", describe(f))
			return false
		}
	}
	if err := s.SetValidValues(val.([]any)); err != nil {
		me, ok := err.(*pin.MismatchError)
		switch {
		case !ok:
			c.valErr(path, "%v", err)
		case me.Expected != "":
			c.valErr(path+me.Path, "expected %s, found %s", me.Expected, me.Found)
		default:
			c.valErr(path+me.Path, "%s", me.Found)
		}
		return false
	}
	return true
}

// defaultValue converts a TOML default to the pin's canonical value.
func (c *checker) defaultValue(s *pin.Spec, path string, v any) (any, bool) {
	if s.Type == pin.Execution {
		c.valErr(path, "an execution pin takes no default, found %s", describe(v))
		return nil, false
	}
	val, bad, badPath := fromTOML(v, path)
	if bad != nil {
		msg := "local dates and times have no JSON form; write an offset date-time like 2025-01-01T00:00:00Z, or a string; found " + describe(bad)
		if s.Type == pin.Date {
			msg = "expected date (an offset date-time like 2025-01-01T00:00:00Z), found " + describe(bad)
		}
		c.valErr(badPath, "%s", msg)
		return nil, false
	}
	if s.Type == pin.Integer {
		// Coerce takes exact floats as integers; a manifest must say what it means.
		if f, fPath, found := findFloat(val, s.ValueType); found {
			c.valErr(path+fPath, "expected integer, found %s", describe(f))
			return nil, false
		}
	}
	out, err := s.Coerce(val)
	if err != nil {
		if me, ok := err.(*pin.MismatchError); ok {
			if me.Expected != "" {
				c.valErr(path+me.Path, "expected %s, found %s", me.Expected, me.Found)
			} else {
				c.valErr(path+me.Path, "%s", me.Found)
			}
		} else {
			c.valErr(path, "%v", err)
		}
		return nil, false
	}
	return out, true
}

// fromTOML converts a decoded TOML value to a canonical value, reporting
// the first local date/time (which has no canonical form) and its path.
func fromTOML(v any, path string) (any, any, string) {
	switch x := v.(type) {
	case toml.LocalDate, toml.LocalTime, toml.LocalDateTime:
		return nil, v, path
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, bad, badPath := fromTOML(e, path+"["+strconv.Itoa(i)+"]")
			if bad != nil {
				return nil, bad, badPath
			}
			out[i] = c
		}
		return out, nil, ""
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			c, bad, badPath := fromTOML(x[k], join(path, k))
			if bad != nil {
				return nil, bad, badPath
			}
			out[k] = c
		}
		return out, nil, ""
	}
	return v, nil, ""
}

// findFloat finds a float where an integer pin's value has an integer.
func findFloat(v any, vt pin.ValueType) (any, string, bool) {
	switch vt {
	case pin.Array, pin.Set:
		list, _ := v.([]any)
		for i, e := range list {
			if _, ok := e.(float64); ok {
				return e, "[" + strconv.Itoa(i) + "]", true
			}
		}
	case pin.Map:
		m, _ := v.(map[string]any)
		for _, k := range sortedKeys(m) {
			if _, ok := m[k].(float64); ok {
				return m[k], "[" + strconv.Quote(k) + "]", true
			}
		}
	default:
		if _, ok := v.(float64); ok {
			return v, "", true
		}
	}
	return nil, "", false
}

// stripIndexes turns "nodes[0].inputs" into "nodes.inputs", as a TOML
// header names it.
func stripIndexes(path string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '[' && depth == 0 && i+1 < len(path) && path[i+1] >= '0' && path[i+1] <= '9':
			depth = 1
		case c == ']' && depth == 1:
			depth = 0
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// packageIDProblem says what is wrong with a package id, or "".
func packageIDProblem(id string) string {
	if id == "" {
		return "empty"
	}
	if len(id) > maxIDLen {
		return fmt.Sprintf("longer than %d bytes", maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Sprintf("%q is not allowed", rune(c))
		}
	}
	if !strings.Contains(id, ".") {
		return "no dot"
	}
	for _, label := range strings.Split(id, ".") {
		if label == "" {
			return "empty label: a dot at the start or end, or two dots in a row"
		}
	}
	return ""
}

// nodeIDProblem says what is wrong with a node id, or "".
func nodeIDProblem(id string) string {
	if id == "" {
		return "empty"
	}
	if len(id) > maxIDLen {
		return fmt.Sprintf("longer than %d bytes", maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Sprintf("%q is not allowed", rune(c))
		}
	}
	return ""
}

// pinNameProblem says what is wrong with a pin name, or "".
func pinNameProblem(name string) string {
	if name == "" {
		return "empty"
	}
	if len(name) > maxIDLen {
		return fmt.Sprintf("longer than %d bytes", maxIDLen)
	}
	if c := name[0]; c >= '0' && c <= '9' {
		return "starts with a digit"
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Sprintf("%q is not allowed", rune(c))
		}
	}
	return ""
}

// textProblem says what is wrong with a display string, or "": control
// characters (tab and newline are allowed in multi-line text) and the
// bidirectional overrides that can make text read differently from what it
// is.
func textProblem(s string, multiline bool) string {
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("control character %U is not allowed here", r)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("bidirectional control character %U is not allowed", r)
		}
	}
	return ""
}

// hostProblem says what is wrong with an allowed_hosts entry, or "".
func hostProblem(h string) string {
	switch {
	case h == "":
		return "empty"
	case strings.Contains(h, "://"):
		return "a URL: write the host name alone, without scheme"
	case strings.ContainsAny(h, "/?#"):
		return "write the host name alone, without path"
	case strings.Contains(h, "@"):
		return "write the host name alone, without user"
	case strings.HasPrefix(h, "["):
		return "write IPv6 addresses without brackets"
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Zone() != "" {
			return "IPv6 zones are not allowed"
		}
		if a.String() != h {
			return fmt.Sprintf("write the address as %s", a)
		}
		return ""
	}
	if strings.Contains(h, ":") {
		return "write the host name alone, without port (any port of a listed host is allowed)"
	}
	name := strings.TrimPrefix(h, "*.")
	if strings.Contains(name, "*") {
		return `"*" is allowed only as a leading "*."`
	}
	if name != strings.ToLower(name) {
		return "host names are written in lower case"
	}
	if strings.HasSuffix(name, ".") {
		return "no trailing dot"
	}
	if len(name) > 253 {
		return "longer than 253 bytes"
	}
	numeric := true
	for _, label := range strings.Split(name, ".") {
		if label == "" {
			return "empty label: two dots in a row, or a dot at the start"
		}
		if len(label) > 63 {
			return "a label is longer than 63 bytes"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "a label starts or ends with '-'"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("%q is not allowed in a host name", rune(c))
			}
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == 'x') {
				numeric = false
			}
		}
	}
	if numeric && name[0] >= '0' && name[0] <= '9' {
		return "not a valid IP address"
	}
	return ""
}

// CheckModulePath checks a module path inside a package (the manifest's
// wasm fields, and .wasm entries of a package file): relative, '/'-separated
// segments of letters, digits, '.', '_' and '-', none "." or "..", ending in
// ".wasm", at most 255 bytes.
//
// # Errors
//
// An error naming the path and what is wrong with it.
func CheckModulePath(p string) error {
	if prob := pathProblem(p); prob != "" {
		return fmt.Errorf("expected a relative path to a .wasm file inside the package, like \"math.wasm\" or \"build/math.wasm\"; found %s (%s)", preview(p), prob)
	}
	if !strings.HasSuffix(p, ".wasm") || strings.HasSuffix(p, "/.wasm") || p == ".wasm" {
		return fmt.Errorf("expected a relative path to a .wasm file inside the package, like \"math.wasm\"; found %s (not a NAME.wasm file)", preview(p))
	}
	return nil
}

// CheckScriptPath checks the script key of a JavaScript package: a
// relative '/'-separated path inside the package ending in ".js", as
// CheckModulePath has it for modules.
//
// # Errors
//
// An error naming the path and what is wrong with it.
func CheckScriptPath(p string) error {
	if prob := pathProblem(p); prob != "" {
		return fmt.Errorf("expected a relative path to a .js file inside the package, like \"node.js\"; found %s (%s)", preview(p), prob)
	}
	if !strings.HasSuffix(p, ".js") || strings.HasSuffix(p, "/.js") || p == ".js" {
		return fmt.Errorf("expected a relative path to a .js file inside the package, like \"node.js\"; found %s (not a NAME.js file)", preview(p))
	}
	return nil
}

// TypeScriptPrefix starts the package id of a TypeScript node uploaded by
// name: ts.NAME.
const TypeScriptPrefix = "ts."

// TypeScriptNameProblem says what is wrong with the name of a TypeScript
// node (api-v1.md: ^[A-Za-z][A-Za-z0-9_-]{0,254}$), or "".
func TypeScriptNameProblem(name string) string {
	switch {
	case name == "":
		return "empty"
	case len(name) > 255:
		return "longer than 255 bytes"
	case !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z'):
		return "it must start with a letter"
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Sprintf("%q is not allowed", rune(c))
		}
	}
	return ""
}

// pathProblem checks a relative path inside a package.
func pathProblem(p string) string {
	switch {
	case p == "":
		return "empty"
	case len(p) > 255:
		return "longer than 255 bytes"
	case p[0] == '/':
		return "absolute"
	case strings.Contains(p, `\`):
		return `'\' is not a separator; use '/'`
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return "empty segment"
		case ".", "..":
			return fmt.Sprintf("%q segment", seg)
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Sprintf("%q is not allowed", rune(c))
			}
		}
	}
	return ""
}

// suggest returns the key of keys closest to k, if close enough to be a
// likely typo.
func suggest(k string, keys []string) string {
	best, bestDist := "", 3
	for _, want := range keys {
		if d := suggestpkg.Distance(strings.ToLower(k), want); d < bestDist {
			best, bestDist = want, d
		}
	}
	return best
}
