// PackageSource: custom node types resolved from somewhere other than the
// engine's own package store, such as the server's database, where each
// tenant's uploads and activations live.

package weft

import "context"

// PackageSource resolves custom node types for LoadOptions.Packages.
//
//	wf, err := eng.LoadWith(ctx, "flow.yaml", src, weft.LoadOptions{Tenant: "acme", Packages: mySource})
//
// # Errors
//
// Resolve answers an error wrapping ErrNotInstalled when the tenant has no
// usable version of the package (loading then reports an unknown node
// type); any other error is reported as it is.
type PackageSource interface {
	// Resolve returns the version of package id that tenant's workflows
	// use: its current version for constraint "", else the newest
	// version matching the semver constraint.
	Resolve(ctx context.Context, tenant, id, constraint string) (*SourcePackage, error)
	// Fetch returns the .weftpkg bytes of the package with this digest,
	// which the tenant owns.
	Fetch(ctx context.Context, tenant, digest string) ([]byte, error)
}

// SourcePackage is one package version a PackageSource resolved to.
type SourcePackage struct {
	ID, Version, Digest string
	// Deprecated is the deprecation message; "" when not deprecated.
	Deprecated string
}
