// The registry's HTTP server: routing, authentication, publishing and the
// read-only views of the store.

package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/signing"
	"github.com/weft-dev/weft/internal/store"
)

// ServerConfig configures NewServer.
type ServerConfig struct {
	// Store holds the registry's packages (the registry's own weft home);
	// the server serves its tenant "default" (Tenant).
	Store *store.Store
	// Tokens are the bearer tokens allowed to publish, yank and deprecate.
	// Empty: those are disabled (403, saying so). Empty strings are ignored.
	Tokens []string
	// RequireSignatures refuses unsigned publishes; clients learn it from
	// GET /v1/.
	RequireSignatures bool
	// Check validates a package exactly as loading it would (weft's
	// Engine.CheckPackage, wrapped). Nil: only pkgfile.LoadArchive checks.
	Check func(ctx context.Context, data []byte) error
	// Verify checks a detached signature over data against the registry's
	// trust store and returns the signer's key id. Nil: signatures are
	// stored unverified (RequireSignatures still needs one present).
	Verify func(data, sig []byte) (signer string, err error)
	// Logger gets one line per request (reads at Debug, writes at Info,
	// failures at Error). Nil: nothing is logged.
	Logger *slog.Logger
	// MaxPackageBytes bounds a published .weftpkg. Zero:
	// pkgfile.DefaultLimits.MaxTotal.
	MaxPackageBytes int64
}

const (
	// maxSignatureBytes bounds a published signature.
	maxSignatureBytes = signing.MaxSignatureSize
	// multipartSlack is what multipart framing may add to a publish body.
	multipartSlack = 64 << 10
	// maxJSONBody bounds the bodies of yank and deprecate.
	maxJSONBody = 64 << 10
	// maxDeprecation bounds a deprecation message.
	maxDeprecation = 1024
)

// server is the handler NewServer returns.
type server struct {
	st       *store.Store
	tokens   [][sha256.Size]byte
	cfg      ServerConfig
	log      *slog.Logger
	maxBytes int64
	mux      *http.ServeMux

	// publishMu serialises publishes in this process, so that the
	// "already published?" check and the store's Add do not race.
	publishMu sync.Mutex

	// sigMu guards signed: whether the blob with a digest has a signature
	// beside it, for versions without a verified signer (see signed).
	sigMu  sync.Mutex
	signed map[string]bool
}

// NewServer returns the registry's HTTP handler (see the package
// documentation for the API).
//
//	h := registry.NewServer(registry.ServerConfig{Store: st, Tokens: toks, Check: check, Verify: verify})
//	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
//
// # Errors
//
// None here: each request answers its own (400 bad input, 401 no or wrong
// token, 403 publishing disabled, 404, 409 immutable version, 413 too
// large, 422 invalid package or signature, 500 store failures, logged).
//
// # Notes
//
// NewServer panics when cfg.Store is nil, a programming error.
func NewServer(cfg ServerConfig) http.Handler {
	if cfg.Store == nil {
		panic("registry.NewServer: nil Store")
	}
	s := &server{st: cfg.Store, cfg: cfg, log: cfg.Logger, maxBytes: cfg.MaxPackageBytes, signed: map[string]bool{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBytes <= 0 {
		s.maxBytes = pkgfile.DefaultLimits.MaxTotal
	}
	for _, t := range cfg.Tokens {
		if t != "" {
			s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
		}
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /v1/{$}", s.info)
	m.HandleFunc("GET /v1/packages", s.search)
	m.HandleFunc("POST /v1/packages", s.publish)
	m.HandleFunc("GET /v1/packages/{id}", s.pkg)
	m.HandleFunc("GET /v1/packages/{id}/{version}", s.version)
	m.HandleFunc("GET /v1/packages/{id}/{version}/package", s.download)
	m.HandleFunc("GET /v1/packages/{id}/{version}/signature", s.signature)
	m.HandleFunc("POST /v1/packages/{id}/{version}/yank", s.yank)
	m.HandleFunc("POST /v1/packages/{id}/{version}/deprecate", s.deprecate)
	s.mux = m
	return s
}

// ServeHTTP routes a request, answering unknown paths and methods with a
// JSON error like every other, and logs it.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w}
	var out http.ResponseWriter = rw
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// The mux will answer its own 404 or 405 (with Allow): keep its
		// status and headers, answer in JSON.
		out = &jsonErrorWriter{ResponseWriter: rw, method: r.Method, path: r.URL.Path}
	}
	s.mux.ServeHTTP(out, r)
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		level = slog.LevelInfo
	}
	s.log.Log(r.Context(), level, "registry request", "method", r.Method, "path", r.URL.Path,
		"status", status, "duration", time.Since(start), "remote", r.RemoteAddr)
}

// statusWriter records the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jsonErrorWriter turns the mux's plain-text errors into JSON ones.
type jsonErrorWriter struct {
	http.ResponseWriter
	method, path string
	wrote        bool
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code < 400 { // a redirect to the cleaned path: pass it on
		w.ResponseWriter.WriteHeader(code)
		return
	}
	msg := fmt.Sprintf("no such API endpoint: %s %s (this is a weft registry; the API is under /v%d/)", w.method, clip(w.path), APIVersion)
	if code == http.StatusMethodNotAllowed {
		msg = fmt.Sprintf("%s is not allowed on %s (allowed: %s)", w.method, clip(w.path), w.Header().Get("Allow"))
	}
	w.Header().Del("Content-Length")
	writeJSON(w.ResponseWriter, code, errorBody{Error: msg})
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return len(b), nil // the mux's text body is replaced
}

// writeJSON answers v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		data = []byte(`{"error":"internal error: encoding the answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(code)
	w.Write(append(data, '\n'))
}

// fail answers an error.
func fail(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, errorBody{Error: fmt.Sprintf(format, args...)})
}

// internal logs a store failure and answers 500 without its details.
func (s *server) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), "registry: "+what, "method", r.Method, "path", r.URL.Path, "err", err)
	fail(w, http.StatusInternalServerError, "internal error %s (details are in the registry's log)", what)
}

// storeError answers an error from the store: not found as 404, anything
// else as 500.
func (s *server) storeError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusNotFound, "%s: not found in this registry", what)
		return
	}
	s.internal(w, r, "reading "+what, err)
}

// pathRef validates the {id} and {version} path values, answering 400 when
// one is not an id or a version.
func pathRef(w http.ResponseWriter, r *http.Request, withVersion bool) (id, version string, ok bool) {
	id = r.PathValue("id")
	if err := checkID(id); err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return "", "", false
	}
	if withVersion {
		version = r.PathValue("version")
		if err := checkVersion(version); err != nil {
			fail(w, http.StatusBadRequest, "%v", err)
			return "", "", false
		}
	}
	return id, version, true
}

func (s *server) info(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Info{Name: "weft registry", API: APIVersion, RequireSignatures: s.cfg.RequireSignatures})
}

// search lists the packages matching every word of q (in the id, name,
// description or keywords, ignoring case); no q lists them all.
func (s *server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if len(q) > 1000 {
		fail(w, http.StatusBadRequest, "the query is longer than 1000 bytes")
		return
	}
	terms := strings.Fields(strings.ToLower(q))
	all, err := s.st.List(r.Context(), Tenant)
	if err != nil {
		s.internal(w, r, "listing packages", err)
		return
	}
	out := []PackageSummary{}
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].ID == all[i].ID {
			j++
		}
		if sum := s.summary(r.Context(), all[i:j]); matches(sum, terms) {
			out = append(out, sum)
		}
		i = j
	}
	writeJSON(w, http.StatusOK, listBody{Packages: out})
}

// summary describes a package from its versions (newest first), with the
// name, description and keywords of the latest one (else the newest).
func (s *server) summary(ctx context.Context, vs []*store.Version) PackageSummary {
	sum := PackageSummary{ID: vs[0].ID, Keywords: []string{}}
	i := pickLatest(len(vs), func(i int) (string, bool) { return vs[i].Version, vs[i].Yanked })
	from := vs[0]
	if i >= 0 {
		sum.Latest = vs[i].Version
		from = vs[i]
	}
	m, err := from.Manifest()
	if err != nil {
		s.log.WarnContext(ctx, "registry: unreadable manifest in the store", "package", from.Ref(), "err", err)
		return sum
	}
	sum.Name, sum.Description = m.Name, m.Description
	if m.Keywords != nil {
		sum.Keywords = m.Keywords
	}
	return sum
}

// matches reports whether every term occurs in the id, name, description
// or a keyword of sum (terms are lower case).
func matches(sum PackageSummary, terms []string) bool {
	text := strings.ToLower(sum.ID + "\n" + sum.Name + "\n" + sum.Description + "\n" + strings.Join(sum.Keywords, "\n"))
	for _, t := range terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

func (s *server) pkg(w http.ResponseWriter, r *http.Request) {
	id, _, ok := pathRef(w, r, false)
	if !ok {
		return
	}
	vs, err := s.st.Versions(r.Context(), Tenant, id)
	if err != nil {
		s.storeError(w, r, "package "+id, err)
		return
	}
	sum := s.summary(r.Context(), vs)
	info := PackageInfo{ID: id, Name: sum.Name, Description: sum.Description, Versions: make([]VersionInfo, 0, len(vs))}
	for _, v := range vs {
		info.Versions = append(info.Versions, s.versionInfo(r.Context(), v))
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *server) version(w http.ResponseWriter, r *http.Request) {
	id, version, ok := pathRef(w, r, true)
	if !ok {
		return
	}
	v, err := s.st.Get(r.Context(), Tenant, id, version)
	if err != nil {
		s.storeError(w, r, "package "+id+" "+version, err)
		return
	}
	writeJSON(w, http.StatusOK, s.versionInfo(r.Context(), v))
}

// versionInfo describes a stored version.
func (s *server) versionInfo(ctx context.Context, v *store.Version) VersionInfo {
	vi := VersionInfo{
		Version: v.Version, Digest: v.Digest, Signer: v.Signer, Yanked: v.Yanked, Deprecated: v.Deprecated,
		Signed: s.isSigned(ctx, v), Published: v.Installed.UTC().Truncate(time.Second),
		Permissions: []string{}, Nodes: []NodeInfo{},
	}
	m, err := v.Manifest()
	if err != nil {
		s.log.WarnContext(ctx, "registry: unreadable manifest in the store", "package", v.Ref(), "err", err)
		return vi
	}
	vi.Permissions = m.PermissionLines()
	for _, n := range m.Nodes {
		vi.Nodes = append(vi.Nodes, NodeInfo{ID: n.ID, Name: n.Name, Description: n.Description})
	}
	return vi
}

// isSigned reports whether a version has a signature: yes when a signer
// verified it; otherwise (no Verify hook, or the package came into the
// store by other means) whether a signature lies beside its blob, which
// the store only tells by reading the blob, so the answer is remembered
// per digest.
func (s *server) isSigned(ctx context.Context, v *store.Version) bool {
	if v.Signer != "" {
		return true
	}
	s.sigMu.Lock()
	signed, known := s.signed[v.Digest]
	s.sigMu.Unlock()
	if known {
		return signed
	}
	_, sig, err := s.st.Blob(v.Digest)
	if err != nil {
		s.log.WarnContext(ctx, "registry: reading a package blob", "package", v.Ref(), "err", err)
		return false
	}
	s.remember(v.Digest, sig != nil)
	return sig != nil
}

func (s *server) remember(digest string, signed bool) {
	s.sigMu.Lock()
	s.signed[digest] = signed
	s.sigMu.Unlock()
}

// stored looks up the version the path names and reads its blob,
// answering the request itself (and returning ok false) when it cannot.
func (s *server) stored(w http.ResponseWriter, r *http.Request) (v *store.Version, data, sig []byte, ok bool) {
	id, version, ok := pathRef(w, r, true)
	if !ok {
		return nil, nil, nil, false
	}
	v, err := s.st.Get(r.Context(), Tenant, id, version)
	if err != nil {
		s.storeError(w, r, "package "+id+" "+version, err)
		return nil, nil, nil, false
	}
	data, sig, err = s.st.Blob(v.Digest)
	if err != nil {
		s.internal(w, r, "reading package "+v.Ref(), err)
		return nil, nil, nil, false
	}
	return v, data, sig, true
}

func (s *server) download(w http.ResponseWriter, r *http.Request) {
	v, data, sig, ok := s.stored(w, r)
	if !ok {
		return
	}
	id, version := v.ID, v.Version
	s.remember(v.Digest, v.Signer != "" || sig != nil)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+"-"+version+".weftpkg"))
	h.Set("Weft-Digest", v.Digest)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

func (s *server) signature(w http.ResponseWriter, r *http.Request) {
	v, _, sig, ok := s.stored(w, r)
	if !ok {
		return
	}
	id, version := v.ID, v.Version
	if sig == nil {
		fail(w, http.StatusNotFound, "package %s %s is not signed", id, version)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(sig)))
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+"-"+version+".weftpkg.minisig"))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(sig)
	}
}

// authorize checks the request's bearer token, answering 403 when
// publishing is disabled and 401 when the token is missing or wrong.
func (s *server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if len(s.tokens) == 0 {
		fail(w, http.StatusForbidden, "publishing is disabled on this registry: it was started without publish tokens (weft registry serve --tokens, or $WEFT_REGISTRY_TOKENS)")
		return false
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="weft registry"`)
		fail(w, http.StatusUnauthorized, "this needs a publish token: send Authorization: Bearer TOKEN (weft pkg publish --token, or $WEFT_REGISTRY_TOKEN)")
		return false
	}
	// Compare digests, so that every comparison takes the same time
	// whatever the token's length, and try every token.
	got := sha256.Sum256([]byte(token))
	match := 0
	for i := range s.tokens {
		match |= subtle.ConstantTimeCompare(got[:], s.tokens[i][:])
	}
	if match != 1 {
		s.log.WarnContext(r.Context(), "registry: refused a publish token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="weft registry", error="invalid_token"`)
		fail(w, http.StatusUnauthorized, "this registry does not accept the token given")
		return false
	}
	return true
}

// errPartTooLarge: a multipart part is over its limit.
var errPartTooLarge = errors.New("too large")

// readPart reads a part of at most max bytes.
func readPart(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, errPartTooLarge
	}
	return data, nil
}

func (s *server) publish(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	limit := s.maxBytes + maxSignatureBytes + multipartSlack
	if r.ContentLength > limit {
		fail(w, http.StatusRequestEntityTooLarge, "the upload is %d bytes, over this registry's limit of %d bytes per package", r.ContentLength, s.maxBytes)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	data, sig, code, msg := s.readUpload(r)
	if code != 0 {
		fail(w, code, "%s", msg)
		return
	}
	ctx := r.Context()
	p, err := pkgfile.LoadArchive("upload.weftpkg", bytes.NewReader(data))
	if err != nil {
		fail(w, http.StatusUnprocessableEntity, "invalid package: %v", err)
		return
	}
	id, version := p.Manifest.ID, p.Manifest.Version
	if s.cfg.Check != nil {
		if err := s.cfg.Check(ctx, data); err != nil {
			fail(w, http.StatusUnprocessableEntity, "invalid package %s %s: %v", id, version, err)
			return
		}
	}
	signer := ""
	switch {
	case sig == nil && s.cfg.RequireSignatures:
		fail(w, http.StatusUnprocessableEntity, "this registry requires signed packages: publish %s %s with its .minisig (weft pkg sign, then weft pkg publish)", id, version)
		return
	case sig != nil && s.cfg.Verify != nil:
		if signer, err = s.cfg.Verify(data, sig); err != nil {
			fail(w, http.StatusUnprocessableEntity, "signature of %s %s refused: %v", id, version, err)
			return
		}
	}
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	if s.answerExisting(w, r, id, version, p.Digest) {
		return
	}
	v, err := s.st.Add(ctx, Tenant, data, store.AddOptions{Source: "publish", Signature: sig, Signer: signer, Activate: true})
	if err != nil {
		// Another process may have published it meanwhile.
		if s.answerExisting(w, r, id, version, p.Digest) {
			return
		}
		s.internal(w, r, "storing "+id+" "+version, err)
		return
	}
	s.remember(v.Digest, signer != "" || sig != nil)
	s.log.InfoContext(ctx, "registry: published", "package", v.Ref(), "digest", v.Digest, "signed", sig != nil, "signer", signer)
	writeJSON(w, http.StatusCreated, Published{ID: v.ID, Version: v.Version, Digest: v.Digest, Signed: sig != nil})
}

// answerExisting answers a publish of a version that is already there: 200
// when it has these bytes (nothing changes, not even its signature), 409
// when it has other ones, 500 when the store fails. It reports whether it
// answered; false when the version is not there.
func (s *server) answerExisting(w http.ResponseWriter, r *http.Request, id, version, digest string) bool {
	v, err := s.st.Get(r.Context(), Tenant, id, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false
	case err != nil:
		s.internal(w, r, "publishing "+id+" "+version, err)
	case v.Digest != digest:
		fail(w, http.StatusConflict, "%s %s is already published with digest %s; this file is %s: versions are immutable, publish a new version instead",
			id, version, v.Digest, digest)
	default:
		writeJSON(w, http.StatusOK, Published{ID: v.ID, Version: v.Version, Digest: v.Digest, Signed: s.isSigned(r.Context(), v)})
	}
	return true
}

// readUpload reads the multipart parts of a publish: "package" (required)
// and "signature". code is non-zero, with msg, when the upload is refused.
func (s *server) readUpload(r *http.Request) (data, sig []byte, code int, msg string) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, nil, http.StatusBadRequest, `expected a multipart/form-data body with a "package" part (the .weftpkg) and an optional "signature" part (its .minisig)`
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, http.StatusBadRequest, "reading the upload: " + err.Error()
	}
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.Is(err, errPartTooLarge) || errors.As(err, &mbe)
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return nil, nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is over this registry's limit of %d bytes per package", s.maxBytes)
			}
			return nil, nil, http.StatusBadRequest, "reading the upload: " + err.Error()
		}
		name := part.FormName()
		if seen[name] {
			return nil, nil, http.StatusBadRequest, fmt.Sprintf("the upload has two %q parts", clip(name))
		}
		seen[name] = true
		switch name {
		case "package":
			data, err = readPart(part, s.maxBytes)
			if tooLarge(err) {
				return nil, nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the package is over this registry's limit of %d bytes", s.maxBytes)
			}
		case "signature":
			sig, err = readPart(part, maxSignatureBytes)
			if tooLarge(err) {
				return nil, nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the signature is over the %d-byte limit of a minisign signature", maxSignatureBytes)
			}
			if err == nil && len(sig) == 0 {
				return nil, nil, http.StatusUnprocessableEntity, "the signature is empty; leave the part out to publish unsigned"
			}
		default:
			return nil, nil, http.StatusBadRequest, fmt.Sprintf("unexpected part %q in the upload: expected \"package\" and optionally \"signature\"", clip(name))
		}
		if err != nil {
			return nil, nil, http.StatusBadRequest, "reading the upload: " + err.Error()
		}
	}
	if data == nil {
		return nil, nil, http.StatusBadRequest, `the upload has no "package" part (the .weftpkg file)`
	}
	return data, sig, 0, ""
}

// decodeBody reads a small JSON request body into v, refusing unknown
// fields.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(w, http.StatusRequestEntityTooLarge, "the body is over %d bytes", maxJSONBody)
			return false
		}
		fail(w, http.StatusBadRequest, "expected a JSON body: %v", err)
		return false
	}
	if dec.More() {
		fail(w, http.StatusBadRequest, "expected one JSON object in the body")
		return false
	}
	return true
}

func (s *server) yank(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id, version, ok := pathRef(w, r, true)
	if !ok {
		return
	}
	var body yankBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Yanked == nil {
		fail(w, http.StatusBadRequest, `expected {"yanked": true} or {"yanked": false}`)
		return
	}
	if err := s.st.Yank(r.Context(), Tenant, id, version, *body.Yanked); err != nil {
		s.storeError(w, r, "package "+id+" "+version, err)
		return
	}
	s.log.InfoContext(r.Context(), "registry: yank", "package", id+"@"+version, "yanked", *body.Yanked)
	s.version(w, r)
}

func (s *server) deprecate(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id, version, ok := pathRef(w, r, true)
	if !ok {
		return
	}
	var body deprecateBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Message == nil {
		fail(w, http.StatusBadRequest, `expected {"message": "why, and what to use instead"} ("" clears the deprecation)`)
		return
	}
	if p := messageProblem(*body.Message); p != "" {
		fail(w, http.StatusBadRequest, "deprecation message: %s", p)
		return
	}
	if err := s.st.Deprecate(r.Context(), Tenant, id, version, *body.Message); err != nil {
		s.storeError(w, r, "package "+id+" "+version, err)
		return
	}
	s.log.InfoContext(r.Context(), "registry: deprecate", "package", id+"@"+version, "message", *body.Message)
	s.version(w, r)
}

// messageProblem says what is wrong with a deprecation message, shown to
// people installing the package, or "": as the manifest's display strings,
// one line without control or bidirectional-override characters.
func messageProblem(m string) string {
	if len(m) > maxDeprecation {
		return fmt.Sprintf("longer than %d bytes", maxDeprecation)
	}
	if !utf8.ValidString(m) {
		return "not valid UTF-8"
	}
	if i := slices.IndexFunc([]rune(m), func(r rune) bool {
		return r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
	}); i >= 0 {
		return fmt.Sprintf("control character %U is not allowed (one line of text)", []rune(m)[i])
	}
	return ""
}
