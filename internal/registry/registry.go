// Package registry is weft's package registry: an HTTP API (NewServer)
// that serves the packages of a package store (store.Store) for listing,
// search, download and token-authenticated publishing, and its client
// (Client), which `weft pkg install|publish|search` use.
//
//	h := registry.NewServer(registry.ServerConfig{Store: st, Tokens: []string{token}})
//	err := http.ListenAndServe("127.0.0.1:8700", h)
//
//	c := &registry.Client{URL: "https://registry.example.com", Token: token}
//	pub, err := c.Publish(ctx, data, sig)
//	data, sig, v, err := c.Download(ctx, "com.example.math", "^1")
//
// # The API
//
// JSON over HTTP, versioned under /v1; every error is {"error": "MESSAGE"}
// with a 4xx or 5xx status.
//
//	GET  /v1/                                    Info
//	GET  /v1/packages?q=TEXT                     {"packages": [PackageSummary...]}
//	GET  /v1/packages/{id}                       PackageInfo, versions newest first
//	GET  /v1/packages/{id}/{version}             VersionInfo
//	GET  /v1/packages/{id}/{version}/package     the .weftpkg (header Weft-Digest: sha256:HEX)
//	GET  /v1/packages/{id}/{version}/signature   the .minisig; 404 when unsigned
//	POST /v1/packages                            multipart parts "package" and "signature" (optional) → Published
//	POST /v1/packages/{id}/{version}/yank        {"yanked": BOOL} → VersionInfo
//	POST /v1/packages/{id}/{version}/deprecate   {"message": TEXT} ("" clears) → VersionInfo
//
// The POST endpoints take "Authorization: Bearer TOKEN".
//
// # Notes
//
//   - Versions are immutable: publishing other bytes under a published
//     version is refused (409); publishing the same bytes again succeeds
//     (200) and changes nothing, not even the stored signature.
//   - The client trusts nothing it downloads: the bytes must hash to the
//     digest the registry advertises, and the package inside must be the id
//     and version asked for. Signatures are checked by the caller against
//     its own trust store, never by this package.
//   - "Latest" (the server's PackageSummary.Latest and Download with no
//     constraint) is the newest version that is not yanked and not a
//     pre-release, else the newest pre-release that is not yanked.
//   - Ids follow the manifest's rules (lower-case letters, digits, '-' and
//     '.', at least one dot, no empty label, at most 128 bytes) and versions
//     are strict semantic versions; anything else in a path is refused
//     before it reaches the store, on both sides.
package registry

import (
	"fmt"
	"regexp"
	"time"

	"github.com/Masterminds/semver/v3"
)

// APIVersion is the version of the HTTP API this package serves and
// speaks: the path prefix /v1 and Info.API.
const APIVersion = 1

// Tenant is the tenant of the server's store that the registry serves.
const Tenant = "default"

// Info is what GET /v1/ answers: what the server is.
type Info struct {
	Name              string `json:"name"` // "weft registry"
	API               int    `json:"api"`  // APIVersion
	RequireSignatures bool   `json:"require_signatures"`
}

// PackageSummary is one package in a listing or search.
type PackageSummary struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Latest is the version a plain install gets (see the package
	// documentation); "" when every version is yanked.
	Latest   string   `json:"latest"`
	Keywords []string `json:"keywords"`
}

// VersionInfo describes one published version.
type VersionInfo struct {
	Version    string `json:"version"`
	Digest     string `json:"digest"` // "sha256:<hex>" of the .weftpkg
	Signed     bool   `json:"signed"`
	Signer     string `json:"signer"` // the key id the registry verified; "" when unsigned or not verified
	Yanked     bool   `json:"yanked"`
	Deprecated string `json:"deprecated"` // the deprecation message; "" when not deprecated
	// Published is when the registry accepted it, to the second.
	Published time.Time `json:"published"`
	// Permissions are manifest.Manifest.PermissionLines: what the package
	// asks for, for a review before installing.
	Permissions []string   `json:"permissions"`
	Nodes       []NodeInfo `json:"nodes"`
}

// NodeInfo is one node of a package.
type NodeInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// PackageInfo is a package with every published version, newest first.
type PackageInfo struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Versions    []VersionInfo `json:"versions"`
}

// Published is what a publish answers.
type Published struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
	Signed  bool   `json:"signed"`
}

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

type listBody struct {
	Packages []PackageSummary `json:"packages"`
}

type yankBody struct {
	Yanked *bool `json:"yanked"`
}

type deprecateBody struct {
	Message *string `json:"message"`
}

// maxIDLen is the manifest's limit on package ids.
const maxIDLen = 128

// maxVersionLen bounds a version in a path (semver itself has no limit).
const maxVersionLen = 128

// idRE is a package id as the manifest allows it: labels of lower-case
// letters, digits and '-', separated by single dots, at least two labels.
var idRE = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)

// checkID validates a package id taken from a path or a caller.
func checkID(id string) error {
	if len(id) > maxIDLen || !idRE.MatchString(id) {
		return fmt.Errorf("package id %q: expected a reverse-DNS id like com.example.math (lower-case letters, digits, '-' and '.', at most %d bytes)", clip(id), maxIDLen)
	}
	return nil
}

// checkVersion validates an exact version taken from a path or a caller.
func checkVersion(v string) error {
	if len(v) > maxVersionLen {
		return fmt.Errorf("version %q: expected a semantic version like 1.0.0", clip(v))
	}
	if _, err := semver.StrictNewVersion(v); err != nil {
		return fmt.Errorf("version %q: expected a semantic version like 1.0.0", clip(v))
	}
	return nil
}

// clip shortens hostile input quoted in messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// pickLatest returns the index of the "latest" version among n versions
// (see the package documentation), or -1; at(i) gives the version string
// and whether it is yanked. Versions that are not strict semver are skipped.
func pickLatest(n int, at func(i int) (version string, yanked bool)) int {
	best, bestPre := -1, -1
	var bestV, bestPreV *semver.Version
	for i := range n {
		s, yanked := at(i)
		if yanked {
			continue
		}
		v, err := semver.StrictNewVersion(s)
		if err != nil {
			continue
		}
		if v.Prerelease() == "" {
			if bestV == nil || v.GreaterThan(bestV) {
				best, bestV = i, v
			}
		} else if bestPreV == nil || v.GreaterThan(bestPreV) {
			bestPre, bestPreV = i, v
		}
	}
	if best >= 0 {
		return best
	}
	return bestPre
}
