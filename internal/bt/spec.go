// Node specs: one description per node type that drives parsing,
// validation, instantiation, the docs and the CLI listing.

package bt

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	sandbox "github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/suggest"
)

// Kind says how many children a node type takes.
type Kind string

// The kinds of node types.
const (
	Composite Kind = "composite" // one or more children
	Decorator Kind = "decorator" // exactly one child
	Leaf      Kind = "leaf"      // no children
)

// PropType is the type of a prop's value.
type PropType string

// The prop types.
const (
	TypeString   PropType = "string"
	TypeInteger  PropType = "integer"
	TypeNumber   PropType = "number"   // integer or float
	TypeBoolean  PropType = "boolean"  //
	TypeDuration PropType = "duration" // "30s", "1m30s", "250ms", or a number of milliseconds
	TypeObject   PropType = "object"   // a map of names to values
	TypeArray    PropType = "array"
	TypeAny      PropType = "any"
	TypeCode     PropType = "code" // source code; never templated
	TypeKey      PropType = "key"  // a blackboard name
)

// PropSpec describes one prop of a node type.
type PropSpec struct {
	Name        string
	Type        PropType
	Required    bool
	Default     any // canonical value; nil for none
	Enum        []string
	Description string
	// Language names the language of a TypeCode prop ("python",
	// "javascript"), whose source the loader syntax-checks when it is given
	// a checker (workflow.Options.Syntax).
	Language string
}

// Templated reports whether string values of the prop may hold templates.
func (p *PropSpec) Templated() bool { return p.Type != TypeCode }

// Children says how many children a node type takes, and what they are.
type Children struct {
	Min, Max int      // Max < 0: no limit
	Names    []string // roles of the children in order, for docs ("condition", "body")
}

// Spec describes a node type.
//
// Every node type, built-in or custom, is a Spec in a [Registry]. Parsing and
// validation read Props and Children; docs/nodes.md and `weft nodes` are
// generated from it; New builds a node's behavior once its props are
// compiled and its children built.
type Spec struct {
	Name        string
	Kind        Kind
	Category    string // "composite", "decorator", "action", "condition", "test", "utility"
	Summary     string // one line
	Description string // paragraphs; Markdown
	Props       []PropSpec
	Children    Children
	// OutputKey is the default blackboard key of a node that produces a result.
	OutputKey string
	// Extra says the node accepts props that are not in Props (custom nodes
	// accept their pins and the common props; most node types do not).
	Extra func(name string) *PropSpec
	New   func(c *Config) (Behavior, error)
	// Doc is more to show about the node type, for the renderers of
	// package nodedoc: a custom node's manifest node (*manifest.Node), whose
	// pins' types, valid values and scores `weft nodes show` prints. nil for
	// most node types.
	Doc any
}

// Prop returns the spec of the named prop, or nil.
func (s *Spec) Prop(name string) *PropSpec {
	for i := range s.Props {
		if s.Props[i].Name == name {
			return &s.Props[i]
		}
	}
	if s.Extra != nil {
		return s.Extra(name)
	}
	return nil
}

// ChildRule describes the allowed number of children in words.
func (s *Spec) ChildRule() string {
	c := s.Children
	switch {
	case c.Max == 0:
		return "no children"
	case c.Min == c.Max && c.Min == 1:
		return "exactly 1 child"
	case c.Min == c.Max:
		return fmt.Sprintf("exactly %d children", c.Min)
	case c.Max < 0:
		return fmt.Sprintf("at least %d %s", c.Min, plural(c.Min, "child", "children"))
	}
	return fmt.Sprintf("%d to %d children", c.Min, c.Max)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Services are the process-wide facilities that node behaviors may use,
// provided by the engine when it instantiates a tree.
type Services struct {
	HTTPClient *http.Client
	// HTTPClientFor, when set, gives the client of one tenant's runs (the
	// operator may let some tenants reach private addresses); it takes
	// precedence over HTTPClient.
	HTTPClientFor func(tenant string) *http.Client
	// Python and JavaScript run the scripts of PythonInterpreter and
	// JavaScriptInterpreter; nil when the engine offers no such language.
	Python, JavaScript sandbox.Runner
	// MaxScriptTimeout is the operator's maximum for the interpreters'
	// `timeout` prop; zero means sandbox.MaxTimeout (5 minutes).
	MaxScriptTimeout time.Duration
	Extra            map[string]any
}

// Config is what a Spec's New gets to build a node.
type Config struct {
	ID       string
	Type     string
	Name     string
	Pos      Pos
	Spec     *Spec
	Props    Props
	Children []*Node
	Services *Services
}

// Registry holds node types by name. It is a value: the engine has one with
// the built-in nodes; tests and tenants clone it and add their own.
type Registry struct {
	specs map[string]*Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: map[string]*Spec{}} }

// Register adds a node type.
//
// # Errors
//
// A spec without a name or New, or a name that is already registered.
func (r *Registry) Register(s *Spec) error {
	if s.Name == "" || s.New == nil {
		return fmt.Errorf("node spec %q: a name and a New function are required", s.Name)
	}
	if _, dup := r.specs[s.Name]; dup {
		return fmt.Errorf("node type %q is already registered", s.Name)
	}
	r.specs[s.Name] = s
	return nil
}

// MustRegister is Register that panics on error, for package init code.
func (r *Registry) MustRegister(specs ...*Spec) {
	for _, s := range specs {
		if err := r.Register(s); err != nil {
			panic(err)
		}
	}
}

// Lookup returns the spec of a node type.
func (r *Registry) Lookup(name string) (*Spec, bool) {
	s, ok := r.specs[name]
	return s, ok
}

// Specs returns every spec, sorted by name.
func (r *Registry) Specs() []*Spec {
	out := make([]*Spec, 0, len(r.specs))
	for _, s := range r.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Clone returns an independent copy of the registry.
func (r *Registry) Clone() *Registry {
	c := NewRegistry()
	for k, v := range r.specs {
		c.specs[k] = v
	}
	return c
}

// Suggest returns the registered name nearest to name, or "" when none is
// close enough to be a plausible typo.
func (r *Registry) Suggest(name string) string {
	names := make([]string, 0, len(r.specs))
	for k := range r.specs {
		names = append(names, k)
	}
	return Nearest(name, names)
}

// Nearest returns the candidate closest to s by edit distance (ignoring
// case), or "" when the best is too far to be a typo.
func Nearest(s string, candidates []string) string { return suggest.Nearest(s, candidates) }
