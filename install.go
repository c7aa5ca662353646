// Installing packages into the engine's home: checking a package exactly
// as a run loads it, verifying its signature against the trust store,
// showing what it asks for, and storing it immutably for one tenant.

package weft

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/signing"
	"github.com/weft-dev/weft/internal/store"
)

// Sentinel errors of package installs, for errors.Is.
var (
	// ErrSignature: the package's signature is wrong, untrusted or missing
	// where one is required. Nothing was installed.
	ErrSignature = errors.New("signature refused")
	// ErrDeclined: the review callback declined the install.
	ErrDeclined = errors.New("install declined")
	// ErrNotInstalled: no such package or version for the tenant.
	ErrNotInstalled = store.ErrNotFound
	// ErrImmutable: the version is installed already with other bytes.
	ErrImmutable = store.ErrImmutable
)

// InstallOptions configure one install.
type InstallOptions struct {
	// Tenant to install for; default "default".
	Tenant string
	// Source says where the package came from (a path, URL or registry
	// reference), for listings and messages.
	Source string
	// Signature is the package's detached minisign signature, nil when it
	// has none.
	Signature []byte
	// RequireSignature refuses an unsigned package (also when
	// Config.RequireSignatures is set).
	RequireSignature bool
	// Review, when set, is called once the package is checked and before
	// anything is stored; an error aborts the install (wrap ErrDeclined).
	Review func(*Review) error
}

// Review is what an install shows before it stores anything.
type Review struct {
	ID, Name, Version, Digest string
	// Signer is the trusted key id that signed the package; "" unsigned.
	Signer string
	// Permissions lists everything the package asks for.
	Permissions []string
	// Upgrade is the active version being replaced ("" for a first
	// install), and NewPermissions what this version asks for beyond it.
	Upgrade        string
	NewPermissions []string
	// Warnings: an unsigned package, for one.
	Warnings []string
}

// InstalledPackage is the outcome of an install.
type InstalledPackage struct {
	ID, Version, Digest, Tenant, Signer string
	// Nodes are the package's node types, PACKAGE_ID/NODE_ID.
	Nodes    []string
	Warnings []string
}

// Pack reads a package folder, a bare .wasm with its manifest, or a
// .weftpkg, and returns it as .weftpkg bytes: built reproducibly from a
// folder or module, as it is from a .weftpkg.
//
// # Errors
//
// An error wrapping ErrInvalid naming the file and the problem.
func Pack(path string) ([]byte, error) {
	p, err := pkgfile.Load(path)
	if err != nil {
		return nil, &invalidError{err}
	}
	if filepath.Ext(path) == ".weftpkg" {
		// Load has read it within the size limits, so reading it again is bounded.
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &invalidError{err}
		}
		return data, nil
	}
	data, _, err := pkgfile.Pack(p)
	if err != nil {
		return nil, &invalidError{err}
	}
	return data, nil
}

// TrustStore returns the publisher keys trusted by this home
// ($WEFT_HOME/trust).
func (e *Engine) TrustStore() *signing.TrustStore {
	return &signing.TrustStore{Dir: filepath.Join(e.cfg.Home, "trust")}
}

// InstallPackage checks a .weftpkg (data) exactly as a run would load it,
// verifies its signature, calls the review, and stores it for the tenant,
// making it the active version.
//
//	data, err := weft.Pack("./math")
//	pkg, err := eng.InstallPackage(ctx, data, weft.InstallOptions{Tenant: "acme"})
//
// # Errors
//
// ErrInvalid (a bad package), ErrSignature (tampered, wrong, untrusted, or
// missing when required), ErrDeclined, ErrImmutable (this version is
// installed with other bytes). On any error nothing is stored.
func (e *Engine) InstallPackage(ctx context.Context, data []byte, o InstallOptions) (*InstalledPackage, error) {
	if o.Tenant == "" {
		o.Tenant = "default"
	}
	if err := store.CheckTenant(o.Tenant); err != nil {
		return nil, &invalidError{err}
	}
	src := o.Source
	if src == "" {
		src = "package"
	}
	p, d, err := e.inspect(ctx, data, src, o.Signature, e.TrustStore(), o.RequireSignature || e.cfg.RequireSignatures)
	if err != nil {
		return nil, err
	}
	m := p.Manifest
	rev := &Review{ID: m.ID, Name: m.Name, Version: m.Version, Digest: p.Digest, Permissions: d.PermissionLines,
		Signer: d.Signer, Warnings: d.Warnings}
	info := &PackageInfo{}
	for _, n := range d.Nodes {
		info.Nodes = append(info.Nodes, n.Type)
	}
	st, err := e.packageStore(ctx)
	if err != nil {
		return nil, err
	}
	if cur, err := st.Resolve(ctx, o.Tenant, m.ID, ""); err == nil && cur.Digest != p.Digest {
		rev.Upgrade = cur.Version
		if old, err := cur.Manifest(); err == nil {
			rev.NewPermissions = m.NewPermissions(old)
		}
	}
	if existing, err := st.Get(ctx, o.Tenant, m.ID, m.Version); err == nil && existing.Digest != p.Digest {
		return nil, fmt.Errorf("%w: %s %s is already installed for tenant %s with digest %s; %s is %s (publish a new version instead)",
			ErrImmutable, m.ID, m.Version, o.Tenant, existing.Digest, src, p.Digest)
	}
	if o.Review != nil {
		if err := o.Review(rev); err != nil {
			return nil, err
		}
	}
	v, err := st.Add(ctx, o.Tenant, data, store.AddOptions{Source: o.Source, Signature: o.Signature, Signer: rev.Signer, Activate: true})
	if err != nil {
		if errors.Is(err, store.ErrImmutable) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	return &InstalledPackage{ID: v.ID, Version: v.Version, Digest: v.Digest, Tenant: o.Tenant, Signer: v.Signer,
		Nodes: info.Nodes, Warnings: rev.Warnings}, nil
}
