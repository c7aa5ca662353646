// Updates of installed packages: which registry an installed version came
// from, which published versions update it (semver: the newest compatible
// one, and the newest of all), and whether an update asks for more than
// the installed version did, for `weft pkg outdated` and `weft pkg update`.

package registry

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/weft-dev/weft/internal/manifest"
)

// SourceOf is the source an install from the registry at base records for
// version of id: "BASE/ID@VERSION".
func SourceOf(base, id, version string) string {
	return strings.TrimRight(base, "/") + "/" + id + "@" + version
}

// SourceRegistry returns the registry base URL that source (what an
// install recorded, see SourceOf) names for version of id, and whether
// source is such a registry source at all: an http or https URL with a
// host, ending in "/ID@VERSION". Sources that are files, folders or
// package URLs give false.
func SourceRegistry(source, id, version string) (string, bool) {
	base, ok := strings.CutSuffix(source, "/"+id+"@"+version)
	if !ok || id == "" || version == "" {
		return "", false
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", false
	}
	return base, true
}

// Updates picks, from a package's published versions, the updates of the
// installed version current:
//
//   - wanted: the newest version that semver says is compatible with
//     current (^current: same major version, or for 0.x the same minor),
//     newer than it;
//   - latest: the newest version newer than current, whatever its major.
//
// Yanked versions are never picked; pre-releases only when current is one.
// Either is nil when there is none.
//
// # Errors
//
// current is not a semantic version.
func Updates(current string, published []VersionInfo) (wanted, latest *VersionInfo, err error) {
	cur, err := semver.StrictNewVersion(current)
	if err != nil {
		return nil, nil, fmt.Errorf("installed version %q is not a semantic version (MAJOR.MINOR.PATCH): %v", clip(current), err)
	}
	compatible, err := semver.NewConstraint("^" + cur.String())
	if err != nil {
		return nil, nil, fmt.Errorf("installed version %s: %v", current, err)
	}
	var wantedV, latestV *semver.Version
	for i := range published {
		p := &published[i]
		v, err := semver.StrictNewVersion(p.Version)
		if err != nil || p.Yanked || !v.GreaterThan(cur) || (v.Prerelease() != "" && cur.Prerelease() == "") {
			continue
		}
		if latestV == nil || v.GreaterThan(latestV) {
			latestV, latest = v, p
		}
		// Check ignores pre-releases for a release constraint; compare
		// the major (and for 0.x the minor) by hand for those.
		if compatible.Check(v) || (v.Prerelease() != "" && sameLine(cur, v)) {
			if wantedV == nil || v.GreaterThan(wantedV) {
				wantedV, wanted = v, p
			}
		}
	}
	return wanted, latest, nil
}

// sameLine reports whether v is in the compatible line of cur: the same
// major version, or for 0.x the same minor.
func sameLine(cur, v *semver.Version) bool {
	if cur.Major() != v.Major() {
		return false
	}
	return cur.Major() != 0 || cur.Minor() == v.Minor()
}

// GrownPermissions returns the lines of published (a version's
// permission lines as the registry lists them, manifest.PermissionLines)
// that ask for more than the installed manifest does: a permission, host
// or OAuth scope it lacks, or a larger memory or time tier. A reworded
// OAuth reason is not growth. A memory or time line that cannot be read
// counts as growth when it differs from the installed one.
func GrownPermissions(installed *manifest.Manifest, published []string) []string {
	had := map[string]bool{}
	for _, l := range installed.PermissionLines() {
		had[permissionKey(l)] = true
	}
	var out []string
	for _, l := range published {
		switch {
		case strings.HasPrefix(l, "memory: "):
			n, ok := lineMiB(l)
			if (ok && uint64(n)<<20 > installed.MemoryBytes()) || (!ok && !had[l]) {
				out = append(out, l)
			}
		case strings.HasPrefix(l, "time: "):
			d, ok := lineTime(l)
			if (ok && d > installed.Timeout()) || (!ok && !had[l]) {
				out = append(out, l)
			}
		case !had[permissionKey(l)]:
			out = append(out, l)
		}
	}
	return out
}

// permissionKey is a permission line without its reason (as the
// manifest's review compares them).
func permissionKey(line string) string {
	if strings.HasPrefix(line, "oauth ") {
		if i := strings.Index(line, "): "); i >= 0 {
			return line[:i+1]
		}
	}
	return line
}

// lineMiB reads N of "memory: TIER (N MiB per instance)".
func lineMiB(line string) (int64, bool) {
	inner, ok := parenthesised(line, " MiB per instance)")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(inner, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, false
	}
	return n, true
}

// lineTime reads D of "time: TIER (D per call)".
func lineTime(line string) (time.Duration, bool) {
	inner, ok := parenthesised(line, " per call)")
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(inner)
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}

// parenthesised returns what stands between the last " (" of line and
// suffix, which line must end with.
func parenthesised(line, suffix string) (string, bool) {
	rest, ok := strings.CutSuffix(line, suffix)
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, " (")
	if i < 0 {
		return "", false
	}
	return rest[i+2:], true
}
