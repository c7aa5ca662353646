// Package ui is weft serve's web UI: server-rendered pages (html/template)
// and two small scripts, on the HTTP API only. Every page calls the API's
// own handler in-process with the signed-in user's token, so the UI can do
// nothing a script with that token could not.
//
//	h := ui.New(ui.Config{API: apiHandler, Logger: logger})
//	mux.Handle("/", h)
//
// # Sessions and safety
//
// Signing in takes a token, checked against the API and kept in an
// HttpOnly, SameSite=Strict cookie (Secure when the request came over TLS).
// Every form carries a CSRF token, an HMAC of the session under a key drawn
// at start, and every POST is refused without it. Pages are sent with a
// strict Content-Security-Policy (scripts and styles from the UI's own
// folder only, no inline code, no frames). Everything a tenant wrote (YAML,
// sources, names, messages) goes through html/template's escaping; nothing
// a tenant uploads is rendered as HTML.
package ui

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft/internal/api"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the UI.
type Config struct {
	// API is the HTTP API's handler, which every page calls in-process.
	API http.Handler
	// Logger gets the UI's failures; nil means slog.Default().
	Logger *slog.Logger
}

// UI is the web UI's handler.
type UI struct {
	api    http.Handler
	log    *slog.Logger
	key    []byte // CSRF tokens are HMACs under it
	pages  map[string]*template.Template
	router http.Handler
}

const (
	cookieName = "weft_session"
	csp        = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

// New returns the UI.
func New(cfg Config) *UI {
	u := &UI{api: cfg.API, log: cfg.Logger, key: make([]byte, 32), pages: map[string]*template.Template{}}
	if u.log == nil {
		u.log = slog.Default()
	}
	_, _ = rand.Read(u.key)
	funcs := template.FuncMap{
		"json": func(v any) string {
			b, _ := json.MarshalIndent(v, "", "  ")
			return string(b)
		},
		"join":    strings.Join,
		"lines":   func(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") },
		"dec":     func(i int) int { return i - 1 },
		"pathEsc": url.PathEscape,
		"query":   url.QueryEscape,
	}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
		u.pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	r := chi.NewRouter()
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/ui/static/*", http.StripPrefix("/ui/static/", http.FileServer(http.FS(static))))
	r.Get("/", u.home)
	r.Get("/login", u.loginPage)
	r.Post("/login", u.login)
	r.Group(func(r chi.Router) {
		r.Use(u.session)
		r.Post("/logout", u.logout)
		r.Get("/catalog", u.catalog)
		r.Get("/nodes/*", u.nodeType)
		r.Get("/custom-nodes", u.customNodes)
		r.Post("/custom-nodes", u.upload)
		r.Get("/custom-nodes/{id}", u.customNode)
		r.Post("/custom-nodes/{id}/{action}", u.customNodeAction)
		r.Post("/packages/{package}/rollback", u.rollback)
		r.Get("/workflows", u.workflows)
		r.Post("/workflows", u.saveWorkflow)
		r.Get("/workflows/{id}", u.workflow)
		r.Post("/workflows/{id}/runs", u.startRun)
		r.Get("/workflows/{id}/triggers", u.triggers)
		r.Post("/workflows/{id}/triggers", u.createTrigger)
		r.Post("/triggers/{id}/delete", u.deleteTrigger)
		r.Get("/runs", u.runs)
		r.Get("/runs/{id}", u.run)
		r.Get("/runs/{id}/events", u.runEvents)
		r.Post("/runs/{id}/cancel", u.cancelRun)
		r.Get("/secrets", u.secrets)
		r.Post("/secrets", u.putSecret)
		r.Post("/secrets/delete", u.deleteSecret)
	})
	u.router = r
	return u
}

// ServeHTTP serves the UI's pages with its security headers. A POST that
// the browser says comes from another site is refused before anything
// else, the sign-in form's included (which has no session to hold a CSRF
// token against: a forged sign-in would put the victim in the attacker's
// tenant).
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodPost && crossSite(r) {
		http.Error(w, "a form sent from another site is refused", http.StatusForbidden)
		return
	}
	u.router.ServeHTTP(w, r)
}

// crossSite reports whether a request comes from a page of another site:
// by Sec-Fetch-Site when the browser sends it, else by Origin.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return false
	case "same-site", "cross-site":
		return true
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == "null"
	}
	ou, err := url.Parse(o)
	return err != nil || ou.Host != r.Host
}

type ctxKey struct{}

// session requires a signed-in user and checks the CSRF token of every
// POST.
func (u *UI) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err != nil || c.Value == "" {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
				http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
				return
			}
			if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(u.csrf(c.Value))) {
				http.Error(w, "the form's CSRF token is missing or wrong: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(contextWith(r, c.Value)))
	})
}

func (u *UI) csrf(token string) string {
	m := hmac.New(sha256.New, u.key)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// apiReply is an API answer.
type apiReply struct {
	status int
	body   []byte
	header http.Header
}

// err is the API's error message, "" for a 2xx.
func (a *apiReply) err() string {
	if a.status < 300 {
		return ""
	}
	var e api.ErrorBody
	if json.Unmarshal(a.body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	return fmt.Sprintf("the API answered %d", a.status)
}

// problems are the details of an API error.
func (a *apiReply) problems() []api.Detail {
	var e api.ErrorBody
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Details
}

// call sends one request to the API in-process as the signed-in user.
func (u *UI) call(r *http.Request, method, path string, body []byte, contentType string) *apiReply {
	req, _ := http.NewRequestWithContext(apiContext(r), method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tokenOf(r))
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	u.api.ServeHTTP(rec, req)
	return &apiReply{status: rec.status, body: rec.buf.Bytes(), header: rec.header}
}

// get calls the API and decodes a 2xx JSON reply into out.
func (u *UI) get(r *http.Request, path string, out any) string {
	a := u.call(r, "GET", path, nil, "")
	if msg := a.err(); msg != "" {
		return msg
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return "the API's reply could not be read: " + err.Error()
	}
	return ""
}

// send calls the API with a JSON body.
func (u *UI) send(r *http.Request, method, path string, body any) *apiReply {
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	return u.call(r, method, path, data, "application/json")
}

// apiContext is r's context without the UI router's state: the API's
// router would take a route context it finds for its parent's and route
// the UI's path.
func apiContext(r *http.Request) context.Context {
	return context.WithValue(r.Context(), chi.RouteCtxKey, nil)
}

// recorder is the ResponseWriter of an in-process API call.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	buf    bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.buf.Write(b)
}
func (w *recorder) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
}

// page is what every template gets.
type page struct {
	Title, Nav string
	CSRF       string
	Error      string
	Notice     string
	Data       any
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, name, title, nav string, data any, errMsg string) {
	p := page{Title: title, Nav: nav, Data: data, Error: errMsg, Notice: r.URL.Query().Get("notice")}
	if t := tokenOf(r); t != "" {
		p.CSRF = u.csrf(t)
	}
	var buf bytes.Buffer
	if err := u.pages[name].Execute(&buf, p); err != nil {
		u.log.Error("ui: rendering a page (a bug in weft)", "page", name, "err", err)
		http.Error(w, "the page could not be rendered (a bug in weft): "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if errMsg != "" && data == nil {
		w.WriteHeader(http.StatusBadGateway)
	}
	_, _ = io.Copy(w, &buf)
}

// back redirects to path with a notice.
func back(w http.ResponseWriter, r *http.Request, path, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "notice=" + url.QueryEscape(notice)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
