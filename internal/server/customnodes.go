// Custom nodes through the API: uploading a package version (checked as a
// run would load it, its signature verified against the tenant's trusted
// keys, its permissions shown for review), the draft → active →
// deprecated life of a version, rollback, and the tenant's trusted keys.

package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/signing"
)

// SignatureHeader carries a package upload's detached minisign signature,
// base64-encoded (an addition to the contract: the body is the .weftpkg).
const SignatureHeader = "X-Weft-Package-Signature"

var packageTypes = []string{"application/octet-stream", "application/x-weftpkg", "application/gzip"}

func (s *Server) uploadCustomNode(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	mt := mediaType(r)
	var data []byte
	var schema json.RawMessage
	switch {
	case mt == "application/json":
		var up api.TypeScriptUpload
		if err := s.decodeJSON(w, r, &up, false); err != nil {
			return err
		}
		built, err := s.buildTypeScript(r, &up)
		if err != nil {
			return err
		}
		data, schema = built, up.Schema
	case mt != "" && !slices.Contains(packageTypes, mt):
		return errorf(http.StatusUnsupportedMediaType, api.CodeMediaType, "expected Content-Type application/octet-stream (a .weftpkg) or application/json (a TypeScript node), found %q", mt)
	default:
		var err error
		if data, err = readBody(w, r, s.cfg.MaxPackage); err != nil {
			return err
		}
		if len(data) == 0 {
			return badRequest("expected a .weftpkg in the request body, found nothing")
		}
	}
	var err error
	var sig []byte
	if h := r.Header.Get(SignatureHeader); h != "" {
		if sig, err = base64.StdEncoding.DecodeString(h); err != nil {
			return badRequest("%s: expected the base64 of a minisign signature file, found something else: %v", SignatureHeader, err)
		}
	}
	keys, err := s.st.ListTrustedKeys(r.Context(), p.tenant)
	if err != nil {
		return err
	}
	trusted := [][]byte{}
	for _, k := range keys {
		trusted = append(trusted, []byte(k.PublicKey))
	}
	desc, err := s.eng.InspectPackage(r.Context(), data, weft.InspectOptions{Source: "upload", Signature: sig, TrustedKeys: trusted,
		RequireSignature: s.cfg.RequireSignatures})
	if err != nil {
		if errors.Is(err, weft.ErrInvalid) || errors.Is(err, weft.ErrSignature) {
			return &httpError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid, msg: err.Error(),
				details: []api.Detail{{File: "upload", Message: err.Error()}}}
		}
		return err
	}
	node := describeUpload(desc, p.name())
	if schema != nil {
		if err := checkSchema(schema, node); err != nil {
			return err
		}
	}
	versions, err := s.st.PackageVersions(r.Context(), p.tenant, desc.ID)
	if err != nil {
		return err
	}
	if cur := current(versions); cur != nil && cur.Digest != desc.Digest {
		node.Review.Upgrade = cur.Version
		node.Review.NewPermissions = newLines(node.Review.Permissions, customNodeJSON(cur).Review.Permissions)
	}
	info, _ := json.Marshal(node)
	row := &db.PackageVersion{ID: "cn_" + randomHex(10), Tenant: p.tenant, Package: desc.ID, Version: desc.Version,
		Digest: desc.Digest, Status: db.StatusDraft, Info: info, Signer: desc.Signer, CreatedBy: p.name(), CreatedAt: nowUTC()}
	stored, created, err := s.st.CreatePackageVersion(r.Context(), row, data)
	if errors.Is(err, db.ErrConflict) {
		return conflict("%s %s exists already with other contents; versions are immutable: publish a new version", desc.ID, desc.Version)
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, api.CustomNodeReply{CustomNode: customNodeJSON(stored)})
	return nil
}

// newLines lists what cur has that old has not.
func newLines(cur, old []string) []string {
	var out []string
	for _, l := range cur {
		if !slices.Contains(old, l) {
			out = append(out, l)
		}
	}
	return out
}

// describeUpload is the API's view of an inspected package, stored with
// the version.
func describeUpload(d *weft.PackageDescription, by string) api.CustomNode {
	n := api.CustomNode{Package: d.ID, Name: d.Name, Version: d.Version, Description: d.Description, Digest: d.Digest,
		Kind: d.Kind, Signer: d.Signer, Sources: d.Sources, CreatedBy: by, Nodes: []api.NodeType{},
		Review: api.Review{Permissions: d.PermissionLines, Warnings: d.Warnings}}
	pm := d.Permissions
	n.Permissions = api.Permissions{Memory: pm.Memory, Timeout: pm.Timeout, AllowedHosts: pm.AllowedHosts}
	for _, o := range pm.OAuth {
		n.Permissions.OAuth = append(n.Permissions.OAuth, api.OAuthScopes{Provider: o.Provider, Scopes: o.Scopes})
	}
	for _, op := range []struct {
		on   bool
		name string
	}{{pm.Variables, "vars"}, {pm.Cache, "cache"}, {pm.State, "state"}, {pm.Storage, "storage"}, {len(pm.AllowedHosts) > 0, "http"}, {len(pm.OAuth) > 0, "oauth"}} {
		if op.on {
			n.Permissions.Operations = append(n.Permissions.Operations, op.name)
		}
	}
	for _, nd := range d.Nodes {
		t := api.NodeType{Type: nd.Type, Kind: "leaf", Category: firstOf(nd.Category, "custom"), Description: firstOf(nd.Description, nd.Name),
			Package: d.ID, Version: d.Version, Children: "none", Inputs: pinsJSON(nd.Inputs), Outputs: pinsJSON(nd.Outputs)}
		if sc := nd.Scores; sc != nil {
			t.Scores = &api.Scores{Privacy: sc.Privacy, Security: sc.Security, Performance: sc.Performance,
				Governance: sc.Governance, Reliability: sc.Reliability, Cost: sc.Cost}
			if n.Scores == nil {
				n.Scores = t.Scores
			}
		}
		n.Nodes = append(n.Nodes, t)
	}
	return n
}

func pinsJSON(ps []weft.PinDescription) []api.Pin {
	out := []api.Pin{}
	for _, p := range ps {
		out = append(out, api.Pin{Name: p.Name, Type: p.Type, Description: p.Description, Required: p.Required})
	}
	return out
}

func firstOf(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

// customNodeJSON is a stored version as the API shows it: the description
// made at upload, with the row's current status.
func customNodeJSON(v *db.PackageVersion) api.CustomNode {
	var n api.CustomNode
	json.Unmarshal(v.Info, &n)
	n.ID, n.Package, n.Version, n.Digest, n.Status = v.ID, v.Package, v.Version, v.Digest, v.Status
	n.Signer, n.Deprecated, n.CreatedBy, n.CreatedAt = v.Signer, v.Deprecated, v.CreatedBy, v.CreatedAt
	if n.Nodes == nil {
		n.Nodes = []api.NodeType{}
	}
	if n.Review.Permissions == nil {
		n.Review.Permissions = []string{}
	}
	if !v.ActivatedAt.IsZero() {
		t := v.ActivatedAt
		n.ActivatedAt = &t
	}
	return n
}

var nodeStatuses = []string{db.StatusDraft, db.StatusActive, db.StatusDeprecated, db.StatusInactive}

func (s *Server) listCustomNodes(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	f := db.PackageFilter{Status: r.URL.Query().Get("status"), Package: r.URL.Query().Get("package")}
	if f.Status != "" && !slices.Contains(nodeStatuses, f.Status) {
		return badRequest("status: expected one of %s; found %q", strings.Join(nodeStatuses, ", "), f.Status)
	}
	list, next, err := s.st.ListPackageVersions(r.Context(), caller(r).tenant, f, pg)
	if err != nil {
		return storeErr(err, "cursor", pg.Cursor)
	}
	out := api.List[api.CustomNode]{Items: []api.CustomNode{}, NextCursor: next}
	for _, v := range list {
		out.Items = append(out.Items, customNodeJSON(v))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getCustomNode(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	v, err := s.st.GetPackageVersion(r.Context(), caller(r).tenant, id)
	if err != nil {
		return storeErr(err, "custom node", id)
	}
	writeJSON(w, http.StatusOK, api.CustomNodeReply{CustomNode: customNodeJSON(v)})
	return nil
}

func (s *Server) activateCustomNode(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	v, err := s.st.GetPackageVersion(r.Context(), p.tenant, id)
	if err != nil {
		return storeErr(err, "custom node", id)
	}
	t, err := s.st.GetTenant(r.Context(), p.tenant)
	if err != nil {
		return err
	}
	if t.RequireApproval && p.role != db.RoleOwner {
		return forbidden("tenant %s requires an owner's approval to activate a custom node; your token has role %s", p.tenant, p.role)
	}
	if v.Status == db.StatusActive {
		return conflict("custom node %s (%s %s) is active already", id, v.Package, v.Version)
	}
	v, err = s.st.Activate(r.Context(), p.tenant, id, nowUTC())
	if err != nil {
		return storeErr(err, "custom node", id)
	}
	writeJSON(w, http.StatusOK, api.CustomNodeReply{CustomNode: customNodeJSON(v)})
	return nil
}

func (s *Server) deprecateCustomNode(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	var req struct {
		Message string `json:"message"`
	}
	if err := s.decodeJSON(w, r, &req, true); err != nil {
		return err
	}
	if len(req.Message) > 1000 {
		return badRequest("message: at most 1000 characters, found %d", len(req.Message))
	}
	if _, err := s.st.GetPackageVersion(r.Context(), p.tenant, id); err != nil {
		return storeErr(err, "custom node", id)
	}
	v, err := s.st.Deprecate(r.Context(), p.tenant, id, req.Message)
	if errors.Is(err, db.ErrConflict) {
		return conflict("custom node %s is not active: only the active version can be deprecated", id)
	}
	if err != nil {
		return storeErr(err, "custom node", id)
	}
	writeJSON(w, http.StatusOK, api.CustomNodeReply{CustomNode: customNodeJSON(v)})
	return nil
}

func (s *Server) rollbackPackage(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	pkg := chi.URLParam(r, "package")
	vs, err := s.st.PackageVersions(r.Context(), p.tenant, pkg)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return notFound("package", pkg)
	}
	v, err := s.st.Rollback(r.Context(), p.tenant, pkg, nowUTC())
	if errors.Is(err, db.ErrConflict) {
		return conflict("package %s has no previously active version to roll back to", pkg)
	}
	if err != nil {
		return storeErr(err, "package", pkg)
	}
	writeJSON(w, http.StatusOK, api.CustomNodeReply{CustomNode: customNodeJSON(v)})
	return nil
}

// ---- trusted keys ----

func (s *Server) listTrustedKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.st.ListTrustedKeys(r.Context(), caller(r).tenant)
	if err != nil {
		return err
	}
	out := api.List[api.TrustedKey]{Items: []api.TrustedKey{}}
	for _, k := range keys {
		out.Items = append(out.Items, api.TrustedKey{ID: k.ID, PublicKey: k.PublicKey, Comment: k.Comment, CreatedAt: k.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) addTrustedKey(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PublicKey string `json:"public_key"`
		Comment   string `json:"comment"`
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	id, err := signing.KeyID([]byte(req.PublicKey))
	if err != nil {
		return badRequest("public_key: expected a minisign public key (the .pub file's text), found something else: %v", err)
	}
	if len(req.Comment) > 200 {
		return badRequest("comment: at most 200 characters, found %d", len(req.Comment))
	}
	k := &db.TrustedKey{Tenant: caller(r).tenant, ID: id, PublicKey: req.PublicKey, Comment: req.Comment, CreatedAt: nowUTC()}
	if err := s.st.PutTrustedKey(r.Context(), k); err != nil {
		return storeErr(err, "trusted key", id)
	}
	writeJSON(w, http.StatusCreated, api.TrustedKey{ID: id, PublicKey: k.PublicKey, Comment: k.Comment, CreatedAt: k.CreatedAt})
	return nil
}

func (s *Server) deleteTrustedKey(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	if err := s.st.DeleteTrustedKey(r.Context(), caller(r).tenant, id); err != nil {
		return storeErr(err, "trusted key", id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
