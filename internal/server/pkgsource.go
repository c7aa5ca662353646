// The server's package source: custom node types of a tenant's workflows
// resolve to the tenant's package versions in the database (the current
// version, or the newest activated one matching a constraint), and their
// bytes come from there, so every server sharing the database runs the
// same code.

package server

import (
	"context"
	"fmt"

	"github.com/Masterminds/semver/v3"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/server/db"
)

type packageSource struct{ st db.Store }

var _ weft.PackageSource = (*packageSource)(nil)

// Resolve implements weft.PackageSource.
func (p *packageSource) Resolve(ctx context.Context, tenant, id, constraint string) (*weft.SourcePackage, error) {
	versions, err := p.st.PackageVersions(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	best := current(versions)
	if constraint != "" {
		c, err := semver.NewConstraint(constraint)
		if err != nil {
			return nil, fmt.Errorf("version constraint %q: %v", constraint, err)
		}
		// The current version when it satisfies the range, so that a
		// rollback moves range-pinned workflows too; else the newest.
		if cur := best; cur == nil || !matches(cur, c) {
			best = newestMatching(versions, c)
		}
	}
	if best == nil {
		return nil, fmt.Errorf("tenant %s has no active version of package %s%s: %w", tenant, id, constraintText(constraint), weft.ErrNotInstalled)
	}
	return &weft.SourcePackage{ID: best.Package, Version: best.Version, Digest: best.Digest, Deprecated: deprecation(best)}, nil
}

// current is the package's current version (active or deprecated), nil
// when none was activated.
func current(versions []*db.PackageVersion) *db.PackageVersion {
	for _, v := range versions {
		if v.Status == db.StatusActive || v.Status == db.StatusDeprecated {
			return v
		}
	}
	return nil
}

// newestMatching is the newest version matching c among those ever
// activated (drafts never resolve).
func newestMatching(versions []*db.PackageVersion, c *semver.Constraints) *db.PackageVersion {
	var best *db.PackageVersion
	var bestV *semver.Version
	for _, v := range versions {
		if v.Status == db.StatusDraft {
			continue
		}
		sv, err := semver.StrictNewVersion(v.Version)
		if err != nil || !c.Check(sv) {
			continue
		}
		if best == nil || sv.GreaterThan(bestV) {
			best, bestV = v, sv
		}
	}
	return best
}

func matches(v *db.PackageVersion, c *semver.Constraints) bool {
	sv, err := semver.StrictNewVersion(v.Version)
	return err == nil && c.Check(sv)
}

func constraintText(c string) string {
	if c == "" {
		return ""
	}
	return " matching " + c
}

func deprecation(v *db.PackageVersion) string {
	if v.Status != db.StatusDeprecated {
		return ""
	}
	if v.Deprecated == "" {
		return "deprecated by its tenant"
	}
	return v.Deprecated
}

// Fetch implements weft.PackageSource.
func (p *packageSource) Fetch(ctx context.Context, tenant, digest string) ([]byte, error) {
	return p.st.Blob(ctx, digest)
}
