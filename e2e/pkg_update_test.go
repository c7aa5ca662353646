// End-to-end tests of `weft pkg outdated` and `weft pkg update` against a
// real `weft registry serve` on 127.0.0.1: newer versions are listed with
// semver (compatible and latest), updates install and activate, and an
// update that asks for new permissions is not activated without --yes (or
// a yes on a terminal).

package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildReleaseWith builds the release fixture as version v, with extra
// lines added to its [permissions].
func buildReleaseWith(t *testing.T, home, v, extra string) string {
	t.Helper()
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Fatalf("wat2wasm (Debian: wabt) is needed to build the fixture: %v", err)
	}
	src := filepath.Join(t.TempDir(), "release")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"manifest.toml", "release.wat"} {
		data, err := os.ReadFile(filepath.Join("testdata", "pkgs", "release", f))
		if err != nil {
			t.Fatal(err)
		}
		out := strings.ReplaceAll(string(data), `1.0.0`, v)
		if f == "manifest.toml" && extra != "" {
			out = strings.Replace(out, "timeout = \"quick\"\n", "timeout = \"quick\"\n"+extra+"\n", 1)
		}
		if err := os.WriteFile(filepath.Join(src, f), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "release-"+v+".weftpkg")
	if r := weft(t, home, "pkg", "build", src, "-o", file); r.code != 0 {
		t.Fatalf("pkg build %s: exit %d\n%s%s", v, r.code, r.stdout, r.stderr)
	}
	return file
}

// outdatedJSON is what `weft pkg outdated --output json` prints.
type outdatedJSON struct {
	Tenant   string `json:"tenant"`
	Outdated []struct {
		ID, Current, Wanted, Latest, Registry string
		WantedNewPermissions                  []string `json:"wanted_new_permissions"`
		LatestNewPermissions                  []string `json:"latest_new_permissions"`
	} `json:"outdated"`
	Skipped []struct{ ID, Version, Reason string } `json:"skipped"`
	Errors  []string                               `json:"errors"`
}

func outdated(t *testing.T, home string, args ...string) outdatedJSON {
	t.Helper()
	r := weft(t, home, append([]string{"pkg", "outdated", "--output", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("pkg outdated: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var out outdatedJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("pkg outdated --output json: %v\n%s", err, r.stdout)
	}
	return out
}

func TestPackageUpdates(t *testing.T) {
	author, regHome, user := t.TempDir(), t.TempDir(), t.TempDir()
	reg := startRegistry(t, regHome, "--tokens", "s3cret")
	publish := func(v, extra string) {
		t.Helper()
		file := buildReleaseWith(t, author, v, extra)
		if r := weft(t, author, "pkg", "publish", file, "--registry", reg.url, "--token", "s3cret"); r.code != 0 {
			t.Fatalf("publish %s: exit %d %s%s", v, r.code, r.stdout, r.stderr)
		}
	}
	wf := writeFile(t, t.TempDir(), "release.yaml", releaseWorkflow)
	runs := func(want string) {
		t.Helper()
		if got := release(t, user, wf, "--no-lock"); got != want {
			t.Fatalf("the workflow ran release %q, want %q", got, want)
		}
	}

	publish("1.0.0", "")
	if r := weft(t, user, "pkg", "install", releaseID+"@1.0.0", "--registry", reg.url); r.code != 0 {
		t.Fatalf("install: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	// $WEFT_REGISTRY is not needed: the package remembers its registry.
	if r := weft(t, user, "pkg", "outdated"); r.code != 0 || !strings.Contains(r.stdout, "no newer versions") {
		t.Errorf("outdated, up to date: exit %d %s%s", r.code, r.stdout, r.stderr)
	}

	// A compatible update and a new major version.
	publish("1.1.0", "")
	publish("2.0.0", "")
	out := outdated(t, user)
	if len(out.Outdated) != 1 {
		t.Fatalf("outdated: %+v", out)
	}
	o := out.Outdated[0]
	if o.ID != releaseID || o.Current != "1.0.0" || o.Wanted != "1.1.0" || o.Latest != "2.0.0" || o.Registry != reg.url ||
		len(o.WantedNewPermissions) != 0 || len(o.LatestNewPermissions) != 0 {
		t.Errorf("outdated: %+v", o)
	}
	r := weft(t, user, "pkg", "outdated")
	if r.code != 0 || !strings.Contains(r.stdout, "CURRENT") || !lineWith(r.stdout, releaseID, "1.0.0", "1.1.0", "2.0.0") {
		t.Errorf("outdated text: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// update installs the compatible one, without a question (nothing new
	// asked for), and says that the major exists.
	r = weft(t, user, "pkg", "update")
	if r.code != 0 || !strings.Contains(r.stdout, "updated "+releaseID+" 1.0.0 -> 1.1.0") {
		t.Fatalf("update: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs("1.1.0")
	r = weft(t, user, "pkg", "update")
	if r.code != 0 || !strings.Contains(r.stderr, "2.0.0 is a new major version") || strings.Contains(r.stdout, "updated") {
		t.Errorf("update with only a major: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs("1.1.0")

	// 1.2.0 asks for the cache: outdated says so, and update without
	// --yes and without a terminal holds it back.
	publish("1.2.0", "cache = true")
	out = outdated(t, user, releaseID)
	if len(out.Outdated) != 1 || out.Outdated[0].Wanted != "1.2.0" || len(out.Outdated[0].WantedNewPermissions) != 1 ||
		!strings.HasPrefix(out.Outdated[0].WantedNewPermissions[0], "cache:") || len(out.Outdated[0].LatestNewPermissions) != 0 {
		t.Errorf("outdated with new permissions: %+v", out)
	}
	if r := weft(t, user, "pkg", "outdated"); !strings.Contains(r.stdout, "1.2.0 *") || !strings.Contains(r.stdout, "+ cache:") {
		t.Errorf("outdated text with new permissions:\n%s", r.stdout)
	}
	r = weft(t, user, "pkg", "update", releaseID)
	if r.code != 2 || !strings.Contains(r.stderr, "1.2.0 was not installed: it asks for new permissions") || !strings.Contains(r.stderr, "+ cache:") {
		t.Errorf("update with new permissions, no --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs("1.1.0")
	if r := weft(t, user, "pkg", "list", "--output", "json"); strings.Contains(r.stdout, `"1.2.0"`) {
		t.Errorf("a held-back version was installed: %s", r.stdout)
	}
	r = weft(t, user, "pkg", "update", "--output", "json")
	var upd struct {
		Updated  []map[string]any `json:"updated"`
		HeldBack []struct {
			ID, From, To   string
			NewPermissions []string `json:"new_permissions"`
		} `json:"held_back"`
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &upd); err != nil || r.code != 2 || len(upd.Updated) != 0 || len(upd.HeldBack) != 1 ||
		upd.HeldBack[0].To != "1.2.0" || len(upd.HeldBack[0].NewPermissions) != 1 || len(upd.Errors) != 1 {
		t.Errorf("update --output json, held back: exit %d %v\n%s", r.code, err, r.stdout)
	}

	// On a terminal it asks, as install does: no keeps 1.1.0, yes
	// activates 1.2.0.
	r = weftTTY(t, user, "n\n", "pkg", "update")
	if r.code != 2 || !strings.Contains(r.stdout, "Install "+releaseID+" 1.2.0 for tenant default? [y/N]") || !strings.Contains(r.stdout, "1.2.0 was not installed: declined") {
		t.Errorf("update on a terminal, answered no: exit %d\n%s", r.code, r.stdout)
	}
	runs("1.1.0")
	r = weftTTY(t, user, "y\n", "pkg", "update")
	if r.code != 0 || !strings.Contains(r.stdout, "[y/N]") || !strings.Contains(r.stdout, "updated "+releaseID+" 1.1.0 -> 1.2.0") {
		t.Fatalf("update on a terminal, answered yes: exit %d\n%s", r.code, r.stdout)
	}
	runs("1.2.0")

	// With --yes it is agreed beforehand.
	publish("1.3.0", "cache = true\nstate = true")
	r = weft(t, user, "pkg", "update", releaseID, "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "updated "+releaseID+" 1.2.0 -> 1.3.0") || !strings.Contains(r.stderr, "NEW permissions") ||
		!strings.Contains(r.stderr, "+ state:") {
		t.Fatalf("update --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs("1.3.0")

	// --latest takes the new major (which asks for less).
	r = weft(t, user, "pkg", "update", "--latest", "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"to":"2.0.0"`) {
		t.Fatalf("update --latest: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs("2.0.0")

	// Errors: a package not installed; a package from a file, with no
	// registry to ask; a registry that is down.
	if r := weft(t, user, "pkg", "update", "com.example.none"); r.code != 2 || !strings.Contains(r.stderr, "com.example.none is not installed for tenant default") {
		t.Errorf("update of a package not installed: exit %d %s", r.code, r.stderr)
	}
	other := t.TempDir()
	if r := weft(t, other, "pkg", "install", buildReleaseWith(t, author, "1.0.0", "")); r.code != 0 {
		t.Fatalf("install from a file: %s", r.stderr)
	}
	if r := weft(t, other, "pkg", "outdated"); r.code != 0 || !strings.Contains(r.stderr, "not from a registry") {
		t.Errorf("outdated of a file install: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	if out := outdated(t, other, "--registry", reg.url); len(out.Outdated) != 1 || out.Outdated[0].Latest != "2.0.0" || out.Outdated[0].Wanted != "1.3.0" {
		t.Errorf("outdated --registry of a file install: %+v", out)
	}
	reg.stop()
	if r := weft(t, user, "pkg", "outdated"); r.code != 2 || !strings.Contains(r.stderr, "unreachable") {
		t.Errorf("outdated, registry down: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := weft(t, user, "pkg", "update"); r.code != 2 || !strings.Contains(r.stderr, "unreachable") {
		t.Errorf("update, registry down: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	runs("2.0.0")
}

// weftTTY runs the binary with args on a terminal (util-linux's script
// gives it one), typing input; stdout holds everything the terminal showed.
func weftTTY(t *testing.T, home, input string, args ...string) result {
	t.Helper()
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatalf("script (Debian: util-linux) is needed for a terminal: %v", err)
	}
	quoted := []string{"'" + weftBin + "'"}
	for _, a := range args {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	cmd := exec.Command("script", "-qec", strings.Join(quoted, " "), "/dev/null")
	cmd.Env = append(os.Environ(), "WEFT_HOME="+home)
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running weft on a terminal: %v", err)
	}
	return result{stdout: strings.ReplaceAll(string(out), "\r\n", "\n"), code: code}
}

// lineWith reports whether some line of text starts with words, separated
// by any spaces.
func lineWith(text string, words ...string) bool {
	want := strings.Join(words, " ")
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.Join(strings.Fields(l), " "), want) {
			return true
		}
	}
	return false
}
