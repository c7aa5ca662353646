// browser_test.go: the web UI in a real headless Chromium (Debian's
// chromium, driven by chromedp) against a real weft server on 127.0.0.1:
// sign in, upload a package and a TypeScript node, review and activate,
// save a workflow, watch a run's nodes change status live, cancel a long
// run, and a second tenant who sees none of it. Any JavaScript error on a
// page fails the test; every page is checked for labelled, keyboard-
// reachable controls and for status written as text.
//
// WEFT_SCREENSHOTS=DIR writes the screenshots there (scripts/screenshots
// makes docs/screenshots with it); WEFT_UI_TIMINGS=FILE appends the page
// load figures.

package ui_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server"
	"github.com/weft-dev/weft/internal/server/db"
)

const greetTS = `import { node } from "weft";
export default node({
  description: "Greets",
  inputs: { name: { type: "string", required: true } },
  outputs: { greeting: "string" },
  permissions: { timeout: "quick", variables: true },
  async run(ctx, input) {
    ctx.log.info("greeting " + input.name);
    return { greeting: "Hello, " + input.name };
  },
});
`

const flowYAML = `type: Sequence
id: flow
children:
  - type: WaitAction
    id: first
    props: {waitMs: 400}
  - type: Greet
    id: greet
    props: {name: Ada}
  - type: WaitAction
    id: last
    props: {waitMs: 400}
`

// env is a server and a browser.
type env struct {
	t       *testing.T
	url     string
	st      db.Store
	browser context.Context
	mu      sync.Mutex
	jsErrs  []string
	shots   string
}

func start(t *testing.T) *env {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (scripts/install-test-deps installs it)")
		}
		t.Skip("chromium is not installed")
	}
	ctx := context.Background()
	st, err := db.Open(ctx, filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true, Secrets: server.Secrets(st)})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Config{Store: st, Engine: eng, SingleServer: true, Poll: 20 * time.Millisecond,
		TenantRate: 10000, TenantBurst: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.Headless, chromedp.WindowSize(1280, 900))...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if _, err := chromedp.Run(browser, chromedp.Evaluate[int]("1")); err != nil { // starts the browser
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		srv.Shutdown(sctx)
		eng.Close()
		st.Close()
	})
	e := &env{t: t, url: "http://" + ln.Addr().String(), st: st, browser: browser, shots: os.Getenv("WEFT_SCREENSHOTS")}
	return e
}

// tab opens a tab of its own browser context (its own cookies), failing
// the test on any JavaScript error it logs.
func (e *env) tab() context.Context {
	e.t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	e.t.Cleanup(cancel)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			e.mu.Lock()
			e.jsErrs = append(e.jsErrs, fmt.Sprintf("%s (line %d)", ev.ExceptionDetails.Text, ev.ExceptionDetails.LineNumber))
			e.mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				e.mu.Lock()
				e.jsErrs = append(e.jsErrs, "console.error: "+strings.Join(parts, " "))
				e.mu.Unlock()
			}
		}
	}); err != nil {
		e.t.Fatal(err)
	}
	return ctx
}

func (e *env) do(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text("main"))
		e.t.Fatalf("at %s: %v\npage: %.2000s", loc, err, body)
	}
	e.checkJS()
}

// submit clicks a form's button and waits for the page the form leads to.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var v chromedp.Void
		if _, err := chromedp.Evaluate[bool]("window.__weftOld = true")(ctx, t); err != nil {
			return v, err
		}
		if _, err := chromedp.Click(sel)(ctx, t); err != nil {
			return v, err
		}
		for {
			done, err := chromedp.Evaluate[bool]("window.__weftOld === undefined && document.readyState === 'complete'")(ctx, t)
			if err == nil && done {
				return v, nil
			}
			select {
			case <-ctx.Done():
				return v, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

func (e *env) checkJS() {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.jsErrs) > 0 {
		e.t.Fatalf("the page logged JavaScript errors: %q", e.jsErrs)
	}
}

func (e *env) text(ctx context.Context, sel string) string {
	e.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(sel))
	if err != nil {
		e.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// a11y checks the page in the browser: every visible form control has a
// label, nothing interactive is taken out of the tab order, and every
// status element says its status in text.
const a11y = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) bad.push("unlabelled " + el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll("a, button, input, select, textarea")) {
    if (el.tabIndex < 0 && el.type !== "hidden") bad.push("not keyboard-reachable " + el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll(".status, .node-status")) {
    if (!el.textContent.trim()) bad.push("a status without text " + el.outerHTML.slice(0, 80));
  }
  return bad;
})()`

func (e *env) checkPage(ctx context.Context, name string) {
	e.t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](a11y))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(bad) > 0 {
		e.t.Errorf("%s: accessibility: %q", name, bad)
	}
	if e.shots != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		if err != nil {
			e.t.Fatal(err)
		}
		os.MkdirAll(e.shots, 0o755)
		if err := os.WriteFile(filepath.Join(e.shots, name+".png"), png, 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
	e.checkJS()
}

func (e *env) signIn(ctx context.Context, token string) {
	e.t.Helper()
	e.do(ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible("#token"), chromedp.SendKeys("#token", token),
		submit("form button[type=submit]"), chromedp.WaitVisible("nav"))
}

func tokens(t *testing.T, st db.Store, tenant string) (owner string) {
	t.Helper()
	if _, err := server.CreateTenant(t.Context(), st, api.CreateTenant{ID: tenant}); err != nil {
		t.Fatal(err)
	}
	tok, err := server.CreateToken(t.Context(), st, tenant, db.RoleOwner, tenant+"-owner")
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

func TestBrowser(t *testing.T) {
	e := start(t)
	acme, globex := tokens(t, e.st, "acme"), tokens(t, e.st, "globex")
	ctx := e.tab()

	// Signing in with a bad token fails, with a good one lands on the catalog.
	e.do(ctx, chromedp.Navigate(e.url+"/catalog"), chromedp.WaitVisible("#token"), chromedp.SendKeys("#token", "nope"),
		submit("form button[type=submit]"), chromedp.WaitVisible(".error"))
	e.checkPage(ctx, "login")
	e.signIn(ctx, acme)
	e.checkPage(ctx, "catalog")
	if body := e.text(ctx, "main"); !strings.Contains(body, "Sequence") || !strings.Contains(body, "HttpRequest") {
		t.Fatalf("catalog: %.500s", body)
	}
	e.do(ctx, chromedp.SetValue("#q", "regex"), submit("form[role=search] button"), chromedp.WaitVisible("table"))
	if body := e.text(ctx, "tbody"); !strings.Contains(body, "RegexExtract") || strings.Contains(body, "Sequence") {
		t.Fatalf("search: %.500s", body)
	}

	// Upload a .weftpkg through the file input, review it, activate it.
	pkg, err := weft.BuildTypeScript(t.Context(), weft.TypeScriptSource{Name: "Greet", Version: "1.0.0", Code: greetTS})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "greet.weftpkg")
	os.WriteFile(file, pkg, 0o644)
	e.do(ctx, chromedp.Navigate(e.url+"/custom-nodes"), chromedp.WaitVisible("#package"),
		chromedp.SetUploadFiles("#package", []string{file}), submit(`form[enctype="multipart/form-data"] button`),
		chromedp.WaitVisible("#review"))
	if s := e.text(ctx, "#status"); s != "draft" {
		t.Fatalf("status after upload: %q", s)
	}
	if r := e.text(ctx, "#review"); !strings.Contains(r, "blackboard") {
		t.Fatalf("review: %s", r)
	}
	e.checkPage(ctx, "package-review")
	// Keyboard: Tab reaches every control of the review page, in order.
	want, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea").length`))
	reached := map[string]bool{}
	for i := 0; i < want+5; i++ {
		e.do(ctx, chromedp.KeyEvent("\t"))
		id, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = document.activeElement; return a ? a.tagName + "|" + (a.id || a.getAttribute("href") || a.textContent.trim()) + "|" + [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea")].indexOf(a) : ""; })()`))
		reached[id] = true
	}
	if len(reached) < want {
		t.Errorf("Tab reached %d of the review page's %d controls: %v", len(reached), want, reached)
	}
	e.do(ctx, submit("#activate"), chromedp.WaitVisible(".notice"))
	if s := e.text(ctx, "#status"); s != "active" {
		t.Fatalf("status after activate: %q (%s)", s, e.text(ctx, ".notice"))
	}

	// A TypeScript source upload with a syntax error shows esbuild's line;
	// 1.1.0 asking for more shows what is new.
	e.do(ctx, chromedp.Navigate(e.url+"/custom-nodes"), chromedp.WaitVisible("#ts-name"),
		chromedp.SetValue("#ts-name", "Greet"), chromedp.SetValue("#ts-version", "1.1.0"),
		chromedp.SetValue("#ts-source", "export default node({\n  run() { return {; }\n});\n"),
		submit("#ts-source ~ button"), chromedp.WaitVisible(".problems"))
	if p := e.text(ctx, ".problems"); !strings.Contains(p, "node.ts:2:") {
		t.Fatalf("problems: %s", p)
	}
	e.do(ctx, chromedp.SetValue("#ts-source", strings.Replace(greetTS, "variables: true", "variables: true, cache: true", 1)),
		submit("#ts-source ~ button"), chromedp.WaitVisible("#review"))
	if r := e.text(ctx, "#review li.new"); !strings.Contains(r, "new:") || !strings.Contains(r, "cache") {
		t.Fatalf("upgrade review: %s", r)
	}
	e.checkPage(ctx, "package-upgrade-review")
	e.checkPage(ctx, "custom-nodes")

	// Save a workflow that uses the node; a broken one shows its problem on its line.
	e.do(ctx, chromedp.Navigate(e.url+"/workflows"), chromedp.WaitVisible("#wf-id"),
		chromedp.SetValue("#wf-id", "flow"), chromedp.SetValue("#wf-source", "# <b id=\"inj\">x</b><script>alert(1)</script>\ntype: Sequence\nchildren:\n  - type: Nope\n"),
		submit("#wf-source ~ button"), chromedp.WaitVisible("ol.source li.has-problem"))
	if p := e.text(ctx, "ol.source li.has-problem"); !strings.Contains(p, "Nope") || !strings.Contains(p, "problem 4:") {
		t.Fatalf("problem line: %s", p)
	}
	// What a tenant wrote is text, never HTML.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("inj") === null && document.querySelectorAll("main script").length === 0`)); !n {
		t.Fatal("the YAML's HTML was rendered as HTML")
	}
	e.checkPage(ctx, "workflow-problems")
	e.do(ctx, chromedp.SetValue("#wf-id", "flow"), chromedp.SetValue("#wf-source", flowYAML),
		submit("#wf-source ~ button"), chromedp.WaitVisible("#tree"))
	if tr := e.text(ctx, "#tree"); !strings.Contains(tr, "Greet") || !strings.Contains(tr, "first") || !strings.Contains(strings.ToLower(tr), "composite") {
		t.Fatalf("tree: %s", tr)
	}
	// A second version, and its diff.
	e.do(ctx, chromedp.SetValue("#edit-source", strings.Replace(flowYAML, "Ada", "Grace", 1)),
		submit("#edit-source ~ button"), chromedp.WaitVisible(".notice"),
		chromedp.Navigate(e.url+"/workflows/flow?version=2&diff=1"), chromedp.WaitVisible("ol.diff"))
	if d := e.text(ctx, "ol.diff"); !strings.Contains(d, "removed") || !strings.Contains(d, "Grace") {
		t.Fatalf("diff: %s", d)
	}
	e.checkPage(ctx, "workflow-tree")

	// Start a run and watch its nodes change status live.
	e.do(ctx, chromedp.Navigate(e.url+"/workflows/flow"), chromedp.WaitVisible("#start-run"), submit("#start-run"),
		chromedp.WaitVisible("#tree"))
	seen := map[string]bool{}
	deadline := time.Now().Add(20 * time.Second)
	shot := false
	for time.Now().Before(deadline) {
		states, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll(".tree-node")].map(n => [n.dataset.node, n.querySelector(".node-status").textContent]))`))
		if err != nil {
			t.Fatal(err)
		}
		for id, s := range states {
			seen[id+"="+s] = true
		}
		if states["greet"] == "success" && !shot {
			e.checkPage(ctx, "live-run")
			shot = true
		}
		if st, _ := chromedp.Run(ctx, chromedp.Text("#run-status")); st == "success" {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	var changes []string
	for k := range seen {
		if !strings.HasSuffix(k, "=idle") {
			changes = append(changes, k)
		}
	}
	slices.Sort(changes)
	if len(changes) < 3 || !seen["first=running"] || !seen["greet=success"] {
		t.Fatalf("status changes seen live: %v", changes)
	}
	// The page reloads itself when the run ends, with the blackboard.
	deadline = time.Now().Add(10 * time.Second)
	for {
		bb, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("blackboard") || {}).textContent || ""`))
		if strings.Contains(bb, "Hello, Grace") { // version 2 greets Grace
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("blackboard: %s", bb)
		}
		time.Sleep(50 * time.Millisecond)
	}
	runURL, _ := chromedp.Run(ctx, chromedp.Location())

	// A long run, cancelled.
	e.do(ctx, chromedp.Navigate(e.url+"/workflows"), chromedp.WaitVisible("#wf-id"), chromedp.SetValue("#wf-id", "long"),
		chromedp.SetValue("#wf-source", "type: WaitAction\nid: wait\nprops: {waitMs: 60000}\n"), submit("#wf-source ~ button"),
		chromedp.WaitVisible("#start-run"), submit("#start-run"), chromedp.WaitVisible("#cancel"))
	js := func(expr string) string {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		return v
	}
	for i := 0; js(`(document.querySelector(".tree-node .node-status") || {}).textContent || ""`) != "running"; i++ {
		if i > 400 {
			t.Fatal("the long run's node never showed running")
		}
		time.Sleep(25 * time.Millisecond)
	}
	e.do(ctx, submit("#cancel"), chromedp.WaitVisible(".notice"))
	for i := 0; js(`(document.getElementById("run-status") || {}).textContent || ""`) != "canceled"; i++ {
		if i > 400 {
			t.Fatalf("after cancel: %s", js(`document.body.innerText`))
		}
		time.Sleep(25 * time.Millisecond)
	}
	e.do(ctx, chromedp.Navigate(e.url+"/runs?status=canceled"), chromedp.WaitVisible("tbody"))
	if r := e.text(ctx, "tbody"); !strings.Contains(r, "long") || strings.Contains(r, "flow") {
		t.Fatalf("runs filtered: %s", r)
	}
	e.checkPage(ctx, "runs")

	// Secrets and triggers.
	e.do(ctx, chromedp.Navigate(e.url+"/secrets"), chromedp.WaitVisible("#s-name"), chromedp.SetValue("#s-name", "oauth/slack"),
		chromedp.SetValue("#s-value", "xoxb-secret"), submit("#s-value ~ button"), chromedp.WaitVisible(".notice"))
	if s := e.text(ctx, "main"); !strings.Contains(s, "oauth/slack") || strings.Contains(s, "xoxb-secret") {
		t.Fatalf("secrets: %s", s)
	}
	e.checkPage(ctx, "secrets")
	e.do(ctx, chromedp.Navigate(e.url+"/workflows/flow/triggers"), chromedp.WaitVisible("#t-type"), chromedp.SetValue("#t-type", "webhook"),
		submit("#t-overlap ~ button"), chromedp.WaitVisible(".notice"))
	if s := e.text(ctx, ".notice"); !strings.Contains(s, "/hooks/") {
		t.Fatalf("webhook: %s", s)
	}
	e.checkPage(ctx, "triggers")

	// The other tenant sees none of it.
	other := e.tab()
	e.signIn(other, globex)
	e.do(other, chromedp.Navigate(e.url+"/custom-nodes"), chromedp.WaitVisible("main"))
	if s := e.text(other, "main"); strings.Contains(s, "ts.Greet") {
		t.Fatalf("globex sees acme's package: %s", s)
	}
	for _, path := range []string{"/workflows/flow", strings.TrimPrefix(runURL, e.url), "/nodes/Greet", "/workflows/flow/triggers"} {
		e.do(other, chromedp.Navigate(e.url+path), chromedp.WaitVisible(".error"))
		if s := e.text(other, ".error"); !strings.Contains(s, "no ") && !strings.Contains(strings.ToLower(s), "not found") {
			t.Errorf("globex at %s: %s", path, s)
		}
	}
	e.do(other, chromedp.Navigate(e.url+"/runs"), chromedp.WaitVisible("tbody"))
	if s := e.text(other, "tbody"); !strings.Contains(s, "No runs") {
		t.Fatalf("globex's runs: %s", s)
	}
	// Strict headers on every page.
	if resp, err := http.Get(e.url + "/login"); err == nil {
		resp.Body.Close()
		if c := resp.Header.Get("Content-Security-Policy"); !strings.Contains(c, "script-src 'self'") || !strings.Contains(c, "default-src 'none'") {
			t.Errorf("CSP %q", c)
		}
	}
	// A signed-in form without its CSRF token is refused, and changes nothing.
	for _, csrf := range []string{"", "0000"} {
		req, _ := http.NewRequest("POST", e.url+"/secrets", strings.NewReader("name=forged&value=1&csrf="+csrf))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "weft_session", Value: acme})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a POST with csrf %q: %d", csrf, resp.StatusCode)
		}
	}
	if secrets, err := e.st.ListSecrets(t.Context(), "acme"); err == nil {
		for _, s := range secrets {
			if s.Name == "forged" {
				t.Error("a forged form set a secret")
			}
		}
	}
	// A sign-in form posted from another site is refused.
	req, _ := http.NewRequest("POST", e.url+"/login", strings.NewReader("token="+globex))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) > 0 {
		t.Errorf("a cross-site sign-in: %v %v", resp, err)
	}
	// A form without the session is sent to sign in.
	resp, err := http.PostForm(e.url+"/secrets", map[string][]string{"name": {"x"}, "value": {"y"}})
	if err == nil {
		resp.Body.Close()
		if resp.Request.URL.Path != "/login" {
			t.Errorf("a POST without a session ended at %s", resp.Request.URL.Path)
		}
	}
	e.checkJS()
}

// TestPageLoad measures how long pages take in the browser with 100
// workflows and 1,000 runs in the tenant (figures for docs/performance.md;
// nothing here asserts a speed).
func TestPageLoad(t *testing.T) {
	e := start(t)
	acme := tokens(t, e.st, "acme")
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(method, path, ctype, body string) {
		req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+acme)
		req.Header.Set("Content-Type", ctype)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	for i := 0; i < 100; i++ {
		call("PUT", fmt.Sprintf("/api/v1/workflows/wf-%03d", i), "application/x-yaml", fmt.Sprintf("type: SuccessNode\nid: n%d\n", i))
	}
	for i := 0; i < 1000; i++ {
		call("POST", fmt.Sprintf("/api/v1/workflows/wf-%03d/runs", i%100), "application/json", "{}")
	}
	ctx := e.tab()
	e.signIn(ctx, acme)
	var lines []string
	for _, path := range []string{"/catalog", "/workflows", "/runs", "/workflows/wf-007", "/custom-nodes"} {
		var samples []float64
		for i := 0; i < 5; i++ {
			e.do(ctx, chromedp.Navigate(e.url+path), chromedp.WaitVisible("main"))
			ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const n = performance.getEntriesByType("navigation")[0]; return n.loadEventEnd > 0 ? n.loadEventEnd : n.domContentLoadedEventEnd; })()`))
			if err != nil {
				t.Fatal(err)
			}
			samples = append(samples, ms)
		}
		slices.Sort(samples)
		line := fmt.Sprintf("%s: median %.1f ms (min %.1f, max %.1f)", path, samples[2], samples[0], samples[4])
		t.Log(line)
		lines = append(lines, line)
	}
	if f := os.Getenv("WEFT_UI_TIMINGS"); f != "" {
		os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	}
}
