// pages.go: the UI's pages and forms, each a few API calls.

package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft/internal/api"
)

func contextWith(r *http.Request, token string) context.Context {
	return context.WithValue(r.Context(), ctxKey{}, token)
}

func tokenOf(r *http.Request) string {
	t, _ := r.Context().Value(ctxKey{}).(string)
	return t
}

const b = api.Base

func (u *UI) home(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		http.Redirect(w, r, "/catalog", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, "login", "Sign in", "", struct{ Next string }{safeNext(r.URL.Query().Get("next"))}, "")
}

// safeNext keeps a redirect after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return "/catalog"
	}
	return next
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSpace(r.PostFormValue("token"))
	next := safeNext(r.PostFormValue("next"))
	rr := r.WithContext(contextWith(r, token))
	a := u.call(rr, "GET", b+"/nodes/Sequence", nil, "")
	if token == "" || a.status != http.StatusOK {
		msg := "that token is not valid for this server"
		if a.status == http.StatusForbidden {
			msg = "that token cannot use the UI: " + a.err()
		}
		w.WriteHeader(http.StatusUnauthorized)
		u.render(w, r, "login", "Sign in", "", struct{ Next string }{next}, msg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// ---- catalog ----

func (u *UI) catalog(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var list api.List[api.NodeType]
	msg := u.get(r, b+"/nodes?limit=500", &list)
	var shown []api.NodeType
	lq := strings.ToLower(q)
	for _, n := range list.Items {
		if q == "" || strings.Contains(strings.ToLower(n.Type+" "+n.Category+" "+n.Description+" "+n.Package), lq) {
			shown = append(shown, n)
		}
	}
	u.render(w, r, "catalog", "Catalog", "catalog", struct {
		Q     string
		Nodes []api.NodeType
		Total int
	}{q, shown, len(list.Items)}, msg)
}

func (u *UI) nodeType(w http.ResponseWriter, r *http.Request) {
	t := chi.URLParam(r, "*")
	var n api.NodeType
	msg := u.get(r, b+"/nodes/"+url.PathEscape(t), &n)
	u.render(w, r, "node", t, "catalog", n, msg)
}

// ---- custom nodes ----

type packageGroup struct {
	Package  string
	Versions []api.CustomNode
}

func (u *UI) customNodes(w http.ResponseWriter, r *http.Request) {
	u.renderCustomNodes(w, r, "", nil)
}

func (u *UI) renderCustomNodes(w http.ResponseWriter, r *http.Request, errMsg string, problems []api.Detail) {
	var list api.List[api.CustomNode]
	msg := u.get(r, b+"/custom-nodes?limit=500", &list)
	if errMsg != "" {
		msg = errMsg
	}
	by := map[string]*packageGroup{}
	var groups []*packageGroup
	for _, n := range list.Items {
		g := by[n.Package]
		if g == nil {
			g = &packageGroup{Package: n.Package}
			by[n.Package] = g
			groups = append(groups, g)
		}
		g.Versions = append(g.Versions, n)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Package < groups[j].Package })
	u.render(w, r, "custom-nodes", "Custom nodes", "custom", struct {
		Packages []*packageGroup
		Problems []api.Detail
		Form     map[string]string
	}{groups, problems, map[string]string{"name": r.PostFormValue("name"), "version": r.PostFormValue("version"),
		"description": r.PostFormValue("description"), "source": r.PostFormValue("sourceCode")}}, msg)
}

// upload sends a .weftpkg file or a TypeScript source to the API.
func (u *UI) upload(w http.ResponseWriter, r *http.Request) {
	var a *apiReply
	if f, _, err := r.FormFile("package"); err == nil {
		data, err := io.ReadAll(io.LimitReader(f, 256<<20))
		f.Close()
		if err != nil {
			u.renderCustomNodes(w, r, "reading the file: "+err.Error(), nil)
			return
		}
		a = u.call(r, "POST", b+"/custom-nodes", data, "application/octet-stream")
	} else {
		a = u.send(r, "POST", b+"/custom-nodes", api.TypeScriptUpload{Name: r.PostFormValue("name"), Version: r.PostFormValue("version"),
			Description: r.PostFormValue("description"), SourceCode: r.PostFormValue("sourceCode")})
	}
	if msg := a.err(); msg != "" {
		w.WriteHeader(a.status)
		u.renderCustomNodes(w, r, msg, a.problems())
		return
	}
	var rep api.CustomNodeReply
	_ = json.Unmarshal(a.body, &rep)
	back(w, r, "/custom-nodes/"+url.PathEscape(rep.CustomNode.ID), "uploaded: review its permissions before you activate it")
}

func (u *UI) customNode(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	var rep api.CustomNodeReply
	msg := u.get(r, b+"/custom-nodes/"+url.PathEscape(id), &rep)
	n := rep.CustomNode
	isNew := map[string]bool{}
	for _, l := range n.Review.NewPermissions {
		isNew[l] = true
	}
	type line struct {
		Text string
		New  bool
	}
	var lines []line
	for _, l := range n.Review.Permissions {
		lines = append(lines, line{l, isNew[l]})
	}
	var sources []struct{ Path, Text string }
	for p, t := range n.Sources {
		sources = append(sources, struct{ Path, Text string }{p, t})
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i].Path < sources[j].Path })
	u.render(w, r, "custom-node", n.Package+" "+n.Version, "custom", struct {
		Node    api.CustomNode
		Lines   []line
		Sources []struct{ Path, Text string }
	}{n, lines, sources}, msg)
}

func (u *UI) customNodeAction(w http.ResponseWriter, r *http.Request) {
	id, action := chi.URLParam(r, "id"), chi.URLParam(r, "action")
	if action != "activate" && action != "deprecate" {
		http.NotFound(w, r)
		return
	}
	var body any
	if m := r.PostFormValue("message"); action == "deprecate" && m != "" {
		body = map[string]string{"message": m}
	}
	a := u.send(r, "POST", b+"/custom-nodes/"+url.PathEscape(id)+"/"+action, body)
	if msg := a.err(); msg != "" {
		back(w, r, "/custom-nodes/"+url.PathEscape(id), action+" failed: "+msg)
		return
	}
	back(w, r, "/custom-nodes/"+url.PathEscape(id), action+"d")
}

func (u *UI) rollback(w http.ResponseWriter, r *http.Request) {
	pkg := chi.URLParam(r, "package")
	a := u.send(r, "POST", b+"/packages/"+url.PathEscape(pkg)+"/rollback", nil)
	if msg := a.err(); msg != "" {
		back(w, r, "/custom-nodes", "rollback of "+pkg+" failed: "+msg)
		return
	}
	var rep api.CustomNodeReply
	_ = json.Unmarshal(a.body, &rep)
	back(w, r, "/custom-nodes/"+url.PathEscape(rep.CustomNode.ID), "rolled back to "+rep.CustomNode.Version)
}

// ---- workflows ----

func (u *UI) workflows(w http.ResponseWriter, r *http.Request) {
	u.renderWorkflows(w, r, "", nil)
}

func (u *UI) renderWorkflows(w http.ResponseWriter, r *http.Request, errMsg string, problems []api.Detail) {
	var list api.List[api.Workflow]
	msg := u.get(r, b+"/workflows?limit=200", &list)
	if errMsg != "" {
		msg = errMsg
	}
	src := r.PostFormValue("source")
	u.render(w, r, "workflows", "Workflows", "workflows", struct {
		Workflows []api.Workflow
		ID        string
		Source    []sourceLine
		Raw       string
		Problems  []api.Detail
	}{list.Items, r.PostFormValue("id"), annotate(src, problems), src, problems}, msg)
}

// sourceLine is one line of a YAML shown with its problems.
type sourceLine struct {
	N        int
	Text     string
	Problems []string
}

func annotate(src string, problems []api.Detail) []sourceLine {
	if src == "" {
		return nil
	}
	var out []sourceLine
	for i, l := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		sl := sourceLine{N: i + 1, Text: l}
		for _, p := range problems {
			if p.Line == i+1 {
				sl.Problems = append(sl.Problems, fmt.Sprintf("%d:%d: %s", p.Line, p.Col, p.Message))
			}
		}
		out = append(out, sl)
	}
	return out
}

// saveWorkflow stores a new version (PUT), from the new-workflow form or
// the editor of a workflow's page.
func (u *UI) saveWorkflow(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.PostFormValue("id"))
	src := r.PostFormValue("source")
	if id == "" {
		u.renderWorkflows(w, r, "a workflow needs an id", nil)
		return
	}
	a := u.call(r, "PUT", b+"/workflows/"+url.PathEscape(id), []byte(src), "application/x-yaml")
	if msg := a.err(); msg != "" {
		w.WriteHeader(a.status)
		if r.PostFormValue("from") == "workflow" {
			u.renderWorkflow(w, r, id, msg, a.problems())
			return
		}
		u.renderWorkflows(w, r, msg, a.problems())
		return
	}
	notice := "saved a new version"
	if a.status == http.StatusOK {
		notice = "no change: the YAML equals the newest version"
	}
	back(w, r, "/workflows/"+url.PathEscape(id), notice)
}

func (u *UI) workflow(w http.ResponseWriter, r *http.Request) {
	u.renderWorkflow(w, r, chi.URLParam(r, "id"), "", nil)
}

func (u *UI) renderWorkflow(w http.ResponseWriter, r *http.Request, id, errMsg string, problems []api.Detail) {
	path := b + "/workflows/" + url.PathEscape(id)
	version := r.URL.Query().Get("version")
	q := ""
	if version != "" {
		q = "?version=" + url.QueryEscape(version)
	}
	var rep api.WorkflowReply
	msg := u.get(r, path+q, &rep)
	var versions api.List[api.WorkflowVersion]
	if m := u.get(r, path+"/versions?limit=100", &versions); msg == "" {
		msg = m
	}
	var diff []diffLine
	against := 0
	if d := r.URL.Query().Get("diff"); d != "" && msg == "" {
		if n, err := strconv.Atoi(d); err == nil && n >= 1 {
			var old api.WorkflowReply
			if m := u.get(r, path+"?version="+strconv.Itoa(n), &old); m == "" {
				diff, against = lineDiff(old.Workflow.Source, rep.Workflow.Source), n
			} else {
				msg = m
			}
		}
	}
	if errMsg != "" {
		msg = errMsg
	}
	editing := rep.Workflow.Source
	if problems != nil || errMsg != "" {
		editing = r.PostFormValue("source")
	}
	u.render(w, r, "workflow", id, "workflows", struct {
		W        api.WorkflowVersion
		Source   []sourceLine
		Versions []api.WorkflowVersion
		Diff     []diffLine
		Against  int
		Editing  string
		Problems []api.Detail
		Inputs   string
	}{rep.Workflow, annotate(editing, problems), versions.Items, diff, against, editing, problems, firstOf(r.PostFormValue("inputs"), "{}")}, msg)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (u *UI) startRun(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	var inputs map[string]any
	if s := strings.TrimSpace(r.PostFormValue("inputs")); s != "" {
		if err := json.Unmarshal([]byte(s), &inputs); err != nil {
			u.renderWorkflow(w, r, id, "inputs: expected a JSON object, like {\"name\": \"Ada\"}: "+err.Error(), nil)
			return
		}
	}
	a := u.send(r, "POST", b+"/workflows/"+url.PathEscape(id)+"/runs", api.StartRun{Inputs: inputs})
	if msg := a.err(); msg != "" {
		u.renderWorkflow(w, r, id, "the run did not start: "+msg, nil)
		return
	}
	var rep api.RunReply
	_ = json.Unmarshal(a.body, &rep)
	back(w, r, "/runs/"+url.PathEscape(rep.Run.ID), "")
}

// ---- triggers ----

func (u *UI) triggers(w http.ResponseWriter, r *http.Request) {
	u.renderTriggers(w, r, chi.URLParam(r, "id"), "", nil)
}

func (u *UI) renderTriggers(w http.ResponseWriter, r *http.Request, id, errMsg string, created *api.Trigger) {
	var list api.List[api.Trigger]
	msg := u.get(r, b+"/workflows/"+url.PathEscape(id)+"/triggers", &list)
	if errMsg != "" {
		msg = errMsg
	}
	u.render(w, r, "triggers", "Triggers of "+id, "workflows", struct {
		ID       string
		Triggers []api.Trigger
		Created  *api.Trigger
	}{id, list.Items, created}, msg)
}

func (u *UI) createTrigger(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	t := api.CreateTrigger{Type: r.PostFormValue("type")}
	if t.Type == "schedule" {
		t.Cron, t.Timezone, t.Overlap = r.PostFormValue("cron"), r.PostFormValue("timezone"), r.PostFormValue("overlap")
	}
	a := u.send(r, "POST", b+"/workflows/"+url.PathEscape(id)+"/triggers", t)
	if msg := a.err(); msg != "" {
		u.renderTriggers(w, r, id, msg, nil)
		return
	}
	var rep api.TriggerReply
	_ = json.Unmarshal(a.body, &rep)
	u.renderTriggers(w, r, id, "", &rep.Trigger) // a webhook's secret is shown this once
}

func (u *UI) deleteTrigger(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	wf := r.PostFormValue("workflow")
	a := u.send(r, "DELETE", b+"/triggers/"+url.PathEscape(id), nil)
	notice := "trigger deleted"
	if msg := a.err(); msg != "" {
		notice = "delete failed: " + msg
	}
	back(w, r, "/workflows/"+url.PathEscape(wf)+"/triggers", notice)
}

// ---- runs ----

func (u *UI) runs(w http.ResponseWriter, r *http.Request) {
	q := url.Values{"limit": {"50"}}
	status, wf := r.URL.Query().Get("status"), r.URL.Query().Get("workflow")
	if status != "" {
		q.Set("status", status)
	}
	if wf != "" {
		q.Set("workflow", wf)
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	var list api.List[api.Run]
	msg := u.get(r, b+"/runs?"+q.Encode(), &list)
	u.render(w, r, "runs", "Runs", "runs", struct {
		Runs             []api.Run
		Status, Workflow string
		Next             string
		Statuses         []string
	}{list.Items, status, wf, list.NextCursor, []string{"queued", "running", "success", "failure", "canceled", "interrupted"}}, msg)
}

func (u *UI) run(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	var rep api.RunReply
	msg := u.get(r, b+"/runs/"+url.PathEscape(id), &rep)
	var wf api.WorkflowReply
	if msg == "" {
		msg = u.get(r, b+"/workflows/"+url.PathEscape(rep.Run.Workflow)+"?version="+strconv.Itoa(rep.Run.Version), &wf)
	}
	u.render(w, r, "run", "Run "+id, "runs", struct {
		Run  api.Run
		Tree *api.TreeNode
	}{rep.Run, wf.Workflow.Tree}, msg)
}

// runEvents streams the run's events: the API's own stream, as the
// signed-in user.
func (u *UI) runEvents(w http.ResponseWriter, r *http.Request) {
	req := r.Clone(apiContext(r))
	req.URL = &url.URL{Path: b + "/runs/" + url.PathEscape(chi.URLParam(r, "id")) + "/events"}
	req.RequestURI = ""
	req.Header = http.Header{}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tokenOf(r))
	if l := r.Header.Get("Last-Event-ID"); l != "" {
		req.Header.Set("Last-Event-ID", l)
	}
	u.api.ServeHTTP(w, req)
}

func (u *UI) cancelRun(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	a := u.send(r, "POST", b+"/runs/"+url.PathEscape(id)+"/cancel", nil)
	notice := "cancel requested"
	if msg := a.err(); msg != "" {
		notice = "cancel failed: " + msg
	}
	back(w, r, "/runs/"+url.PathEscape(id), notice)
}

// ---- secrets ----

func (u *UI) secrets(w http.ResponseWriter, r *http.Request) {
	var list api.List[api.Secret]
	msg := u.get(r, b+"/secrets?limit=500", &list)
	u.render(w, r, "secrets", "Secrets", "secrets", list.Items, msg)
}

func (u *UI) putSecret(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	a := u.send(r, "PUT", b+"/secrets/"+escapeSecret(name), api.PutSecret{Value: r.PostFormValue("value")})
	notice := "secret " + name + " saved"
	if msg := a.err(); msg != "" {
		notice = "saving failed: " + msg
	}
	back(w, r, "/secrets", notice)
}

func (u *UI) deleteSecret(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	a := u.send(r, "DELETE", b+"/secrets/"+escapeSecret(name), nil)
	notice := "secret " + name + " deleted"
	if msg := a.err(); msg != "" {
		notice = "delete failed: " + msg
	}
	back(w, r, "/secrets", notice)
}

// escapeSecret escapes each segment of a secret's name (oauth/google).
func escapeSecret(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
