package remote_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/remote"
	"github.com/weft-dev/weft/internal/remote/remotetest"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/signing"
	"github.com/weft-dev/weft/internal/wasmtest"
)

const hello = `type: Sequence
id: hello
children:
  - type: SetVariable
    id: set-name
    props:
      key: name
      value: "{{ who ?? 'world' }}"
  - type: SetVariable
    id: set-n
    props:
      key: n
      value: 9007199254740993
`

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestParseStream(t *testing.T) {
	in := "\ufeff: a comment\r\n" +
		"retry: 1500\n\n" +
		"id: 1\nevent: node_started\ndata: {\"a\":1}\n\n" +
		"id: 2\r\nevent:node_finished\r\ndata: line one\r\ndata:line two\r\n\r\n" +
		"data: no id\rdata\r\r" + // lone CRs; a field name alone is an empty value
		": keep-alive\n\n" +
		"id: 3\n\n" + // only an id
		"event: end\ndata: {\"status\":\"success\"}\n\n" +
		"data: cut off without its blank line"
	var got []remote.Message
	if err := remote.ParseStream(strings.NewReader(in), func(m remote.Message) error {
		got = append(got, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []remote.Message{
		{Retry: 1500 * time.Millisecond},
		{ID: "1", Event: "node_started", Data: `{"a":1}`},
		{ID: "2", Event: "node_finished", Data: "line one\nline two"},
		{ID: "2", Event: "message", Data: "no id\n"},
		{ID: "3"},
		{ID: "3", Event: "end", Data: `{"status":"success"}`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: got %+v, want %+v", i, got[i], want[i])
		}
	}

	stop := errors.New("stop")
	n := 0
	err := remote.ParseStream(strings.NewReader("data: a\n\ndata: b\n\n"), func(remote.Message) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("a callback's error ends the stream: got %v after %d", err, n)
	}
}

func TestErrorText(t *testing.T) {
	e := &remote.Error{Status: 422, Code: "invalid", Message: "w.yaml: 2 problem(s)", Details: []api.Detail{
		{File: "w.yaml", Line: 2, Col: 7, Message: `unknown node type "Sequense" (did you mean "Sequence"?)`},
		{File: "upload", Message: "no manifest.toml"},
		{Message: "bare"},
	}}
	want := "w.yaml: 2 problem(s)\nw.yaml:2:7: unknown node type \"Sequense\" (did you mean \"Sequence\"?)\nupload: no manifest.toml\nbare"
	if e.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", e.Error(), want)
	}
}

func TestWorkflowsAndRuns(t *testing.T) {
	s := remotetest.Start(t)
	c := remote.New(s.URL+"/api/v1/", s.Token, nil)
	ctx := ctx(t)

	h, err := c.Health(ctx)
	if err != nil || h.Status != "ok" || h.Version == "" {
		t.Fatalf("health: %+v %v", h, err)
	}

	v, created, err := c.PutWorkflow(ctx, "hello", []byte(hello))
	if err != nil || !created || v.ID != "hello" || v.Version != 1 {
		t.Fatalf("put: %+v created=%v %v", v, created, err)
	}
	v2, created, err := c.PutWorkflow(ctx, "hello", []byte(hello))
	if err != nil || created || v2.Version != 1 {
		t.Fatalf("put of the same bytes: %+v created=%v %v", v2, created, err)
	}

	problems, err := c.ValidateWorkflow(ctx, []byte(hello))
	if err != nil || len(problems) != 0 {
		t.Fatalf("validate a valid workflow: %v %v", problems, err)
	}
	bad := "type: Sequense\nid: x\nchildren:\n  - type: SetVariable\n    props: {key: a, valu: 1}\n"
	problems, err = c.ValidateWorkflow(ctx, []byte(bad))
	if err != nil || len(problems) < 2 {
		t.Fatalf("validate an invalid workflow: %+v %v", problems, err)
	}
	if p := problems[0]; p.Line != 1 || p.Col == 0 || !strings.Contains(p.Message, "Sequence") {
		t.Errorf("first problem: %+v", p)
	}
	_, _, err = c.PutWorkflow(ctx, "bad", []byte(bad))
	var re *remote.Error
	if !errors.As(err, &re) || re.Status != 422 || re.Code != api.CodeInvalid || len(re.Details) < 2 {
		t.Fatalf("put of an invalid workflow: %v", err)
	}
	if !strings.Contains(re.Error(), "bad.yaml:1:") {
		t.Errorf("the error lists each problem as FILE:LINE:COL: %s", re.Error())
	}

	run, err := c.StartRun(ctx, "hello", api.StartRun{Inputs: map[string]any{"who": "Ada"}, Version: v.Version})
	if err != nil || run.ID == "" || run.Workflow != "hello" {
		t.Fatalf("start: %+v %v", run, err)
	}
	var kinds []string
	var ids []int64
	var end remote.EndEvent
	err = c.StreamEvents(ctx, run.ID, 0, func(id int64, kind string, data []byte) error {
		kinds = append(kinds, kind)
		if kind == "end" {
			return json.Unmarshal(data, &end)
		}
		ids = append(ids, id)
		var rec map[string]any
		if err := json.Unmarshal(data, &rec); err != nil || rec["event"] != kind {
			t.Errorf("event %d: kind %q, data %s (%v)", id, kind, data, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if end.RunID != run.ID || end.Status != "success" || kinds[len(kinds)-1] != "end" {
		t.Fatalf("end: %+v after %v", end, kinds)
	}
	for i := range ids {
		if ids[i] != int64(i+1) {
			t.Fatalf("event ids: %v", ids)
		}
	}
	if !contains(kinds, "node_finished") {
		t.Errorf("no node_finished among %v", kinds)
	}

	got, err := c.GetRun(ctx, run.ID)
	if err != nil || got.Status != "success" || got.Blackboard["name"] != "Ada" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if n, _ := json.Marshal(got.Blackboard["n"]); string(n) != "9007199254740993" {
		t.Errorf("a big integer comes back exactly: %s", n)
	}

	// Replays: everything, and from an id on.
	all, err := c.Events(ctx, run.ID, 0)
	if err != nil || len(all) != len(ids) {
		t.Fatalf("events: %d, streamed %d: %v", len(all), len(ids), err)
	}
	later, err := c.Events(ctx, run.ID, 2)
	if err != nil || len(later) != len(ids)-2 {
		t.Fatalf("events after 2: %d of %d: %v", len(later), len(ids), err)
	}
	var resumed []int64
	if err := c.StreamEvents(ctx, run.ID, 2, func(id int64, kind string, data []byte) error {
		if kind != "end" {
			resumed = append(resumed, id)
		}
		return nil
	}); err != nil || len(resumed) != len(ids)-2 || resumed[0] != 3 {
		t.Fatalf("stream from Last-Event-ID 2: %v %v", resumed, err)
	}
	// ErrStop ends a stream early without an error.
	n := 0
	if err := c.StreamEvents(ctx, run.ID, 0, func(int64, string, []byte) error { n++; return remote.ErrStop }); err != nil || n != 1 {
		t.Fatalf("ErrStop: %v after %d", err, n)
	}

	// A failing run, and the list filters.
	failing := "type: ForceFailure\nid: nope\nchildren:\n  - type: SetVariable\n    props: {key: a, value: 1}\n"
	if _, _, err := c.PutWorkflow(ctx, "failing", []byte(failing)); err != nil {
		t.Fatal(err)
	}
	fr, err := c.StartRun(ctx, "failing", api.StartRun{Wait: true})
	if err != nil || fr.Status != "failure" {
		t.Fatalf("a failing run, waited for: %+v %v", fr, err)
	}
	list, err := c.ListRuns(ctx, remote.RunFilter{}, 0, "")
	if err != nil || len(list.Items) != 2 || list.Items[0].ID != fr.ID {
		t.Fatalf("list, newest first: %+v %v", list, err)
	}
	list, err = c.ListRuns(ctx, remote.RunFilter{Status: "success"}, 0, "")
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != run.ID {
		t.Fatalf("list of successes: %+v %v", list, err)
	}
	list, err = c.ListRuns(ctx, remote.RunFilter{Workflow: "failing"}, 0, "")
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != fr.ID {
		t.Fatalf("list of workflow failing: %+v %v", list, err)
	}
	page, err := c.ListRuns(ctx, remote.RunFilter{}, 1, "")
	if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page of 1: %+v %v", page, err)
	}
	page, err = c.ListRuns(ctx, remote.RunFilter{}, 1, page.NextCursor)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != run.ID {
		t.Fatalf("second page: %+v %v", page, err)
	}
	if _, err := c.ListRuns(ctx, remote.RunFilter{Status: "weird"}, 0, ""); !remote.IsStatus(err, 400) {
		t.Fatalf("a bad status filter: %v", err)
	}

	// Canceling an ended run conflicts; an unknown run is 404.
	if _, err := c.CancelRun(ctx, run.ID); !remote.IsStatus(err, http.StatusConflict) {
		t.Fatalf("cancel an ended run: %v", err)
	}
	if _, err := c.GetRun(ctx, "no-such-run"); !remote.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("get an unknown run: %v", err)
	}
	if err := c.StreamEvents(ctx, "no-such-run", 0, func(int64, string, []byte) error { return nil }); !remote.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("stream an unknown run: %v", err)
	}
}

func TestCancelRun(t *testing.T) {
	s := remotetest.Start(t)
	c := remote.New(s.URL, s.Token, nil)
	ctx := ctx(t)
	slow := "type: Sequence\nid: slow\nchildren:\n  - type: WaitAction\n    id: wait\n    props: {waitMs: 60000}\n"
	if _, _, err := c.PutWorkflow(ctx, "slow", []byte(slow)); err != nil {
		t.Fatal(err)
	}
	run, err := c.StartRun(ctx, "slow", api.StartRun{})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the wait has started, seen on the stream.
	if err := c.StreamEvents(ctx, run.ID, 0, func(id int64, kind string, data []byte) error {
		if kind == "node_started" && strings.Contains(string(data), `"wait"`) {
			return remote.ErrStop
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ended, err := c.CancelRun(ctx, run.ID)
	if err != nil || ended.Status != "canceled" {
		t.Fatalf("cancel: %+v %v", ended, err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("cancel took %s", time.Since(start))
	}
	var end remote.EndEvent
	if err := c.StreamEvents(ctx, run.ID, 0, func(id int64, kind string, data []byte) error {
		if kind == "end" {
			return json.Unmarshal(data, &end)
		}
		return nil
	}); err != nil || end.Status != "canceled" {
		t.Fatalf("the stream of a canceled run ends canceled: %+v %v", end, err)
	}
}

func TestAuthErrors(t *testing.T) {
	s := remotetest.Start(t)
	ctx := ctx(t)
	for _, token := range []string{"", "weft_not-a-token"} {
		_, err := remote.New(s.URL, token, nil).ListRuns(ctx, remote.RunFilter{}, 0, "")
		var re *remote.Error
		if !errors.As(err, &re) || re.Status != 401 || re.Code != api.CodeUnauthorized || re.Message == "" {
			t.Fatalf("token %q: %v", token, err)
		}
	}
	viewer := remote.New(s.URL, s.NewToken(t, "viewer"), nil)
	if _, _, err := viewer.PutWorkflow(ctx, "hello", []byte(hello)); !remote.IsStatus(err, 403) {
		t.Fatalf("a viewer may not store workflows: %v", err)
	}
	if _, err := viewer.Health(ctx); err != nil {
		t.Fatalf("health needs no role: %v", err)
	}
	// Not a weft server at all: the error says what came back.
	_, err := remote.New(s.URL+"/nowhere", s.Token, nil).Health(ctx)
	var re *remote.Error
	if !errors.As(err, &re) || re.Status != 404 {
		t.Fatalf("a wrong base path: %v", err)
	}
}

func TestUploadPackage(t *testing.T) {
	dir := wasmtest.CEcho(t)
	pkg, err := weft.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := remotetest.Start(t)
	c := remote.New(s.URL, s.Token, nil)
	ctx := ctx(t)

	// Not a package.
	_, err = c.UploadPackage(ctx, []byte("not a package"), nil)
	var re *remote.Error
	if !errors.As(err, &re) || re.Status != 422 || len(re.Details) == 0 {
		t.Fatalf("garbage: %v", err)
	}

	// Signed by a key the tenant trusts: the signature travels base64 in
	// its header. (The same bytes uploaded again are this version, so the
	// signed upload comes first; the CLI's test uploads one unsigned.)
	pub, sec, err := signing.GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	keyID, _ := signing.KeyID(pub)
	if err := s.Store.PutTrustedKey(ctx, &db.TrustedKey{Tenant: remotetest.Tenant, ID: keyID, PublicKey: string(pub), CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPackage(ctx, pkg, []byte("not a signature")); !remote.IsStatus(err, 422) {
		t.Fatalf("a bad signature: %v", err)
	}
	sig, err := signing.Sign(sec, "", pkg, "weft package test.cecho 1.0.0 "+digest(pkg))
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.UploadPackage(ctx, pkg, sig)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if n.ID == "" || n.Package != "test.cecho" || n.Version != "1.0.0" || n.Status != "draft" || n.Digest != digest(pkg) {
		t.Fatalf("uploaded: %+v", n)
	}
	if n.Signer != keyID {
		t.Errorf("the signature travels in %s: signer %q, want %q", remote.SignatureHeader, n.Signer, keyID)
	}
	if len(n.Review.Permissions) == 0 {
		t.Errorf("the review shows the permissions: %+v", n.Review)
	}

	// A draft is not usable; activated, it is.
	flow := "type: test.cecho/add\nid: sum\nprops: {a: 2, b: 3}\n"
	if _, _, err := c.PutWorkflow(ctx, "math", []byte(flow)); !remote.IsStatus(err, 422) {
		t.Fatalf("a workflow using a draft: %v", err)
	}
	act, err := c.ActivateCustomNode(ctx, n.ID)
	if err != nil || act.Status != "active" {
		t.Fatalf("activate: %+v %v", act, err)
	}
	if _, _, err := c.PutWorkflow(ctx, "math", []byte(flow)); err != nil {
		t.Fatalf("a workflow using the active package: %v", err)
	}
	run, err := c.StartRun(ctx, "math", api.StartRun{Wait: true})
	if err != nil || run.Status != "success" {
		t.Fatalf("run: %+v %v", run, err)
	}
	if sum, _ := json.Marshal(run.Blackboard["sum"]); string(sum) != `{"sum":5}` {
		t.Errorf("blackboard: %v", run.Blackboard)
	}
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
