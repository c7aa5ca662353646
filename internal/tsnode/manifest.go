// manifest.go: the node's declaration (what node({...}) was given) read
// strictly, and written out as the package's manifest.toml.

package tsnode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/manifest"
)

// member is one key of a JSON object, in the order written.
type member struct {
	key string
	val json.RawMessage
}

// members decodes a JSON object keeping its key order; null or absent is
// no members.
func members(raw json.RawMessage) ([]member, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{t.(string), v})
	}
	return out, true
}

// kindOf names a JSON value's kind for "found ..." in messages.
func kindOf(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "nothing"
	case s[0] == '{':
		return "an object"
	case s[0] == '[':
		return "an array"
	case s[0] == '"':
		if len(s) > 42 {
			s = s[:40] + `..."`
		}
		return "the string " + s
	case s == "true" || s == "false":
		return "the boolean " + s
	}
	return "the number " + s
}

// checker collects the declaration's problems.
type checker struct {
	file string
	errs []Problem
}

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, Problem{File: c.file, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) unknown(field, key string, known []string) {
	hint := ""
	if s := bt.Nearest(key, known); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	c.add(join(field, key), "unknown key%s; expected one of %s", hint, strings.Join(known, ", "))
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func (c *checker) str(field string, raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		c.add(field, "expected a string, found %s", kindOf(raw))
		return "", false
	}
	return s, true
}

func (c *checker) boolean(field string, raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		c.add(field, "expected true or false, found %s", kindOf(raw))
	}
	return b
}

func (c *checker) strings(field string, raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		c.add(field, "expected an array of strings, found %s", kindOf(raw))
	}
	return list
}

// declaration is what DescribeNode read: every field as the module wrote it.
type declaration struct {
	Export      string          `json:"export"` // "default", or the named export
	Name        json.RawMessage `json:"name"`
	Description json.RawMessage `json:"description"`
	Category    json.RawMessage `json:"category"`
	Inputs      json.RawMessage `json:"inputs"`
	Outputs     json.RawMessage `json:"outputs"`
	Permissions json.RawMessage `json:"permissions"`
}

// pinTypes are the types a TypeScript node's pins may have: the
// manifest's, except execution, which only flow-control nodes use.
var pinTypes = []string{"string", "integer", "float", "boolean", "date", "path", "struct", "bytes", "generic"}

var valueTypes = []string{"normal", "array", "map", "set"}

var pinKeys = []string{"type", "value_type", "description", "required", "default", "valid_values"}

var permKeys = []string{"memory", "timeout", "variables", "cache", "state", "storage", "http", "oauth_scopes"}

// pinDecl is one pin as written.
type pinDecl struct {
	name, typ, valueType, description string
	required                          bool
	def                               json.RawMessage // nil: no default
	validValues                       json.RawMessage // nil: any value
}

func (c *checker) pins(field string, raw json.RawMessage, output bool) []pinDecl {
	ms, ok := members(raw)
	if !ok {
		c.add(field, "expected an object of pins, {name: \"string\"} or {name: {type, description, ...}}, found %s", kindOf(raw))
		return nil
	}
	var out []pinDecl
	for _, m := range ms {
		f := join(field, m.key)
		p := pinDecl{name: m.key}
		if s := strings.TrimSpace(string(m.val)); s != "" && s[0] == '"' {
			p.typ, _ = c.str(f, m.val)
		} else if pm, ok := members(m.val); ok && len(s) > 0 && s[0] == '{' {
			for _, k := range pm {
				switch k.key {
				case "type":
					p.typ, _ = c.str(f+".type", k.val)
				case "value_type":
					p.valueType, _ = c.str(f+".value_type", k.val)
				case "description":
					p.description, _ = c.str(f+".description", k.val)
				case "required":
					if output {
						c.add(f+".required", "outputs take type, value_type, valid_values and description only")
					}
					p.required = c.boolean(f+".required", k.val)
				case "default":
					if output {
						c.add(f+".default", "outputs take type, value_type, valid_values and description only")
					}
					p.def = k.val
				case "valid_values":
					p.validValues = k.val
				default:
					c.unknown(f, k.key, pinKeys)
				}
			}
			if p.typ == "" && !slices.ContainsFunc(pm, func(k member) bool { return k.key == "type" }) {
				c.add(f+".type", "missing: the pin's type, one of %s", strings.Join(pinTypes, ", "))
				continue
			}
		} else {
			c.add(f, "expected a pin type such as \"string\", or {type, description, ...}, found %s", kindOf(m.val))
			continue
		}
		if p.typ != "" && !slices.Contains(pinTypes, p.typ) {
			hint := ""
			if s := bt.Nearest(p.typ, pinTypes); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			c.add(join(f, "type"), "expected one of %s, found %q%s", strings.Join(pinTypes, ", "), p.typ, hint)
		}
		if p.valueType != "" && !slices.Contains(valueTypes, p.valueType) {
			c.add(f+".value_type", "expected one of %s, found %q", strings.Join(valueTypes, ", "), p.valueType)
		}
		out = append(out, p)
	}
	return out
}

// permissions is the declaration's permissions, checked.
type permissions struct {
	memory, timeout                  string
	variables, cache, state, storage bool
	allowedHosts                     []string
	allowPrivate                     bool
	oauth                            []oauthDecl
}

type oauthDecl struct {
	provider, reason string
	scopes           []string
	required         bool
}

func (c *checker) permissions(prefix string, raw json.RawMessage) permissions {
	var p permissions
	ms, ok := members(raw)
	if !ok {
		c.add(prefix+"permissions", "expected an object, {http: {allowed_hosts: [...]}, timeout: \"quick\", ...}, found %s", kindOf(raw))
		return p
	}
	tier := func(field string, v json.RawMessage, tiers []string) string {
		s, ok := c.str(field, v)
		if ok && !slices.Contains(tiers, s) {
			c.add(field, "expected one of %s, found %q", strings.Join(tiers, ", "), s)
		}
		return s
	}
	for _, m := range ms {
		f := prefix + "permissions." + m.key
		switch m.key {
		case "memory":
			p.memory = tier(f, m.val, tierNames(manifest.MemoryTiers))
		case "timeout":
			p.timeout = tier(f, m.val, tierNames(manifest.TimeoutTiers))
		case "variables":
			p.variables = c.boolean(f, m.val)
		case "cache":
			p.cache = c.boolean(f, m.val)
		case "state":
			p.state = c.boolean(f, m.val)
		case "storage":
			p.storage = c.boolean(f, m.val)
		case "http":
			hm, ok := members(m.val)
			if !ok {
				c.add(f, "expected {allowed_hosts: [\"api.example.com\"], allow_private?: boolean}, found %s", kindOf(m.val))
				continue
			}
			for _, h := range hm {
				switch h.key {
				case "allowed_hosts":
					p.allowedHosts = c.strings(f+".allowed_hosts", h.val)
				case "allow_private":
					p.allowPrivate = c.boolean(f+".allow_private", h.val)
				default:
					c.unknown(f, h.key, []string{"allowed_hosts", "allow_private"})
				}
			}
		case "oauth_scopes":
			var list []json.RawMessage
			if json.Unmarshal(m.val, &list) != nil {
				c.add(f, "expected an array of {provider, scopes, reason, required}, found %s", kindOf(m.val))
				continue
			}
			for i, item := range list {
				fi := fmt.Sprintf("%s[%d]", f, i)
				om, ok := members(item)
				if !ok {
					c.add(fi, "expected {provider, scopes, reason, required}, found %s", kindOf(item))
					continue
				}
				var o oauthDecl
				for _, k := range om {
					switch k.key {
					case "provider":
						o.provider, _ = c.str(fi+".provider", k.val)
					case "scopes":
						o.scopes = c.strings(fi+".scopes", k.val)
					case "reason":
						o.reason, _ = c.str(fi+".reason", k.val)
					case "required":
						o.required = c.boolean(fi+".required", k.val)
					default:
						c.unknown(fi, k.key, []string{"provider", "scopes", "reason", "required"})
					}
				}
				p.oauth = append(p.oauth, o)
			}
		default:
			c.unknown(prefix+"permissions", m.key, permKeys)
		}
	}
	return p
}

func tierNames[V any](tiers map[string]V) []string {
	names := make([]string, 0, len(tiers))
	for n := range tiers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// tomlWriter writes manifest.toml.
type tomlWriter struct{ bytes.Buffer }

func (w *tomlWriter) kv(key string, v any) {
	w.WriteString(key)
	w.WriteString(" = ")
	w.value(v)
	w.WriteByte('\n')
}

func (w *tomlWriter) value(v any) {
	switch x := v.(type) {
	case string:
		w.WriteString(tomlString(x))
	case bool:
		w.WriteString(strconv.FormatBool(x))
	case []string:
		w.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(tomlString(s))
		}
		w.WriteByte(']')
	}
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlValue writes a JSON value (a pin's default) as a TOML inline value.
//
// # Errors
//
// A null, which TOML has no word for.
func tomlValue(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var b strings.Builder
	var write func(v any) error
	write = func(v any) error {
		switch x := v.(type) {
		case nil:
			return fmt.Errorf("null has no TOML form; leave the default out")
		case string:
			b.WriteString(tomlString(x))
		case bool:
			b.WriteString(strconv.FormatBool(x))
		case json.Number:
			if i, err := x.Int64(); err == nil {
				b.WriteString(strconv.FormatInt(i, 10))
			} else if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) {
				s := strconv.FormatFloat(f, 'g', -1, 64)
				if !strings.ContainsAny(s, ".eEn") {
					s += ".0"
				}
				b.WriteString(s)
			} else {
				return fmt.Errorf("the number %s does not fit", x)
			}
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				if err := write(e); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(tomlString(k))
				b.WriteString(" = ")
				if err := write(x[k]); err != nil {
					return err
				}
			}
			b.WriteByte('}')
		}
		return nil
	}
	if err := write(v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Meta is what the package's manifest takes from outside the module.
type Meta struct {
	ID          string // package id; "" means ts.NAME
	PackageName string // the package's display name; "" means Name
	Name        string // the default export's node id, and its type in workflows
	Version     string
	Description string
	// FreshInstance evaluates the module afresh for every call (manifest
	// fresh_instance) instead of once per VM.
	FreshInstance bool
}

// nodeDecl is one node of the module, checked.
type nodeDecl struct {
	id, name, description, category string
	inputs, outputs                 []pinDecl
	perms                           permissions
	permsRaw                        string
}

// manifestTOML checks the declarations and writes manifest.toml.
func manifestTOML(file string, meta Meta, raw string) ([]byte, error) {
	var decls []declaration
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&decls); err != nil {
		return nil, problem(file, "", "the node's declaration could not be read: %v", err)
	}
	if len(decls) == 0 {
		return nil, problem(file, "", "the module exports no node: expected `export default node({inputs, outputs, permissions, run})`")
	}
	c := &checker{file: file}
	var nodes []nodeDecl
	for _, d := range decls {
		n := nodeDecl{id: d.Export}
		prefix := ""
		if d.Export == "default" {
			n.id = meta.Name
		} else {
			prefix = d.Export + "."
			if p := manifest.TypeScriptNameProblem(d.Export); p != "" {
				c.add(d.Export, "a node's export name is its id: expected letters, digits, '_' and '-' starting with a letter, found %q (%s)", d.Export, p)
			}
			if d.Export == meta.Name {
				c.add(d.Export, "the export %q has the id of the default export's node (the package's name): rename one", d.Export)
			}
		}
		text := func(field string, raw json.RawMessage) string {
			if len(raw) == 0 || string(raw) == "null" {
				return ""
			}
			v, _ := c.str(prefix+field, raw)
			return v
		}
		n.name = text("name", d.Name)
		n.description = text("description", d.Description)
		n.category = text("category", d.Category)
		n.inputs = c.pins(prefix+"inputs", d.Inputs, false)
		n.outputs = c.pins(prefix+"outputs", d.Outputs, true)
		n.perms = c.permissions(prefix, d.Permissions)
		n.permsRaw = string(d.Permissions)
		if n.name == "" {
			n.name = n.id
		}
		if n.description == "" && d.Export == "default" {
			n.description = meta.Description
		}
		nodes = append(nodes, n)
	}
	// A ts.NAME package's node NAME is its default export.
	if meta.ID == "" && !slices.ContainsFunc(decls, func(d declaration) bool { return d.Export == "default" }) {
		c.add("", "no default export: the node %s is the module's `export default node({...})`", meta.Name)
	}
	// One package, one permissions table: every node must ask for the same.
	for _, n := range nodes[1:] {
		if n.permsRaw != nodes[0].permsRaw {
			c.add(n.id+".permissions", "differs from %s's: the nodes of one module share the package's permissions, so each must declare the same (share one object)", nodes[0].id)
		}
	}
	if len(c.errs) > 0 {
		return nil, &Error{Problems: c.errs}
	}
	perms := nodes[0].perms

	w := &tomlWriter{}
	w.WriteString("# Made by weft from " + filepathBase(file) + "'s node({...}) declarations: edit the source, not this file.\n")
	w.WriteString("manifest_version = 1\n")
	id := meta.ID
	if id == "" {
		id = manifest.TypeScriptPrefix + meta.Name
	}
	w.kv("id", id)
	w.kv("name", firstOf(meta.PackageName, meta.Name))
	w.kv("version", meta.Version)
	if meta.Description != "" {
		w.kv("description", meta.Description)
	}
	w.kv("script", ScriptFile)
	if meta.FreshInstance {
		w.kv("fresh_instance", true)
	}
	w.WriteString("\n[permissions]\n")
	if perms.memory != "" {
		w.kv("memory", perms.memory)
	}
	if perms.timeout != "" {
		w.kv("timeout", perms.timeout)
	}
	w.kv("variables", perms.variables)
	w.kv("cache", perms.cache)
	w.kv("state", perms.state)
	w.kv("storage", perms.storage)
	if len(perms.allowedHosts) > 0 || perms.allowPrivate {
		w.WriteString("\n[permissions.http]\n")
		w.kv("allowed_hosts", perms.allowedHosts)
		w.kv("allow_private", perms.allowPrivate)
	}
	providers := []string{}
	for _, o := range perms.oauth {
		w.WriteString("\n[[permissions.oauth_scopes]]\n")
		w.kv("provider", o.provider)
		w.kv("scopes", o.scopes)
		if o.reason != "" {
			w.kv("reason", o.reason)
		}
		w.kv("required", o.required)
		providers = append(providers, o.provider)
	}
	for _, n := range nodes {
		w.WriteString("\n[[nodes]]\n")
		w.kv("id", n.id)
		w.kv("name", n.name)
		if n.description != "" {
			w.kv("description", n.description)
		}
		if n.category != "" {
			w.kv("category", n.category)
		}
		if len(providers) > 0 {
			w.kv("oauth_providers", providers)
		}
		writePins := func(table string, list []pinDecl, field string) {
			for _, p := range list {
				w.WriteString("[[nodes." + table + "]]\n")
				w.kv("name", p.name)
				w.kv("type", p.typ)
				if p.valueType != "" {
					w.kv("value_type", p.valueType)
				}
				if p.required {
					w.kv("required", true)
				}
				if p.description != "" {
					w.kv("description", p.description)
				}
				if p.validValues != nil {
					v, err := tomlValue(p.validValues)
					if err != nil {
						c.add(field+"."+p.name+".valid_values", "%v", err)
						continue
					}
					w.WriteString("valid_values = " + v + "\n")
				}
				if p.def != nil {
					v, err := tomlValue(p.def)
					if err != nil {
						c.add(field+"."+p.name+".default", "%v", err)
						continue
					}
					w.WriteString("default = " + v + "\n")
				}
			}
		}
		prefix := ""
		if n.id != meta.Name {
			prefix = n.id + "."
		}
		writePins("inputs", n.inputs, prefix+"inputs")
		writePins("outputs", n.outputs, prefix+"outputs")
	}
	if len(c.errs) > 0 {
		return nil, &Error{Problems: c.errs}
	}

	// The manifest's own rules (pin names, defaults against their types,
	// hosts, oauth providers) are checked by its parser, with its field
	// paths turned back into the declaration's.
	data := w.Bytes()
	if _, err := manifest.Parse("manifest.toml", data); err != nil {
		if errs, ok := err.(*manifest.Errors); ok {
			e := &Error{}
			for _, x := range errs.List {
				e.Problems = append(e.Problems, Problem{File: file, Field: declField(x.Field, nodes, meta.Name), Msg: x.Msg})
			}
			return nil, e
		}
		return nil, problem(file, "", "%v", err)
	}
	return data, nil
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func filepathBase(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// declField turns a manifest field path into the declaration's:
// nodes[0].inputs[1].default is inputs.NAME.default (EXPORT.inputs.NAME...
// for a named export's node).
func declField(f string, nodes []nodeDecl, defaultID string) string {
	rest, ok := strings.CutPrefix(f, "nodes[")
	if !ok {
		return f
	}
	i, after, _ := strings.Cut(rest, "].")
	n, err := strconv.Atoi(i)
	if err != nil || n >= len(nodes) {
		return f
	}
	nd := nodes[n]
	prefix := ""
	if nd.id != defaultID {
		prefix = nd.id + "."
	}
	for _, t := range []struct {
		table string
		list  []pinDecl
	}{{"inputs[", nd.inputs}, {"outputs[", nd.outputs}} {
		if r, ok := strings.CutPrefix(after, t.table); ok {
			idx, tail, _ := strings.Cut(r, "]")
			if m, err := strconv.Atoi(idx); err == nil && m < len(t.list) {
				return prefix + strings.TrimSuffix(t.table, "[") + "." + t.list[m].name + tail
			}
		}
	}
	if after == "id" {
		return prefix + "name"
	}
	return prefix + after
}
