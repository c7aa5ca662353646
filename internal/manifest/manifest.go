// Package manifest parses and validates a package's manifest.toml, version 1
// (../shared/design/manifest.md): what the package is, what its nodes look
// like (typed pins) and what it may do (permissions).
//
//	m, err := manifest.Parse("math/manifest.toml", data)
//	var errs *manifest.Errors
//	if errors.As(err, &errs) { ... } // every problem, "FILE:LINE:COL: field: message"
//	n := m.Node("add"); mod := m.ModuleOf(n)
//
// Beyond manifest.md, this version of weft reads these extensions:
//
//	valid_values = ["fast", "slow"]   # on an input or output pin, optional
//
// lists the only values a pin takes (as in Flow-Like's manifests): values
// of the pin's type (for arrays, sets and maps, of each element), at least
// one, no two equal, on string, integer, float, boolean, date and path pins
// only; a default must be one of them. Literal props are checked against
// them when a workflow loads, and values at run time, both ways (see
// pin.Spec.ValidValues). And
//
//	fresh_instance = true   # top level, optional, default false
//
// asks the host for a fresh instance of the module for every node call, for
// modules that keep state in globals between calls and must not. The
// default, false, lets the host keep warm instances in a pool (per tenant)
// and reuse them across calls, which is much faster. And
//
//	script = "node.js"      # top level, instead of wasm
//
// makes a JavaScript package, what `weft pkg build` and the server make of
// a TypeScript node (internal/tsnode): the file runs every node in the
// QuickJS sandbox under the same permissions, tiers and host operations as
// a module. Its id may then also be ts.NAME and its node ids NAME, with
// NAME as api-v1.md allows for TypeScript nodes (letters of either case,
// digits, '_' and '-', starting with a letter, up to 255 bytes).
//
// # Notes
//
// Every rule of manifest.md is checked except the module's exports and
// imports, which only the WebAssembly host can check. On top of them:
// package and node ids and pin names are at most 128 bytes; package id labels
// (between dots) are not empty; display strings (name, description, ...) may
// not hold control characters (other than tab and newline in descriptions)
// or bidirectional-override characters, which could disguise text shown to a
// reviewer; execution pins take no default and are always "normal"; an
// integer pin's default may not be a TOML float; oauth_scopes providers are
// unique; [build] needs a command; a path pin's default (and valid values)
// are canonical relative storage paths (pin.PathProblem).
package manifest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/weft-dev/weft/internal/pin"
)

// Manifest is a parsed, validated manifest.toml.
type Manifest struct {
	ManifestVersion int
	ID              string // reverse-DNS, e.g. "com.example.math-utils"
	Name            string
	Version         string // semantic version
	Description     string
	Authors         []string
	License         string
	Homepage        string
	Repository      string
	Keywords        []string
	MinWeftVersion  string // semantic version, or ""
	// Wasm is the package's default module (a path inside the package). ""
	// means "the only .wasm in the package", which the package reader
	// resolves and fills in.
	Wasm string
	// Script is the JavaScript file that runs every node of the package,
	// for a TypeScript node's package (extension; see the package
	// documentation). "" for a WebAssembly package; never set with Wasm.
	Script string
	// FreshInstance asks for a fresh instance per node call (extension; see
	// the package documentation). False: pooled warm instances.
	FreshInstance bool
	Permissions   Permissions
	Build         *Build // nil when there is no [build]
	Nodes         []Node
	File          string // the file name given to Parse

	scriptPackage bool // the document has a script key, set while checking
}

// Permissions is what a package may do; everything not declared is denied.
type Permissions struct {
	Memory    string // tier name; "" means "standard"
	Timeout   string // tier name; "" means "standard"
	Variables bool
	Cache     bool
	State     bool
	Storage   bool
	HTTP      HTTP
	// OAuthScopes lists the providers whose tokens nodes may ask for.
	OAuthScopes []OAuthScope
}

// HTTP is the [permissions.http] table.
type HTTP struct {
	// AllowedHosts are host names ("api.example.com") or "*.suffix"
	// patterns, lower case, without scheme, port or path. Empty: no HTTP.
	AllowedHosts []string
	// AllowPrivate lets a listed host resolve to loopback or private
	// addresses.
	AllowPrivate bool
}

// OAuthScope is one [[permissions.oauth_scopes]] entry.
type OAuthScope struct {
	Provider string
	Scopes   []string
	Reason   string
	Required bool
}

// Build is the optional [build] table.
type Build struct {
	Command string
	// Test is the optional command that runs the package's own tests
	// (`weft node test`), an addition to manifest.md.
	Test string `json:",omitempty"`
}

// Scores are a node's optional [nodes.scores], each 0..10.
type Scores struct {
	Privacy, Security, Performance, Governance, Reliability, Cost int
}

// Node is one [[nodes]] entry.
type Node struct {
	ID             string
	Name           string
	Description    string
	Category       string
	Icon           string
	OAuthProviders []string // each declared in Permissions.OAuthScopes
	Wasm           string   // per-node module; "" means the package's
	Scores         *Scores  // nil when absent
	Inputs         []pin.Spec
	Outputs        []pin.Spec // only Name, Type, ValueType, Description and ValidValues are set
}

// MemoryTiers maps memory tier names to MiB.
var MemoryTiers = map[string]int{
	"minimal":   16,
	"light":     32,
	"standard":  64,
	"heavy":     128,
	"intensive": 256,
}

// TimeoutTiers maps timeout tier names to durations.
var TimeoutTiers = map[string]time.Duration{
	"quick":        5 * time.Second,
	"standard":     30 * time.Second,
	"extended":     60 * time.Second,
	"long_running": 300 * time.Second,
}

// The default tiers, used when the manifest names none.
const (
	DefaultMemory  = "standard"
	DefaultTimeout = "standard"
)

const (
	memoryTierNames  = "minimal, light, standard, heavy, intensive"
	timeoutTierNames = "quick, standard, extended, long_running"
)

// MemoryBytes is the memory tier's cap on linear memory, in bytes.
func (m *Manifest) MemoryBytes() uint64 {
	mib, ok := MemoryTiers[m.Permissions.Memory]
	if !ok {
		mib = MemoryTiers[DefaultMemory]
	}
	return uint64(mib) << 20
}

// MemoryPages is the memory tier's cap in 64 KiB WebAssembly pages.
func (m *Manifest) MemoryPages() uint32 {
	return uint32(m.MemoryBytes() >> 16)
}

// Timeout is the timeout tier's duration.
func (m *Manifest) Timeout() time.Duration {
	d, ok := TimeoutTiers[m.Permissions.Timeout]
	if !ok {
		d = TimeoutTiers[DefaultTimeout]
	}
	return d
}

// Node returns the node with the given id, or nil.
func (m *Manifest) Node(id string) *Node {
	for i := range m.Nodes {
		if m.Nodes[i].ID == id {
			return &m.Nodes[i]
		}
	}
	return nil
}

// ModuleOf returns the path inside the package of the module that runs n:
// the node's own wasm, else the package's ("" when neither is set and the
// package reader has not resolved the default).
func (m *Manifest) ModuleOf(n *Node) string {
	if m.Script != "" {
		return m.Script
	}
	if n.Wasm != "" {
		return n.Wasm
	}
	return m.Wasm
}

// Parse parses and validates a manifest. file names it in errors.
//
//	m, err := manifest.Parse("manifest.toml", data)
//
// # Errors
//
// A *Errors (matching ErrInvalid) listing every problem found, in document
// order, each as "FILE:LINE:COL: FIELD: MESSAGE" naming what was expected
// and what was found. A TOML syntax error is reported alone.
func Parse(file string, data []byte) (*Manifest, error) {
	ix, tooMany := buildIndex(data)
	if tooMany >= 0 {
		line, col := ix.lineCol(tooMany)
		return nil, &Errors{List: []*Error{{File: file, Line: line, Column: col,
			Msg: fmt.Sprintf("more than %d keys and tables; a manifest is far smaller", maxKeys)}}}
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		e := &Error{File: file, Line: 1, Column: 1, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
		if de, ok := err.(*toml.DecodeError); ok {
			e.Line, e.Column = de.Position()
		}
		return nil, &Errors{List: []*Error{e}}
	}
	c := &checker{file: file, ix: ix}
	m := c.manifest(doc)
	if len(c.errs) > 0 {
		return nil, c.errors()
	}
	m.File = file
	return m, nil
}

// describe names a decoded TOML value's kind with a short preview, for
// "found ..." in messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return "string " + preview(x)
	case int64:
		return fmt.Sprintf("integer %d", x)
	case float64:
		f := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(f, ".eIN") {
			f += ".0"
		}
		return "float " + f
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case time.Time:
		return "date-time " + x.Format(time.RFC3339Nano)
	case toml.LocalDate:
		return "local date " + x.String()
	case toml.LocalTime:
		return "local time " + x.String()
	case toml.LocalDateTime:
		return "local date-time " + x.String()
	case []any:
		return fmt.Sprintf("array (%d elements)", len(x))
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

// preview quotes s, cut to a few dozen bytes.
func preview(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
