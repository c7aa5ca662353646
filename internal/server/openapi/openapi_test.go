package openapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/openapi"
	"github.com/weft-dev/weft/internal/server/openapi/openapitest"
)

// contract is the endpoint table of the API contract (api-v1.md), row by
// row, then the server's additions to it.
var contract = []string{
	"GET /api/v1/health",
	"GET /api/v1/openapi.json",
	"POST /api/v1/tenants",
	"GET /api/v1/tenants",
	"POST /api/v1/tenants/{tenant}/tokens",
	"DELETE /api/v1/tokens/{id}",
	"POST /api/v1/custom-nodes",
	"GET /api/v1/custom-nodes",
	"GET /api/v1/custom-nodes/{id}",
	"POST /api/v1/custom-nodes/{id}/activate",
	"POST /api/v1/custom-nodes/{id}/deprecate",
	"POST /api/v1/packages/{package}/rollback",
	"GET /api/v1/nodes",
	"GET /api/v1/nodes/{type}",
	"PUT /api/v1/workflows/{id}",
	"POST /api/v1/workflows/validate",
	"GET /api/v1/workflows",
	"GET /api/v1/workflows/{id}",
	"GET /api/v1/workflows/{id}/versions",
	"DELETE /api/v1/workflows/{id}",
	"POST /api/v1/workflows/{id}/runs",
	"GET /api/v1/runs",
	"GET /api/v1/runs/{id}",
	"POST /api/v1/runs/{id}/cancel",
	"GET /api/v1/runs/{id}/events",
	"PUT /api/v1/secrets/{name}",
	"GET /api/v1/secrets",
	"DELETE /api/v1/secrets/{name}",
	"POST /api/v1/workflows/{id}/triggers",
	"GET /api/v1/workflows/{id}/triggers",
	"DELETE /api/v1/triggers/{id}",
	"POST /hooks/{trigger_id}",
}

// additions are the server's routes beyond the contract's table.
var additions = []string{
	"GET /api/v1/trusted-keys",
	"POST /api/v1/trusted-keys",
	"DELETE /api/v1/trusted-keys/{id}",
}

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, _, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestDocumentLoadsAndValidates(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if !json.Valid(openapi.Document) {
		t.Fatal("openapi.json is not JSON")
	}
	// Written as encoding/json indents it, so that diffs stay readable.
	var v any
	if err := json.Unmarshal(openapi.Document, &v); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, openapi.Document, "", "  "); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), openapi.Document) {
		t.Error("openapi.json is not indented with two spaces as json.Indent writes it")
	}

	ops := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", name)
			} else if other, dup := ops[op.OperationID]; dup {
				t.Errorf("%s: operationId %q is %s's too", name, op.OperationID, other)
			}
			ops[op.OperationID] = name

			public := path == "/api/v1/health" || path == "/api/v1/openapi.json" || strings.HasPrefix(path, "/hooks/")
			if public != (op.Security != nil && len(*op.Security) == 0) {
				t.Errorf("%s: security %v: want [] exactly on health, openapi.json and hooks", name, op.Security)
			}
			for _, status := range []int{429, 500} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s: no %d reply", name, status)
				}
			}
			if r := op.Responses.Status(429); r != nil && (r.Value.Headers["Retry-After"] == nil || !r.Value.Headers["Retry-After"].Value.Required) {
				t.Errorf("%s: the 429 reply has no required Retry-After header", name)
			}
			for code, ref := range op.Responses.Map() {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				mt := ref.Value.Content.Get("application/json")
				if mt == nil || len(ref.Value.Content) != 1 {
					t.Errorf("%s: the %s reply is not the JSON error envelope alone", name, code)
					continue
				}
				if err := mt.Schema.Value.VisitJSON(map[string]any{"error": map[string]any{"code": "nope", "message": "m"}}); err == nil {
					t.Errorf("%s: the %s reply does not pin the error code", name, code)
				}
			}
			if op.RequestBody != nil {
				for media, mt := range op.RequestBody.Value.Content {
					s := mt.Schema.Value
					if s.Type.Is("object") && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
						t.Errorf("%s: %s request body allows unknown fields (want additionalProperties: false)", name, media)
					}
				}
			}
			for _, p := range op.Parameters {
				if p.Value.In == "path" && !strings.Contains(path, "{"+p.Value.Name+"}") {
					t.Errorf("%s: path parameter %q is not in the path", name, p.Value.Name)
				}
			}
		}
	}
	if len(ops) != len(contract)+len(additions) {
		t.Errorf("%d operations, want %d", len(ops), len(contract)+len(additions))
	}

	// Every schema's required properties are among its properties.
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok && len(s.Properties) > 0 {
				t.Errorf("schema %s: required %q is no property", name, r)
			}
		}
	}
}

func TestPathsCoverContract(t *testing.T) {
	routes, err := openapi.Paths()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range routes {
		got = append(got, r.String())
	}
	want := append(slices.Clone(contract), additions...)
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("Paths() =\n%s\nwant (the contract's table and the additions)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !sort.SliceIsSorted(routes, func(i, j int) bool {
		return routes[i].Path < routes[j].Path || routes[i].Path == routes[j].Path && routes[i].Method < routes[j].Method
	}) {
		t.Error("Paths() is not sorted")
	}
}

// TestSchemasMatchAPITypes checks each component schema against its Go type
// in internal/api: the same JSON fields, required exactly when the field is
// always sent (no omitempty or omitzero), of the same JSON type, null allowed
// exactly for a pointer without omitempty, and request bodies closed.
func TestSchemasMatchAPITypes(t *testing.T) {
	doc := load(t)
	types := map[string]any{
		"ErrorBody":           api.ErrorBody{},
		"Error":               api.Error{},
		"Detail":              api.Detail{},
		"Health":              api.Health{},
		"CreateTenant":        api.CreateTenant{},
		"Tenant":              api.Tenant{},
		"CreateToken":         api.CreateToken{},
		"Token":               api.Token{},
		"CustomNodeReply":     api.CustomNodeReply{},
		"CustomNode":          api.CustomNode{},
		"Review":              api.Review{},
		"Permissions":         api.Permissions{},
		"OAuthScopes":         api.OAuthScopes{},
		"Scores":              api.Scores{},
		"NodeType":            api.NodeType{},
		"Prop":                api.Prop{},
		"Pin":                 api.Pin{},
		"Rollback":            api.Rollback{},
		"WorkflowReply":       api.WorkflowReply{},
		"WorkflowVersion":     api.WorkflowVersion{},
		"LockedPackage":       api.LockedPackage{},
		"TreeNode":            api.TreeNode{},
		"Workflow":            api.Workflow{},
		"Validation":          api.Validation{},
		"StartRun":            api.StartRun{},
		"RunReply":            api.RunReply{},
		"Run":                 api.Run{},
		"PutSecret":           api.PutSecret{},
		"Secret":              api.Secret{},
		"CreateTrigger":       api.CreateTrigger{},
		"Trigger":             api.Trigger{},
		"TriggerReply":        api.TriggerReply{},
		"TrustedKey":          api.TrustedKey{},
		"TypeScriptUpload":    api.TypeScriptUpload{},
		"TenantList":          api.List[api.Tenant]{},
		"CustomNodeList":      api.List[api.CustomNode]{},
		"NodeTypeList":        api.List[api.NodeType]{},
		"WorkflowList":        api.List[api.Workflow]{},
		"WorkflowVersionList": api.List[api.WorkflowVersion]{},
		"RunList":             api.List[api.Run]{},
		"RunEventList":        api.List[api.RunEvent]{},
		"SecretList":          api.List[api.Secret]{},
		"TriggerList":         api.List[api.Trigger]{},
		"TrustedKeyList":      api.List[api.TrustedKey]{},
	}
	// Request bodies with no Go type in internal/api: the handlers decode
	// them into local structs.
	// RunEvent is a json.RawMessage: the trace record with its seq.
	documentOnly := map[string]bool{"CreateTrustedKey": true, "DeprecateCustomNode": true, "TenantReply": true, "RunEvent": true}
	requests := map[string]bool{
		"CreateTenant": true, "CreateToken": true, "StartRun": true, "PutSecret": true,
		"CreateTrigger": true, "TypeScriptUpload": true, "CreateTrustedKey": true, "DeprecateCustomNode": true,
	}
	for name := range doc.Components.Schemas {
		if _, ok := types[name]; !ok && !documentOnly[name] {
			t.Errorf("schema %s: no Go type in internal/api (add it to this test)", name)
		}
	}
	for name, v := range types {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("internal/api %T: no schema %s", v, name)
			continue
		}
		checkStruct(t, name, ref.Value, reflect.TypeOf(v))
	}
	for name := range requests {
		s := doc.Components.Schemas[name].Value
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("schema %s: a request body, wants additionalProperties: false", name)
		}
	}
	for name, ref := range doc.Components.Schemas {
		if !requests[name] && ref.Value.AdditionalProperties.Has != nil && !*ref.Value.AdditionalProperties.Has {
			t.Errorf("schema %s: a reply, is closed (additionalProperties: false): clients could not accept added fields", name)
		}
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

func checkStruct(t *testing.T, name string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	if !s.Type.Is("object") {
		t.Errorf("schema %s: type %v, want object", name, s.Type)
	}
	fields := map[string]bool{}
	var required []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		jname, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || jname == "-" {
			continue
		}
		if jname == "" {
			jname = f.Name
		}
		fields[jname] = true
		omit := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		if !omit {
			required = append(required, jname)
		}
		p := s.Properties[jname]
		if p == nil {
			t.Errorf("schema %s: no property %q (Go field %s)", name, jname, f.Name)
			continue
		}
		at := name + "." + jname
		ft := f.Type
		// null: a pointer without omitempty may be; a map or slice
		// without omitempty may be where the document says so.
		nullable := p.Value.Type.Includes("null")
		switch k := ft.Kind(); {
		case k == reflect.Pointer && !omit && !nullable:
			t.Errorf("schema %s: does not allow null, but Go field %s is a pointer without omitempty", at, f.Name)
		case nullable && omit:
			t.Errorf("schema %s: allows null, but Go field %s is omitted when empty", at, f.Name)
		case nullable && k != reflect.Pointer && k != reflect.Map && k != reflect.Slice:
			t.Errorf("schema %s: allows null, but Go field %s (%s) cannot be null", at, f.Name, ft)
		}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if want := jsonType(ft); want != "" && !p.Value.Type.Includes(want) {
			t.Errorf("schema %s: type %v, want %s (Go %s)", at, p.Value.Type.Slice(), want, ft)
		}
		if ft == timeType && p.Value.Format != "date-time" {
			t.Errorf("schema %s: format %q, want date-time", at, p.Value.Format)
		}
	}
	for prop := range s.Properties {
		if !fields[prop] {
			t.Errorf("schema %s: property %q is no field of Go %s", name, prop, typ)
		}
	}
	got := slices.Clone(s.Required)
	sort.Strings(got)
	sort.Strings(required)
	if !slices.Equal(got, required) {
		t.Errorf("schema %s: required %v, want %v (the Go fields without omitempty)", name, got, required)
	}
}

// jsonType is the JSON type encoding/json writes a Go type as, or "" for a
// type that can be any JSON value.
func jsonType(t reflect.Type) string {
	switch {
	case t == timeType:
		return "string"
	case t == rawType:
		return ""
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Slice:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return ""
}

func TestDocsCopyIsIdentical(t *testing.T) {
	docs, err := os.ReadFile("../../../docs/openapi.json")
	if err != nil {
		t.Fatalf("%v\nupdate it: cp internal/server/openapi/openapi.json docs/openapi.json", err)
	}
	if !bytes.Equal(docs, openapi.Document) {
		t.Fatal("docs/openapi.json differs from internal/server/openapi/openapi.json\n" +
			"update it: cp internal/server/openapi/openapi.json docs/openapi.json")
	}
}

func TestCheckRoutes(t *testing.T) {
	routes, err := openapi.Paths()
	if err != nil {
		t.Fatal(err)
	}
	// The routes as a Go ServeMux has them: other parameter names, a
	// trailing {$}.
	var served []openapi.Route
	for _, r := range routes {
		p := strings.ReplaceAll(r.Path, "{trigger_id}", "{trigger}")
		p = strings.ReplaceAll(p, "{name}", "{name...}")
		if p == "/api/v1/health" {
			p += "{$}"
		}
		served = append(served, openapi.Route{Method: r.Method, Path: p})
	}
	rec := &recorder{TB: t}
	openapitest.CheckRoutes(rec, served)
	if len(rec.errs) != 0 {
		t.Errorf("CheckRoutes of every documented route: %q", rec.errs)
	}

	// One route the document lacks, one documented route not served.
	served = append(slices.Clone(served[1:]), openapi.Route{Method: "GET", Path: "/api/v1/tokens"})
	rec = &recorder{TB: t}
	openapitest.CheckRoutes(rec, served)
	want := []string{
		"openapi: GET /api/v1/tokens is routed but not in internal/server/openapi/openapi.json",
		fmt.Sprintf("openapi: %s is in internal/server/openapi/openapi.json but not routed", routes[0]),
	}
	if !slices.Equal(rec.errs, want) {
		t.Errorf("CheckRoutes errors:\n%q\nwant\n%q", rec.errs, want)
	}
}

// recorder is a testing.TB that records what fails instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.TB.FailNow()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := r.errs
	r.errs = nil
	return errs
}

const runJSON = `{"id":"r1","workflow":"w","version":1,"status":"running","inputs":{},"blackboard":{},` +
	`"created_at":"2025-01-02T03:04:05Z","started_at":"2025-01-02T03:04:06Z","ended_at":null,"packages":{}}`

// apiServer answers like the server would, rightly on some routes and
// wrongly on others.
func apiServer(t *testing.T, release <-chan struct{}) *httptest.Server {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	mux.HandleFunc("GET /api/v1/health", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"status":"ok","version":"1.2.3"}`)
	})
	mux.HandleFunc("GET /api/v1/runs/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "good":
			reply(w, 200, `{"run":`+runJSON+`}`)
		case "bad": // status is no status, started_at missing
			reply(w, 200, `{"run":{"id":"r1","workflow":"w","version":1,"status":"walking","inputs":{},"blackboard":{},"created_at":"2025-01-02T03:04:05Z","ended_at":null,"packages":{}}}`)
		case "extra": // a field the document does not declare
			reply(w, 200, `{"run":`+strings.Replace(runJSON, `"id":"r1"`, `"id":"r1","colour":"blue"`, 1)+`}`)
		case "teapot":
			reply(w, http.StatusTeapot, `{"error":{"code":"teapot","message":"short and stout"}}`)
		case "missing":
			reply(w, 404, `{"error":{"code":"not_found","message":"no such run"}}`)
		case "wrongcode":
			reply(w, 404, `{"error":{"code":"conflict","message":"no such run"}}`)
		case "limited":
			reply(w, 429, `{"error":{"code":"rate_limited","message":"slow down"}}`) // no Retry-After
		}
	})
	mux.HandleFunc("GET /api/v1/runs/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" {
			reply(w, 200, `{"items":[{"seq":1,"event":"run_start","time":"2025-01-02T03:04:05Z","run_id":"r1"}]}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, "id: 1\ndata: {\"seq\":1,\"event\":\"run_start\"}\n\n")
		w.(http.Flusher).Flush()
		<-release // the stream stays open until the client has read the first event
		io.WriteString(w, "id: 2\ndata: {\"seq\":2,\"event\":\"run_end\"}\n\n")
	})
	mux.HandleFunc("POST /api/v1/tenants", func(w http.ResponseWriter, r *http.Request) {
		var body api.CreateTenant
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ID == "" {
			reply(w, 400, `{"error":{"code":"bad_request","message":"bad body"}}`)
			return
		}
		b, _ := json.Marshal(map[string]any{"tenant": api.Tenant{ID: body.ID, Name: body.Name, CreatedAt: time.Now().UTC()}})
		reply(w, 201, string(b))
	})
	mux.HandleFunc("PUT /api/v1/workflows/{id}", func(w http.ResponseWriter, r *http.Request) {
		src, _ := io.ReadAll(r.Body)
		if !bytes.HasPrefix(src, []byte("name:")) {
			reply(w, 422, `{"error":{"code":"invalid","message":"invalid workflow","details":[{"file":"w.yaml","line":1,"col":1,"message":"no name"}]}}`)
			return
		}
		b, _ := json.Marshal(api.WorkflowReply{Workflow: api.WorkflowVersion{ID: r.PathValue("id"), Version: 1, Source: string(src),
			Packages: map[string]api.LockedPackage{}, CreatedAt: time.Now().UTC()}})
		reply(w, 201, string(b))
	})
	mux.HandleFunc("DELETE /api/v1/secrets/{name...}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") != "oauth/github" {
			reply(w, 404, `{"error":{"code":"not_found","message":"no such secret"}}`)
			return
		}
		w.WriteHeader(204)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"error":{"code":"not_found","message":"no such route"}}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestTransport(t *testing.T) {
	release := make(chan struct{})
	srv := apiServer(t, release)
	defer close(release)
	rec := &recorder{TB: t}
	client := &http.Client{Transport: openapitest.Transport(rec, srv.Client().Transport)}

	exchange := func(method, path, contentType, body string, header ...string) (int, string, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, srv.URL+path, rd)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer t")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	do := func(method, path, contentType, body string, header ...string) (int, string) {
		t.Helper()
		status, b, err := exchange(method, path, contentType, body, header...)
		if err != nil {
			t.Fatal(err)
		}
		return status, b
	}

	for _, c := range []struct {
		name                           string
		method, path, contentType, req string
		header                         []string
		status                         int
		errs                           []string // each a substring of one error, in order
	}{
		{name: "good reply", method: "GET", path: "/api/v1/health", status: 200},
		{name: "good run", method: "GET", path: "/api/v1/runs/good", status: 200},
		{name: "bad-shaped reply", method: "GET", path: "/api/v1/runs/bad", status: 200,
			errs: []string{"GET /api/v1/runs/bad: the 200 reply does not match the document"}},
		{name: "undeclared field", method: "GET", path: "/api/v1/runs/extra", status: 200,
			errs: []string{"does not declare: $.run.colour"}},
		{name: "unlisted status", method: "GET", path: "/api/v1/runs/teapot", status: 418,
			errs: []string{"status 418 is not a reply the document lists for GET /api/v1/runs/{id}"}},
		{name: "error reply", method: "GET", path: "/api/v1/runs/missing", status: 404},
		{name: "error code of another status", method: "GET", path: "/api/v1/runs/wrongcode", status: 404,
			errs: []string{"the 404 reply does not match"}},
		{name: "429 without Retry-After", method: "GET", path: "/api/v1/runs/limited", status: 429,
			errs: []string{`Retry-After`}},
		{name: "events as JSON", method: "GET", path: "/api/v1/runs/good/events?limit=10", status: 200},
		{name: "bad query", method: "GET", path: "/api/v1/runs/good/events?limit=501", status: 200,
			errs: []string{"the request does not match the document"}},
		{name: "good request", method: "POST", path: "/api/v1/tenants", contentType: "application/json",
			req: `{"id":"acme","name":"Acme"}`, status: 201},
		{name: "unknown request field", method: "POST", path: "/api/v1/tenants", contentType: "application/json",
			req: `{"id":"acme","colour":"blue"}`, status: 201,
			errs: []string{"POST /api/v1/tenants: the request does not match the document"}},
		{name: "bad request on purpose", method: "POST", path: "/api/v1/tenants", contentType: "application/json",
			req: `{"name":"Acme"}`, header: []string{"X-Test-Invalid", "1"}, status: 400},
		{name: "workflow YAML", method: "PUT", path: "/api/v1/workflows/w", contentType: "application/x-yaml",
			req: "name: w\nroot: {type: sequence}\n", status: 201},
		{name: "invalid YAML is a valid request", method: "PUT", path: "/api/v1/workflows/w", contentType: "application/x-yaml",
			req: "{{{ not: [yaml", status: 422},
		{name: "YAML as JSON", method: "PUT", path: "/api/v1/workflows/w", contentType: "application/json",
			req: `{"name":"w"}`, status: 422, errs: []string{"the request does not match the document"}},
		{name: "unknown route", method: "GET", path: "/api/v1/tokens", status: 404,
			errs: []string{"GET /api/v1/tokens: no operation in the document"}},
		{name: "unknown route on purpose", method: "GET", path: "/api/v1/tokens", header: []string{"X-Test-Invalid", "1"}, status: 404},
		{name: "a slash in a parameter, encoded", method: "DELETE", path: "/api/v1/secrets/oauth%2Fgithub", status: 204},
		{name: "a slash in a multi-segment parameter", method: "DELETE", path: "/api/v1/secrets/oauth/github", status: 204},
		{name: "a slash in a one-segment parameter", method: "GET", path: "/api/v1/runs/a/b", status: 404,
			errs: []string{"GET /api/v1/runs/a/b: no operation in the document"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := do(c.method, c.path, c.contentType, c.req, c.header...)
			if status != c.status {
				t.Errorf("status %d, want %d (body %s)", status, c.status, body)
			}
			if status != 204 && !json.Valid([]byte(body)) {
				t.Errorf("the caller read %q: not the JSON the server sent", body)
			}
			errs := rec.take()
			for _, e := range errs {
				t.Log(e)
			}
			if len(errs) != len(c.errs) {
				t.Fatalf("Transport reported %d errors, want %d:\n%s", len(errs), len(c.errs), strings.Join(errs, "\n"))
			}
			for i, want := range c.errs {
				if !strings.Contains(errs[i], want) {
					t.Errorf("error %d = %q, want it to say %q", i, errs[i], want)
				}
			}
		})
	}

	// Concurrent exchanges (the server's tests run requests in parallel).
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, _, err = exchange("GET", "/api/v1/runs/good", "", "")
			} else {
				_, _, err = exchange("POST", "/api/v1/tenants", "application/json", `{"id":"acme"}`)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if errs := rec.take(); len(errs) != 0 {
		t.Errorf("concurrent exchanges: %q", errs)
	}

	// The request body reaches the server whole.
	status, body := do("PUT", "/api/v1/workflows/w", "application/x-yaml", "name: w\nroot: {type: sequence}\n")
	var wf api.WorkflowReply
	if err := json.Unmarshal([]byte(body), &wf); status != 201 || err != nil || wf.Workflow.Source != "name: w\nroot: {type: sequence}\n" {
		t.Errorf("PUT workflow: %d %s (%v): the server did not get the body as sent", status, body, err)
	}

	// A live event stream is passed on as it comes: the first event is
	// read while the server still holds the stream open.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/runs/good/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", "0")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "id: 1\n" {
		t.Errorf("first line of the stream: %q, %v", line, err)
	}
	if errs := rec.take(); len(errs) != 0 {
		t.Errorf("the event stream: %q", errs)
	}
}
