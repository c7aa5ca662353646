// Inspecting a package before anyone runs it: what it is, what its nodes
// take and give, what it may do, and who signed it, read from its .weftpkg
// and checked exactly as a run would load it. Installs, the server's
// uploads and `weft nodes show` describe packages with it.

package weft

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/weft-dev/weft/internal/customnode"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pin"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/signing"
)

// PackageDescription is what a package is and asks for.
type PackageDescription struct {
	ID, Name, Version, Description string
	// Digest is "sha256:HEX" of the .weftpkg.
	Digest string
	// Signer is the trusted key id that signed it; "" when unsigned.
	Signer      string
	Nodes       []NodeDescription
	Permissions Permissions
	// PermissionLines is the review: every permission as a line of text.
	PermissionLines []string
	// Warnings: an unsigned package, for one.
	Warnings []string
	// Kind is "wasm", or "typescript" for a TypeScript node's package
	// (its nodes run the bundled script in the JavaScript sandbox).
	Kind string
	// Sources are a TypeScript node's sources by path (src/node.ts), for
	// review; nil for WebAssembly packages.
	Sources map[string]string

	manifest *manifest.Manifest
}

// NodeDescription is one node type of a package.
type NodeDescription struct {
	// Type is the workflow's type name, PACKAGE_ID/NODE_ID.
	Type                            string
	ID, Name, Description, Category string
	Inputs, Outputs                 []PinDescription
	Scores                          *Scores
	OAuthProviders                  []string
}

// PinDescription is one input or output of a custom node.
type PinDescription struct {
	Name string
	// Type is the manifest's type: "string", "integer", "array of date"...
	Type        string
	Description string
	Required    bool
	// Default is the input's default; meaningful when HasDefault.
	Default    any
	HasDefault bool
}

// Scores are a node's quality scores as its manifest states them (0-100).
type Scores struct {
	Privacy, Security, Performance, Governance, Reliability, Cost int
}

// Permissions is what a package's manifest declares it may do.
type Permissions struct {
	Memory, Timeout                  string // tier names
	Variables, Cache, State, Storage bool
	AllowedHosts                     []string
	AllowPrivate                     bool
	OAuth                            []OAuthGrant
}

// OAuthGrant is one OAuth provider a package may receive tokens of.
type OAuthGrant struct {
	Provider string
	Scopes   []string
	Reason   string
	Required bool
}

// InspectOptions configure InspectPackage.
type InspectOptions struct {
	// Source names the package in messages (a file, a URL, an upload).
	Source string
	// Signature is the package's detached minisign signature; nil for none.
	Signature []byte
	// TrustedKeys, when not nil, are the public keys (minisign .pub file
	// texts) the signature must be made by, instead of the engine's trust
	// store under Home.
	TrustedKeys [][]byte
	// RequireSignature refuses an unsigned package (so does
	// Config.RequireSignatures).
	RequireSignature bool
}

// InspectPackage reads a .weftpkg, verifies its signature, checks it
// exactly as a run would load it, and describes it. It stores nothing.
//
//	desc, err := eng.InspectPackage(ctx, data, weft.InspectOptions{Source: "upload"})
//
// # Errors
//
// ErrInvalid (a bad package, naming the file and the problem) or
// ErrSignature (tampered, wrong, untrusted, or missing when required).
func (e *Engine) InspectPackage(ctx context.Context, data []byte, o InspectOptions) (*PackageDescription, error) {
	trust := e.TrustStore()
	if o.TrustedKeys != nil {
		trust = &signing.TrustStore{Keys: o.TrustedKeys}
	}
	_, d, err := e.inspect(ctx, data, o.Source, o.Signature, trust, o.RequireSignature || e.cfg.RequireSignatures)
	return d, err
}

// NewPermissions lists what d asks for beyond old (all of it when old is nil).
func (d *PackageDescription) NewPermissions(old *PackageDescription) []string {
	if old == nil {
		return d.manifest.NewPermissions(nil)
	}
	return d.manifest.NewPermissions(old.manifest)
}

// inspect reads, verifies and checks a package; src names it in messages.
func (e *Engine) inspect(ctx context.Context, data []byte, src string, sig []byte, trust *signing.TrustStore, require bool) (*pkgfile.Package, *PackageDescription, error) {
	if src == "" {
		src = "package"
	}
	p, err := pkgfile.LoadArchive(src, bytes.NewReader(data))
	if err != nil {
		return nil, nil, &invalidError{err}
	}
	m := p.Manifest
	d := describe(p.Digest, m)
	for name, data := range p.Sources {
		if d.Sources == nil {
			d.Sources = map[string]string{}
		}
		d.Sources[name] = string(data)
	}
	switch {
	case sig != nil:
		key, comment, err := trust.VerifyWithComment(data, sig)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s %s from %s: %w", ErrSignature, m.ID, m.Version, src, err)
		}
		// A signature weft made names the package it signed; one made with
		// minisign directly has its own comment, which is not checked.
		if rest, ok := strings.CutPrefix(comment, "weft package "); ok {
			if want := fmt.Sprintf("%s %s %s", m.ID, m.Version, p.Digest); rest != want {
				return nil, nil, fmt.Errorf("%w: %s %s from %s: the signature was made for %q, not %q", ErrSignature, m.ID, m.Version, src, rest, want)
			}
		}
		d.Signer = key.ID
	case require:
		return nil, nil, fmt.Errorf("%w: %s %s from %s is not signed, and signatures are required", ErrSignature, m.ID, m.Version, src)
	default:
		d.Warnings = append(d.Warnings, fmt.Sprintf("%s %s is not signed: nothing proves who made it", m.ID, m.Version))
	}
	if _, err := e.CheckPackage(ctx, p); err != nil {
		return nil, nil, err
	}
	return p, d, nil
}

// describe turns a manifest into a PackageDescription.
func describe(digest string, m *manifest.Manifest) *PackageDescription {
	d := &PackageDescription{ID: m.ID, Name: m.Name, Version: m.Version, Description: m.Description, Digest: digest,
		PermissionLines: m.PermissionLines(), Kind: "wasm", manifest: m}
	if m.Script != "" {
		d.Kind = "typescript"
	}
	pm := m.Permissions
	d.Permissions = Permissions{Memory: orDefault(pm.Memory, manifest.DefaultMemory), Timeout: orDefault(pm.Timeout, manifest.DefaultTimeout),
		Variables: pm.Variables, Cache: pm.Cache, State: pm.State, Storage: pm.Storage,
		AllowedHosts: pm.HTTP.AllowedHosts, AllowPrivate: pm.HTTP.AllowPrivate}
	for _, o := range pm.OAuthScopes {
		d.Permissions.OAuth = append(d.Permissions.OAuth, OAuthGrant{Provider: o.Provider, Scopes: o.Scopes, Reason: o.Reason, Required: o.Required})
	}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		nd := NodeDescription{Type: customnode.TypeName(m, n), ID: n.ID, Name: n.Name, Description: n.Description,
			Category: n.Category, OAuthProviders: n.OAuthProviders, Inputs: pins(n.Inputs), Outputs: pins(n.Outputs)}
		if s := n.Scores; s != nil {
			nd.Scores = &Scores{Privacy: s.Privacy, Security: s.Security, Performance: s.Performance,
				Governance: s.Governance, Reliability: s.Reliability, Cost: s.Cost}
		}
		d.Nodes = append(d.Nodes, nd)
	}
	return d
}

func pins(specs []pin.Spec) []PinDescription {
	out := make([]PinDescription, 0, len(specs))
	for i := range specs {
		p := &specs[i]
		out = append(out, PinDescription{Name: p.Name, Type: p.TypeName(), Description: p.Description,
			Required: p.Required && !p.HasDefault, Default: p.Default, HasDefault: p.HasDefault})
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
