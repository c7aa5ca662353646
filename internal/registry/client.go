// The registry's client: info, search, show, publish, download (with the
// digest checked), yank and deprecate, with errors that say what failed and
// where.

package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/signing"
	"github.com/weft-dev/weft/internal/store"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrUnreachable: the registry did not answer (refused connection,
	// DNS failure, timeout, connection lost mid-answer). The message names
	// the URL and says that installed packages keep working.
	ErrUnreachable = errors.New("registry unreachable")
	// ErrNotFound: the registry has no such package or version, or no
	// version matching a constraint.
	ErrNotFound = errors.New("not found in the registry")
	// ErrYanked: the version asked for is yanked (it is store.ErrYanked, so
	// callers can treat both alike).
	ErrYanked = store.ErrYanked
	// ErrDigestMismatch: downloaded bytes do not hash to the digest the
	// registry advertises, or are not the package asked for.
	ErrDigestMismatch = errors.New("the download does not match what the registry advertises")
)

// Error is an answer from the registry other than success: its status
// and message. A 404 from the registry matches ErrNotFound.
type Error struct {
	URL     string // the registry's URL
	Op      string // what was asked, e.g. "publish com.example.math 1.0.0"
	Status  int    // the HTTP status
	Message string // the registry's message (or the start of a non-JSON body)
	// registry is true when the body was the registry's JSON error (a 404
	// from something else is not "not found in the registry").
	registry bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("registry %s: %s: %d %s: %s", e.URL, e.Op, e.Status, http.StatusText(e.Status), e.Message)
}

// Unwrap makes a registry's 404 match ErrNotFound.
func (e *Error) Unwrap() error {
	if e.Status == http.StatusNotFound && e.registry {
		return ErrNotFound
	}
	return nil
}

// Client talks to one registry. The zero value is not usable: set URL.
type Client struct {
	// URL is the registry's base URL ("https://registry.example.com"), API
	// paths are appended to it. Plain http is accepted only for loopback
	// hosts, as for packages fetched by URL.
	URL string
	// Token is the publish token, sent as "Authorization: Bearer TOKEN" by
	// Publish, Yank and Deprecate only.
	Token string
	// HTTP is the client to use; nil: one with a 5 s dial timeout and a 30 s
	// overall timeout per request.
	HTTP *http.Client
	// MaxBytes bounds a downloaded package; 0: pkgfile.DefaultLimits.MaxTotal.
	MaxBytes int64
}

// defaultHTTP is the client used when Client.HTTP is nil.
var defaultHTTP = &http.Client{
	Timeout: 30 * time.Second,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          16,
		ForceAttemptHTTP2:     true,
	},
}

const (
	// maxJSONAnswer bounds a JSON answer (a package with many versions).
	maxJSONAnswer = 32 << 20
	// maxErrorAnswer bounds what is read of an error answer.
	maxErrorAnswer = 64 << 10
)

// base validates c.URL and returns it without a trailing "/".
func (c *Client) base() (string, error) {
	raw := strings.TrimRight(c.URL, "/")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("registry %q: expected a URL like https://registry.example.com", clip(c.URL))
	}
	if u.Scheme == "http" && !Loopback(u.Hostname()) {
		return "", fmt.Errorf("registry %s: registries are reached over https:// (plain http only on loopback addresses)", raw)
	}
	return raw, nil
}

// Loopback reports whether host is localhost or a loopback address: the
// only hosts packages may be fetched from over plain http (tests, local
// mirrors).
func Loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// request is one API call.
type request struct {
	op     string // for messages: "publish com.example.math 1.0.0"
	method string
	path   string // after the base URL, already escaped
	// newBody returns a fresh reader of the body each time (nil: none), so
	// that the body can be sent again after a redirect.
	newBody func() io.Reader
	length  int64
	ctype   string
	auth    bool
}

// do sends req and returns the answer when its status is 2xx; otherwise
// an *Error, ErrUnreachable or the context's error.
func (c *Client) do(ctx context.Context, req request) (*http.Response, string, error) {
	base, err := c.base()
	if err != nil {
		return nil, "", err
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, base+req.path, nil)
	if err != nil {
		return nil, base, fmt.Errorf("registry %s: %s: %w", base, req.op, err)
	}
	if req.newBody != nil {
		hr.Body = io.NopCloser(req.newBody())
		hr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(req.newBody()), nil }
		hr.ContentLength = req.length
		hr.Header.Set("Content-Type", req.ctype)
	}
	hr.Header.Set("Accept", "application/json")
	if req.auth && c.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.http().Do(hr)
	if err != nil {
		return nil, base, c.transportError(ctx, base, req.op, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, base, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorAnswer))
	e := &Error{URL: base, Op: req.op, Status: resp.StatusCode}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error != "" {
		e.Message, e.registry = eb.Error, true
	} else {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if msg == "" {
			msg = "(no message)"
		}
		e.Message = msg + " (not an answer from a weft registry: is the URL right?)"
	}
	return nil, base, e
}

// transportError classifies an error of the HTTP client: the caller's
// cancellation as it is, TLS certificate problems as such, everything else
// (refused connections, DNS, timeouts, lost connections) as ErrUnreachable.
func (c *Client) transportError(ctx context.Context, base, op string, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("registry %s: %s: %w", base, op, ctx.Err())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalidErr) {
		return fmt.Errorf("registry %s: %s: its TLS certificate is not trusted: %w", base, op, err)
	}
	return fmt.Errorf("%w: %s did not answer (%s: %w); installed packages keep working, but nothing can be fetched from or published to it until it answers",
		ErrUnreachable, base, op, err)
}

// readAll reads an answer's body, at most max bytes.
func (c *Client) readAll(ctx context.Context, base, op string, resp *http.Response, max int64) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > max {
		return nil, fmt.Errorf("registry %s: %s: the answer is %d bytes, over the %d-byte limit", base, op, resp.ContentLength, max)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, c.transportError(ctx, base, op, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("registry %s: %s: the answer is over the %d-byte limit", base, op, max)
	}
	return data, nil
}

// getJSON GETs path and decodes the JSON answer into v.
func (c *Client) getJSON(ctx context.Context, op, path string, v any) error {
	resp, base, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path})
	if err != nil {
		return err
	}
	return c.decode(ctx, base, op, resp, v)
}

func (c *Client) decode(ctx context.Context, base, op string, resp *http.Response, v any) error {
	data, err := c.readAll(ctx, base, op, resp, maxJSONAnswer)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("registry %s: %s: the answer is not what a weft registry sends (is the URL right?): %w", base, op, err)
	}
	return nil
}

// Info asks the registry what it is, and checks that it speaks this API.
//
//	info, err := c.Info(ctx)
//	if info.RequireSignatures { ... }
//
// # Errors
//
// ErrUnreachable; an *Error; an error when the answer is not a weft
// registry's or its API version is not APIVersion.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var info Info
	if err := c.getJSON(ctx, "info", "/v1/", &info); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			return nil, fmt.Errorf("registry %s: GET /v1/ answered 404: this is not a weft registry (is the URL right?)", e.URL)
		}
		return nil, err
	}
	base, _ := c.base()
	if info.API != APIVersion {
		return nil, fmt.Errorf("registry %s speaks registry API %d; this weft speaks API %d (upgrade weft, or use a registry of its version)", base, info.API, APIVersion)
	}
	return &info, nil
}

// Search lists the registry's packages whose id, name, description or
// keywords contain every word of query, ignoring case; "" lists them all.
//
//	pkgs, err := c.Search(ctx, "math")
//
// # Errors
//
// ErrUnreachable; an *Error.
func (c *Client) Search(ctx context.Context, query string) ([]PackageSummary, error) {
	path := "/v1/packages"
	if query != "" {
		path += "?q=" + url.QueryEscape(query)
	}
	var body listBody
	if err := c.getJSON(ctx, "search", path, &body); err != nil {
		return nil, err
	}
	return body.Packages, nil
}

// Package describes a package and every published version, newest first.
//
//	p, err := c.Package(ctx, "com.example.math")
//
// # Errors
//
// An invalid id (before any request); ErrNotFound; ErrUnreachable; an
// *Error.
func (c *Client) Package(ctx context.Context, id string) (*PackageInfo, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var p PackageInfo
	if err := c.getJSON(ctx, "package "+id, "/v1/packages/"+url.PathEscape(id), &p); err != nil {
		return nil, err
	}
	if p.ID != id {
		base, _ := c.base()
		return nil, fmt.Errorf("registry %s: asked for package %s, it described %q", base, id, clip(p.ID))
	}
	sortNewestFirst(p.Versions)
	return &p, nil
}

// sortNewestFirst orders versions by semver, newest first; versions that
// are not semver go last.
func sortNewestFirst(vs []VersionInfo) {
	slices.SortStableFunc(vs, func(a, b VersionInfo) int {
		va, errA := semver.StrictNewVersion(a.Version)
		vb, errB := semver.StrictNewVersion(b.Version)
		switch {
		case errA != nil && errB != nil:
			return strings.Compare(a.Version, b.Version)
		case errA != nil:
			return 1
		case errB != nil:
			return -1
		}
		return vb.Compare(va)
	})
}

// Publish uploads a .weftpkg (data) with its detached minisign signature
// (sig; nil publishes unsigned) using c.Token.
//
//	p, err := c.Publish(ctx, data, sig)
//	fmt.Println(p.ID, p.Version, p.Digest, p.Signed)
//
// # Errors
//
// An empty (non-nil) sig, before any request; ErrUnreachable; an *Error:
// 401 (no or wrong token), 403 (publishing disabled), 409 (the version is
// published with other bytes), 413 (too large), 422 (invalid package, a
// signature refused, or one required).
//
// # Notes
//
// Publishing the same bytes again succeeds without changing anything.
func (c *Client) Publish(ctx context.Context, data, sig []byte) (*Published, error) {
	if sig != nil && len(sig) == 0 {
		return nil, errors.New("publish: the signature is empty (pass nil to publish unsigned)")
	}
	op := "publish"
	// Name the package in messages when it reads; the registry decides
	// whether it is valid.
	if p, err := pkgfile.LoadArchive("package", bytes.NewReader(data)); err == nil {
		op += " " + p.Manifest.ID + " " + p.Manifest.Version
	}
	body, ctype, length := multipartBody(data, sig)
	resp, base, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/v1/packages",
		newBody: body, length: length, ctype: ctype, auth: true})
	if err != nil {
		return nil, err
	}
	var p Published
	if err := c.decode(ctx, base, op, resp, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// multipartBody frames data (and sig) as multipart/form-data parts
// "package" and "signature" without copying data: the framing before and
// after it is written to buffers, and the body reads the three in turn.
func multipartBody(data, sig []byte) (newBody func() io.Reader, ctype string, length int64) {
	var head, tail bytes.Buffer
	dst := &redirect{&head}
	mw := multipart.NewWriter(dst)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="package"; filename="package.weftpkg"`)
	h.Set("Content-Type", "application/octet-stream")
	mw.CreatePart(h)
	dst.Writer = &tail // data goes here
	if sig != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="signature"; filename="package.weftpkg.minisig"`)
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		w.Write(sig)
	}
	mw.Close()
	newBody = func() io.Reader {
		return io.MultiReader(bytes.NewReader(head.Bytes()), bytes.NewReader(data), bytes.NewReader(tail.Bytes()))
	}
	return newBody, mw.FormDataContentType(), int64(head.Len() + len(data) + tail.Len())
}

// redirect is a writer whose destination can change.
type redirect struct{ io.Writer }

// Download fetches a version of id: constraint is an exact version, a
// semver range ("^1", "~1.2", ">=1.2 <2") resolved against the registry's
// versions (newest matching, not yanked), or "" for the latest (newest not
// yanked, releases before pre-releases). It returns the .weftpkg, its
// signature (nil when unsigned) and the version's description.
//
//	data, sig, v, err := c.Download(ctx, "com.example.math", "^1")
//
// # Errors
//
// An invalid id or constraint; ErrNotFound (no such package, or no version
// matches: the message lists the versions there are); ErrYanked (an exact
// version that is yanked, or only yanked versions match);
// ErrDigestMismatch (the bytes do not hash to the advertised digest, or
// are not the package asked for); ErrUnreachable; an *Error.
//
// # Notes
//
// The signature is not verified here: that is for the caller, against its
// trust store.
func (c *Client) Download(ctx context.Context, id, constraint string) (data, sig []byte, v *VersionInfo, err error) {
	if err := checkID(id); err != nil {
		return nil, nil, nil, err
	}
	v, err = c.resolve(ctx, id, constraint)
	if err != nil {
		return nil, nil, nil, err
	}
	op := "download " + id + " " + v.Version
	path := "/v1/packages/" + url.PathEscape(id) + "/" + url.PathEscape(v.Version)
	resp, base, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path + "/package"})
	if err != nil {
		return nil, nil, nil, err
	}
	header := resp.Header.Get("Weft-Digest")
	max := c.MaxBytes
	if max <= 0 {
		max = pkgfile.DefaultLimits.MaxTotal
	}
	data, err = c.readAll(ctx, base, op, resp, max)
	if err != nil {
		return nil, nil, nil, err
	}
	sum := sha256.Sum256(data)
	got := "sha256:" + hex.EncodeToString(sum[:])
	if !strings.EqualFold(got, v.Digest) || (header != "" && !strings.EqualFold(header, v.Digest)) {
		return nil, nil, nil, fmt.Errorf("registry %s: %s: %w: the registry lists digest %s, the bytes received are %s; refusing them (the registry's storage or something between it and you altered them)",
			base, op, ErrDigestMismatch, clip(v.Digest), got)
	}
	p, err := pkgfile.LoadArchive(id+"-"+v.Version+".weftpkg", bytes.NewReader(data))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("registry %s: %s: the download is not a valid package: %w", base, op, err)
	}
	if p.Manifest.ID != id || p.Manifest.Version != v.Version {
		return nil, nil, nil, fmt.Errorf("registry %s: %s: %w: the file is package %s %s; refusing it",
			base, op, ErrDigestMismatch, p.Manifest.ID, p.Manifest.Version)
	}
	if v.Signed {
		op := "signature of " + id + " " + v.Version
		resp, base, err := c.do(ctx, request{op: op, method: http.MethodGet, path: path + "/signature"})
		if err != nil {
			return nil, nil, nil, err
		}
		if sig, err = c.readAll(ctx, base, op, resp, signing.MaxSignatureSize); err != nil {
			return nil, nil, nil, err
		}
	}
	return data, sig, v, nil
}

// resolve picks the version of id that constraint asks for.
func (c *Client) resolve(ctx context.Context, id, constraint string) (*VersionInfo, error) {
	constraint = strings.TrimSpace(constraint)
	var exact string
	var rng *semver.Constraints
	if constraint != "" {
		if _, err := semver.StrictNewVersion(constraint); err == nil {
			exact = constraint
		} else if rng, err = semver.NewConstraint(constraint); err != nil {
			return nil, fmt.Errorf("package %s: version %q: expected a version (1.2.0) or a range (^1, ~1.2, >=1.2 <2): %v", id, clip(constraint), err)
		}
	}
	p, err := c.Package(ctx, id)
	if err != nil {
		return nil, err
	}
	base, _ := c.base()
	var have []string
	for _, v := range p.Versions {
		have = append(have, v.Version)
	}
	listing := strings.Join(have, ", ")
	if listing == "" {
		listing = "none"
	}
	switch {
	case exact != "":
		for i := range p.Versions {
			v := &p.Versions[i]
			if v.Version != exact {
				continue
			}
			if v.Yanked {
				return nil, fmt.Errorf("registry %s: package %s %s is %w: it may not be newly installed (lockfiles naming it keep working); pick another version (the registry has %s)",
					base, id, exact, ErrYanked, listing)
			}
			return v, nil
		}
		return nil, fmt.Errorf("registry %s: package %s version %s: %w (versions: %s)", base, id, exact, ErrNotFound, listing)
	case rng == nil:
		i := pickLatest(len(p.Versions), func(i int) (string, bool) { return p.Versions[i].Version, p.Versions[i].Yanked })
		if i < 0 {
			return nil, fmt.Errorf("registry %s: package %s: every version is %w (versions: %s)", base, id, ErrYanked, listing)
		}
		return &p.Versions[i], nil
	}
	yanked := false
	for i := range p.Versions { // newest first
		v := &p.Versions[i]
		sv, err := semver.StrictNewVersion(v.Version)
		if err != nil || !rng.Check(sv) {
			continue
		}
		if v.Yanked {
			yanked = true
			continue
		}
		return v, nil
	}
	if yanked {
		return nil, fmt.Errorf("registry %s: package %s: the versions matching %q are %w (versions: %s)", base, id, constraint, ErrYanked, listing)
	}
	return nil, fmt.Errorf("registry %s: package %s: no version matching %q: %w (versions: %s)", base, id, constraint, ErrNotFound, listing)
}

// Yank marks a version yanked (no new installs; lockfiles naming it keep
// working), or clears the mark, using c.Token.
//
//	err := c.Yank(ctx, "com.example.math", "1.0.1", true)
//
// # Errors
//
// An invalid id or version; ErrNotFound; ErrUnreachable; an *Error (401,
// 403).
func (c *Client) Yank(ctx context.Context, id, version string, yanked bool) error {
	op := "yank"
	if !yanked {
		op = "unyank"
	}
	return c.post(ctx, op, id, version, "yank", yankBody{Yanked: &yanked})
}

// Deprecate marks a version deprecated with a message (it still installs,
// with a warning), or clears the mark with "", using c.Token.
//
//	err := c.Deprecate(ctx, "com.example.math", "1.0.0", "use 2.x: 1.x rounds wrongly")
//
// # Errors
//
// An invalid id or version; ErrNotFound; ErrUnreachable; an *Error (400
// for a message that is not one line of at most 1024 bytes, 401, 403).
func (c *Client) Deprecate(ctx context.Context, id, version, message string) error {
	return c.post(ctx, "deprecate", id, version, "deprecate", deprecateBody{Message: &message})
}

// post sends a token-authenticated JSON body to a version's action.
func (c *Client) post(ctx context.Context, op, id, version, action string, body any) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := checkVersion(version); err != nil {
		return err
	}
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	op += " " + id + " " + version
	resp, base, err := c.do(ctx, request{op: op, method: http.MethodPost,
		path:    "/v1/packages/" + url.PathEscape(id) + "/" + url.PathEscape(version) + "/" + action,
		newBody: func() io.Reader { return bytes.NewReader(data) }, length: int64(len(data)), ctype: "application/json", auth: true})
	if err != nil {
		return err
	}
	var v VersionInfo
	return c.decode(ctx, base, op, resp, &v)
}
