// TypeScript uploads: the seed's JSON shape {name, version, description,
// sourceCode, schema} compiled by the root API into a package, which then
// goes the way of any .weftpkg upload.

package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
)

// buildTypeScript compiles an upload, answering 422 with every problem
// (esbuild's file:line:col, the declaration's fields).
func (s *Server) buildTypeScript(r *http.Request, up *api.TypeScriptUpload) ([]byte, error) {
	if len(up.SourceCode) > int(s.cfg.MaxPackage) {
		return nil, errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "sourceCode is %d bytes, over the limit of %d", len(up.SourceCode), s.cfg.MaxPackage)
	}
	data, err := weft.BuildTypeScript(r.Context(), weft.TypeScriptSource{Name: up.Name, Version: up.Version,
		Description: up.Description, File: "node.ts", Code: up.SourceCode})
	if err != nil {
		if !errors.Is(err, weft.ErrInvalid) {
			return nil, err
		}
		he := &httpError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid}
		var lines []string
		for _, p := range weft.Problems(err) {
			he.details = append(he.details, api.Detail{File: p.File, Line: p.Line, Col: p.Col, Message: p.Message})
			if p.Line > 0 {
				lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message))
			} else {
				lines = append(lines, p.File+": "+p.Message)
			}
		}
		he.msg = "the TypeScript node does not build: " + strings.Join(lines, "; ")
		return nil, he
	}
	return data, nil
}

// checkSchema holds an upload's schema, when it has inputs or outputs,
// against the pins the node declares.
func checkSchema(raw json.RawMessage, node api.CustomNode) error {
	var sc struct {
		Inputs  map[string]json.RawMessage `json:"inputs"`
		Outputs map[string]json.RawMessage `json:"outputs"`
	}
	if json.Unmarshal(raw, &sc) != nil || len(node.Nodes) != 1 {
		return nil // not that shape: kept, not checked
	}
	var problems []api.Detail
	compare := func(what string, schema map[string]json.RawMessage, pins []api.Pin) {
		if schema == nil {
			return
		}
		declared := map[string]string{}
		for _, p := range pins {
			declared[p.Name] = p.Type
		}
		for name, v := range schema {
			typ := ""
			if json.Unmarshal(v, &typ) != nil {
				var obj struct {
					Type      string `json:"type"`
					ValueType string `json:"value_type"`
				}
				_ = json.Unmarshal(v, &obj)
				typ = obj.Type
				if obj.ValueType != "" && obj.ValueType != "normal" {
					typ = obj.ValueType + " of " + obj.Type
				}
			}
			got, ok := declared[name]
			switch {
			case !ok:
				problems = append(problems, api.Detail{File: "schema", Message: fmt.Sprintf("schema.%s.%s: the node declares no such pin", what, name)})
			case typ != got:
				problems = append(problems, api.Detail{File: "schema", Message: fmt.Sprintf("schema.%s.%s: the schema says %q, the node declares %q", what, name, typ, got)})
			}
		}
		for _, p := range pins {
			if _, ok := schema[p.Name]; !ok {
				problems = append(problems, api.Detail{File: "schema", Message: fmt.Sprintf("schema.%s: missing the node's pin %s", what, p.Name)})
			}
		}
	}
	compare("inputs", sc.Inputs, node.Nodes[0].Inputs)
	compare("outputs", sc.Outputs, node.Nodes[0].Outputs)
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return &httpError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid,
		msg: "the schema does not match the node's declaration: " + strings.Join(msgs, "; "), details: problems}
}
