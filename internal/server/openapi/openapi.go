// Package openapi holds the OpenAPI 3.1 document of the server's HTTP API,
// version 1: every route `weft serve` has, with the JSON shapes of
// internal/api. The server serves Document at GET /api/v1/openapi.json; the
// tests check it against the routes (openapitest.CheckRoutes) and every
// request and reply they make against it (openapitest.Transport).
//
// docs/openapi.json is a copy of openapi.json, kept byte-identical by a
// test: after changing this one, run
//
//	cp internal/server/openapi/openapi.json docs/openapi.json
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Document is the OpenAPI 3.1 document, as JSON.
//
//go:embed openapi.json
var Document []byte

// Route is one operation of the document: an HTTP method (upper case) and
// a path in the document's form, with parameters as {name}.
type Route struct {
	Method, Path string
}

func (r Route) String() string { return r.Method + " " + r.Path }

// methods are the Path Item Object's operation fields.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Paths returns every operation of the document, sorted by path and then
// method.
func Paths() ([]Route, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(Document, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	var routes []Route
	for path, item := range doc.Paths {
		for _, m := range methods {
			if _, ok := item[m]; ok {
				routes = append(routes, Route{Method: strings.ToUpper(m), Path: path})
			}
		}
	}
	if len(routes) == 0 {
		return nil, fmt.Errorf("openapi.json: no operations")
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	return routes, nil
}
