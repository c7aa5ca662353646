// Tests of the update helpers: the registry a source names, the semver
// choice of updates, and permission growth read from a registry's lines
// agreeing with the manifest's own comparison.

package registry

import (
	"slices"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/manifest"
)

func TestSourceRegistry(t *testing.T) {
	tests := []struct {
		source, id, version string
		want                string
		ok                  bool
	}{
		{"http://127.0.0.1:8787/com.example.math@1.0.0", "com.example.math", "1.0.0", "http://127.0.0.1:8787", true},
		{"https://reg.example.com/weft/com.example.math@1.2.3-rc.1", "com.example.math", "1.2.3-rc.1", "https://reg.example.com/weft", true},
		{"http://127.0.0.1:8787/com.example.math@1.0.0", "com.example.math", "1.0.1", "", false},
		{"http://127.0.0.1:8787/com.example.math@1.0.0", "com.example.other", "1.0.0", "", false},
		{"/home/me/math-1.0.0.weftpkg", "com.example.math", "1.0.0", "", false},
		{"/home/me/x/com.example.math@1.0.0", "com.example.math", "1.0.0", "", false},
		{"https://example.com/math-1.0.0.weftpkg", "com.example.math", "1.0.0", "", false},
		{"ftp://example.com/com.example.math@1.0.0", "com.example.math", "1.0.0", "", false},
		{"http:///com.example.math@1.0.0", "com.example.math", "1.0.0", "", false},
		{"https://u:p@example.com/com.example.math@1.0.0", "com.example.math", "1.0.0", "", false},
		{"", "", "", "", false},
	}
	for _, tt := range tests {
		got, ok := SourceRegistry(tt.source, tt.id, tt.version)
		if got != tt.want || ok != tt.ok {
			t.Errorf("SourceRegistry(%q, %q, %q) = %q, %v; want %q, %v", tt.source, tt.id, tt.version, got, ok, tt.want, tt.ok)
		}
		if ok && SourceOf(got, tt.id, tt.version) != tt.source {
			t.Errorf("SourceOf does not give back %q", tt.source)
		}
	}
}

func TestUpdates(t *testing.T) {
	vs := func(list ...string) []VersionInfo {
		var out []VersionInfo
		for _, v := range list {
			yanked := strings.HasSuffix(v, "!")
			out = append(out, VersionInfo{Version: strings.TrimSuffix(v, "!"), Yanked: yanked})
		}
		return out
	}
	tests := []struct {
		name, current        string
		published            []VersionInfo
		wanted, latest, fail string
	}{
		{"compatible and major", "1.0.0", vs("0.9.0", "1.0.1", "1.2.0", "1.3.0!", "2.0.0", "2.1.0-beta.1", "not-semver"), "1.2.0", "2.0.0", ""},
		{"any order", "1.0.0", vs("2.0.0", "1.2.0", "1.0.1"), "1.2.0", "2.0.0", ""},
		{"0.x: the minor is the line", "0.2.1", vs("0.2.5", "0.3.0", "1.0.0"), "0.2.5", "1.0.0", ""},
		{"only a major", "1.4.0", vs("1.4.0", "2.0.0"), "", "2.0.0", ""},
		{"up to date", "1.4.0", vs("1.0.0", "1.4.0", "1.5.0!"), "", "", ""},
		{"pre-releases for a pre-release", "2.0.0-beta.1", vs("2.0.0-beta.2", "2.0.0", "3.0.0-rc.1"), "2.0.0", "3.0.0-rc.1", ""},
		{"pre-release of the same line", "2.0.0-beta.1", vs("2.0.0-beta.2"), "2.0.0-beta.2", "2.0.0-beta.2", ""},
		{"no pre-releases for a release", "1.0.0", vs("1.1.0-rc.1", "2.0.0-rc.1"), "", "", ""},
		{"nothing published", "1.0.0", nil, "", "", ""},
		{"installed is not semver", "1.0", vs("1.1.0"), "", "", "not a semantic version"},
	}
	name := func(v *VersionInfo) string {
		if v == nil {
			return ""
		}
		return v.Version
	}
	for _, tt := range tests {
		w, l, err := Updates(tt.current, tt.published)
		if tt.fail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.fail) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.fail)
			}
			continue
		}
		if err != nil || name(w) != tt.wanted || name(l) != tt.latest {
			t.Errorf("%s: wanted %q latest %q (%v); want %q %q", tt.name, name(w), name(l), err, tt.wanted, tt.latest)
		}
	}
}

// manifestWith parses a manifest whose [permissions] table is perms.
func manifestWith(t testing.TB, perms string) *manifest.Manifest {
	t.Helper()
	src := `manifest_version = 1
id = "com.example.p"
name = "p"
version = "1.0.0"
description = "d"
wasm = "p.wasm"

[permissions]
` + perms + `

[[nodes]]
id = "n"
name = "N"
description = "d"
`
	m, err := manifest.Parse("manifest.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGrownPermissions: from the registry's lines, the same growth as the
// manifest's own comparison of the two manifests.
func TestGrownPermissions(t *testing.T) {
	const google = "[[permissions.oauth_scopes]]\nprovider = \"google\"\nscopes = [\"drive\"]\nreason = \"%s\"\n"
	tests := []struct {
		name, old, new string
		grew           bool
	}{
		{"same", `memory = "minimal"`, `memory = "minimal"`, false},
		{"cache added", `timeout = "quick"`, "timeout = \"quick\"\ncache = true", true},
		{"cache dropped", "cache = true", "", false},
		{"more memory", `memory = "minimal"`, `memory = "standard"`, true},
		{"less memory", `memory = "standard"`, `memory = "minimal"`, false},
		{"longer time", `timeout = "quick"`, `timeout = "long_running"`, true},
		{"a new host", "[permissions.http]\nallowed_hosts = [\"a.example.com\"]", "[permissions.http]\nallowed_hosts = [\"a.example.com\", \"b.example.com\"]", true},
		{"private addresses", "[permissions.http]\nallowed_hosts = [\"a.example.com\"]", "[permissions.http]\nallowed_hosts = [\"a.example.com\"]\nallow_private = true", true},
		{"reworded reason", strings.Replace(google, "%s", "read files", 1), strings.Replace(google, "%s", "read your files", 1), false},
		{"a new scope", strings.Replace(google, "%s", "r", 1), strings.Replace(strings.Replace(google, "%s", "r", 1), `["drive"]`, `["drive", "mail"]`, 1), true},
	}
	for _, tt := range tests {
		old, nw := manifestWith(t, tt.old), manifestWith(t, tt.new)
		got := GrownPermissions(old, nw.PermissionLines())
		want := nw.NewPermissions(old)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, the manifest says %q", tt.name, got, want)
		}
		if (len(got) > 0) != tt.grew {
			t.Errorf("%s: grew = %v, want %v (%q)", tt.name, len(got) > 0, tt.grew, got)
		}
	}
	// Lines that cannot be read count as growth unless the installed
	// version has the very same line.
	old := manifestWith(t, `memory = "minimal"`)
	for _, l := range []string{"memory: huge (lots)", "time: forever (x per call)", "memory: x (-1 MiB per instance)", "something new"} {
		if got := GrownPermissions(old, []string{l}); len(got) != 1 {
			t.Errorf("%q: %q", l, got)
		}
	}
	if got := GrownPermissions(old, old.PermissionLines()); len(got) != 0 {
		t.Errorf("its own lines: %q", got)
	}
}

// FuzzSourceRegistry: never panics, and what it accepts gives back the
// source with SourceOf.
func FuzzSourceRegistry(f *testing.F) {
	f.Add("http://127.0.0.1:8787/com.example.math@1.0.0", "com.example.math", "1.0.0")
	f.Add("https://reg/x/com.a.b@2.0.0-rc.1", "com.a.b", "2.0.0-rc.1")
	f.Add("/tmp/com.a.b@1.0.0", "com.a.b", "1.0.0")
	f.Fuzz(func(t *testing.T, source, id, version string) {
		base, ok := SourceRegistry(source, id, version)
		if ok && SourceOf(base, id, version) != source && !strings.HasSuffix(base, "/") {
			t.Fatalf("%q %q %q: base %q does not give the source back", source, id, version, base)
		}
	})
}

// FuzzGrownPermissions: never panics on any published line, and an
// installed version's own lines are never growth.
func FuzzGrownPermissions(f *testing.F) {
	for _, l := range []string{"memory: minimal (64 MiB per instance)", "time: quick (5s per call)", "cache: x", "oauth g: s (required): r",
		"memory:  (99999999999999999999 MiB per instance)", "time: (1h per call)", "memory: ( MiB per instance)"} {
		f.Add(l)
	}
	old := manifestWith(f, "memory = \"minimal\"\ncache = true")
	f.Fuzz(func(t *testing.T, line string) {
		GrownPermissions(old, []string{line})
		if got := GrownPermissions(old, old.PermissionLines()); len(got) != 0 {
			t.Fatalf("own lines grew: %q", got)
		}
	})
}
