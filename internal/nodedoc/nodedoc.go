// Package nodedoc renders node specs for people and programs: the Markdown
// reference docs/nodes.md, the text of `weft nodes show`, and the JSON of
// `weft nodes list --output json`. One source (the specs) feeds all three,
// so the code and its docs cannot drift.
//
// A custom node's spec carries its manifest node (bt.Spec.Doc): its input
// props are then shown with the pins' manifest types ("string", "array of
// integer"), defaults, required flags and valid values, followed by its
// output pins and its quality scores.
package nodedoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pin"
)

// PropJSON is a prop as `weft nodes` prints it in JSON. A custom node's
// input pin has its manifest type ("string", "array of integer") as Type
// and its valid values, if any.
type PropJSON struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Required    bool     `json:"required"`
	Default     any      `json:"default,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	ValidValues []any    `json:"valid_values,omitempty"`
	Description string   `json:"description,omitempty"`
}

// PinJSON is an output pin of a custom node in JSON.
type PinJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // "string", "array of integer", ...
	ValidValues []any  `json:"valid_values,omitempty"`
	Description string `json:"description,omitempty"`
}

// ScoresJSON are a custom node's quality scores (manifest [nodes.scores],
// each 0 to 10).
type ScoresJSON struct {
	Privacy     int `json:"privacy"`
	Security    int `json:"security"`
	Performance int `json:"performance"`
	Governance  int `json:"governance"`
	Reliability int `json:"reliability"`
	Cost        int `json:"cost"`
}

// SpecJSON is a node type as `weft nodes` prints it in JSON.
type SpecJSON struct {
	Type        string     `json:"type"`
	Kind        string     `json:"kind"`
	Category    string     `json:"category"`
	Summary     string     `json:"summary"`
	Description string     `json:"description,omitempty"`
	Children    string     `json:"children"`
	MinChildren int        `json:"min_children"`
	MaxChildren int        `json:"max_children"` // -1: no limit
	ChildRoles  []string   `json:"child_roles,omitempty"`
	OutputKey   string     `json:"default_output_key,omitempty"`
	Props       []PropJSON `json:"props"`
	// Outputs and Scores are a custom node's output pins and quality
	// scores; absent for built-in nodes and nodes without scores.
	Outputs []PinJSON   `json:"outputs,omitempty"`
	Scores  *ScoresJSON `json:"scores,omitempty"`
}

// JSON converts a spec to its JSON form.
func JSON(s *bt.Spec) SpecJSON {
	out := SpecJSON{Type: s.Name, Kind: string(s.Kind), Category: s.Category, Summary: s.Summary,
		Description: s.Description, Children: s.ChildRule(), MinChildren: s.Children.Min,
		MaxChildren: s.Children.Max, ChildRoles: s.Children.Names, OutputKey: s.OutputKey, Props: []PropJSON{}}
	mn, _ := s.Doc.(*manifest.Node)
	for _, p := range s.Props {
		pj := PropJSON{Name: p.Name, Type: string(p.Type), Required: p.Required,
			Default: p.Default, Enum: p.Enum, Description: p.Description}
		if ps := inputPin(mn, p.Name); ps != nil {
			pj.Type, pj.ValidValues, pj.Description = ps.TypeName(), ps.ValidValues, ps.Description
		}
		out.Props = append(out.Props, pj)
	}
	if mn != nil {
		out.Outputs = []PinJSON{}
		for _, o := range mn.Outputs {
			out.Outputs = append(out.Outputs, PinJSON{Name: o.Name, Type: o.TypeName(), ValidValues: o.ValidValues, Description: o.Description})
		}
		if sc := mn.Scores; sc != nil {
			out.Scores = &ScoresJSON{Privacy: sc.Privacy, Security: sc.Security, Performance: sc.Performance,
				Governance: sc.Governance, Reliability: sc.Reliability, Cost: sc.Cost}
		}
	}
	return out
}

// inputPin is the input pin behind a custom node's prop, or nil.
func inputPin(mn *manifest.Node, prop string) *pin.Spec {
	if mn == nil {
		return nil
	}
	return pin.Find(mn.Inputs, prop)
}

var kindOrder = map[bt.Kind]int{bt.Composite: 0, bt.Decorator: 1, bt.Leaf: 2}

// Sorted returns specs ordered by kind (composites, decorators, leaves) then
// name.
func Sorted(specs []*bt.Spec) []*bt.Spec {
	out := append([]*bt.Spec(nil), specs...)
	sort.SliceStable(out, func(i, j int) bool {
		if kindOrder[out[i].Kind] != kindOrder[out[j].Kind] {
			return kindOrder[out[i].Kind] < kindOrder[out[j].Kind]
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Markdown renders the node reference.
func Markdown(specs []*bt.Spec) []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Generated from the node specs by `go generate ./internal/nodedoc/...`. Do not edit. -->\n\n")
	b.WriteString("# Built-in nodes\n\n")
	b.WriteString("Every node is written `{type, id?, name?, props?, children?}` (see docs/workflows.md).\n")
	b.WriteString("Any string prop may hold `{{ expression }}` templates, except props of type `code`.\n")
	b.WriteString("`weft nodes list` and `weft nodes show TYPE` print the same information.\n\n")
	sorted := Sorted(specs)
	titles := map[bt.Kind]string{bt.Composite: "Composites", bt.Decorator: "Decorators", bt.Leaf: "Leaves"}
	for _, k := range []bt.Kind{bt.Composite, bt.Decorator, bt.Leaf} {
		fmt.Fprintf(&b, "- %s:", titles[k])
		first := true
		for _, s := range sorted {
			if s.Kind == k {
				sep := ","
				if first {
					sep, first = "", false
				}
				fmt.Fprintf(&b, "%s [%s](#%s)", sep, s.Name, strings.ToLower(s.Name))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, s := range sorted {
		fmt.Fprintf(&b, "## %s\n\n", s.Name)
		fmt.Fprintf(&b, "*%s · %s · %s*\n\n", s.Kind, s.Category, s.ChildRule())
		if len(s.Children.Names) > 0 {
			fmt.Fprintf(&b, "Children: %s.\n\n", strings.Join(s.Children.Names, ", "))
		}
		b.WriteString(s.Summary + "\n\n")
		if s.Description != "" {
			b.WriteString(strings.TrimSpace(s.Description) + "\n\n")
		}
		if s.OutputKey != "" {
			fmt.Fprintf(&b, "Default output key: `%s`.\n\n", s.OutputKey)
		}
		if len(s.Props) == 0 {
			b.WriteString("No props.\n\n")
			continue
		}
		b.WriteString("| prop | type | required | default | description |\n|---|---|---|---|---|\n")
		for _, p := range s.Props {
			req := ""
			if p.Required {
				req = "yes"
			}
			typ := string(p.Type)
			if len(p.Enum) > 0 {
				typ += ": " + strings.Join(p.Enum, " \\| ")
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", p.Name, typ, req, defaultText(p.Default),
				strings.ReplaceAll(p.Description, "|", "\\|"))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func defaultText(v any) string {
	if v == nil {
		return ""
	}
	data, _ := json.Marshal(v)
	return "`" + strings.ReplaceAll(string(data), "|", "\\|") + "`"
}

// Text renders one spec for `weft nodes show`.
func Text(s *bt.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s; %s)\n\n", s.Name, s.Kind, s.Category, s.ChildRule())
	if len(s.Children.Names) > 0 {
		fmt.Fprintf(&b, "Children: %s\n\n", strings.Join(s.Children.Names, ", "))
	}
	b.WriteString(s.Summary + "\n")
	if s.Description != "" {
		b.WriteString("\n" + strings.TrimSpace(s.Description) + "\n")
	}
	if s.OutputKey != "" {
		fmt.Fprintf(&b, "\nDefault output key: %s\n", s.OutputKey)
	}
	b.WriteString("\nProps:\n")
	if len(s.Props) == 0 {
		b.WriteString("  (none)\n")
	}
	mn, _ := s.Doc.(*manifest.Node)
	for _, p := range s.Props {
		var attrs []string
		desc := p.Description
		if ps := inputPin(mn, p.Name); ps != nil {
			attrs = append(attrs, "input pin: "+ps.TypeName())
			desc = ps.Description
		} else {
			attrs = append(attrs, string(p.Type))
		}
		if p.Required {
			attrs = append(attrs, "required")
		}
		if p.Default != nil {
			attrs = append(attrs, "default "+strings.Trim(defaultText(p.Default), "`"))
		}
		if len(p.Enum) > 0 {
			attrs = append(attrs, "one of "+strings.Join(p.Enum, "|"))
		}
		if ps := inputPin(mn, p.Name); ps != nil && ps.ValidValues != nil {
			attrs = append(attrs, "one of "+ps.ValidValuesText())
		}
		fmt.Fprintf(&b, "  %-20s %s\n", p.Name, strings.Join(attrs, ", "))
		if desc != "" {
			fmt.Fprintf(&b, "  %-20s %s\n", "", desc)
		}
	}
	if mn != nil {
		b.WriteString("\nOutputs:\n")
		if len(mn.Outputs) == 0 {
			b.WriteString("  (none)\n")
		}
		for _, o := range mn.Outputs {
			attrs := o.TypeName()
			if o.ValidValues != nil {
				attrs += ", one of " + o.ValidValuesText()
			}
			fmt.Fprintf(&b, "  %-20s %s\n", o.Name, attrs)
			if o.Description != "" {
				fmt.Fprintf(&b, "  %-20s %s\n", "", o.Description)
			}
		}
		if sc := mn.Scores; sc != nil {
			fmt.Fprintf(&b, "\nScores (0 to 10): privacy %d, security %d, performance %d, governance %d, reliability %d, cost %d\n",
				sc.Privacy, sc.Security, sc.Performance, sc.Governance, sc.Reliability, sc.Cost)
		} else {
			b.WriteString("\nScores: none declared\n")
		}
	}
	return b.String()
}
