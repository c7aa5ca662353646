// The release traps a user hits first: yanking the active version keeps
// deployments running (with a warning), a rollback moves range-pinned
// workflows too, and a rollback with nothing earlier says so.

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReleaseTraps(t *testing.T) {
	author, user := t.TempDir(), t.TempDir()
	v1 := buildRelease(t, author, "1.0.0")
	v2 := buildRelease(t, author, "1.1.0")
	for _, p := range []string{v1, v2} {
		if r := weft(t, user, "pkg", "install", p); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain.yaml", releaseWorkflow)
	ranged := writeFile(t, dir, "ranged.yaml", strings.Replace(releaseWorkflow, "com.example.release/which", "com.example.release/which@^1", 1))
	release := func(file string) (string, string) {
		t.Helper()
		r := weft(t, user, "run", file, "--output", "json")
		if r.code != 0 {
			t.Fatalf("run %s: exit %d %s", file, r.code, r.stderr)
		}
		rel, _ := parseRun(t, r).Blackboard["rel"].(map[string]any)
		s, _ := rel["release"].(string)
		return s, r.stderr
	}
	if got, _ := release(ranged); got != "1.1.0" {
		t.Fatalf("^1 before: %s", got)
	}
	// Roll back: the range-pinned workflow follows.
	if r := weft(t, user, "pkg", "rollback", releaseID); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got, _ := release(ranged); got != "1.0.0" {
		t.Fatalf("^1 after the rollback: %s", got)
	}
	// A second rollback has nothing earlier, and says so.
	r := weft(t, user, "pkg", "rollback", releaseID)
	if r.code != 2 || !strings.Contains(r.stderr, "nothing earlier to roll back to") || strings.Contains(r.stderr, "not installed") {
		t.Fatalf("second rollback: exit %d %s", r.code, r.stderr)
	}
	// Yank the active version: workflows still run it, warned.
	if r := weft(t, user, "pkg", "yank", releaseID+"@1.0.0"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	got, stderr := release(plain)
	if got != "1.0.0" || !strings.Contains(stderr, "yanked but still the active version") {
		t.Fatalf("after yanking the active version: %q %s", got, stderr)
	}
	// A range skips it for the newest other match.
	if got, _ := release(ranged); got != "1.1.0" {
		t.Fatalf("^1 with the active version yanked: %s", got)
	}
}

// TestRegistryReleaseCommands: yank and deprecate on a registry, search and
// show as JSON with one key style, and install --lock like npm ci.
func TestRegistryReleaseCommands(t *testing.T) {
	author, regHome, user := t.TempDir(), t.TempDir(), t.TempDir()
	reg := startRegistry(t, regHome, "--tokens", "s3cret")
	defer reg.stop()
	v1 := buildRelease(t, author, "1.0.0")
	v2 := buildRelease(t, author, "1.1.0")
	for _, p := range []string{v1, v2} {
		if r := weft(t, author, "pkg", "publish", p, "--registry", reg.url, "--token", "s3cret"); r.code != 0 {
			t.Fatalf("publish: %s", r.stderr)
		}
	}
	// search --output json.
	r := weft(t, user, "pkg", "search", "release", "--registry", reg.url, "--output", "json")
	var found []map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &found) != nil || len(found) != 1 || found[0]["id"] != releaseID || found[0]["latest"] != "1.1.0" {
		t.Fatalf("search json: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// yank --registry: installs no longer get 1.1.0.
	if r := weft(t, author, "pkg", "yank", releaseID+"@1.1.0", "--registry", reg.url, "--token", "s3cret"); r.code != 0 || !strings.Contains(r.stdout, "yanked on") {
		t.Fatalf("yank --registry: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := weft(t, author, "pkg", "yank", releaseID+"@1.0.0", "--registry", reg.url, "--token", "wrong"); r.code == 0 {
		t.Fatal("a yank with a wrong token succeeded")
	}
	if r := weft(t, author, "pkg", "deprecate", releaseID+"@1.0.0", "--message", "use 2.x", "--registry", reg.url, "--token", "s3cret"); r.code != 0 {
		t.Fatalf("deprecate --registry: %s", r.stderr)
	}
	if r := weft(t, user, "pkg", "install", releaseID, "--registry", reg.url, "--yes"); r.code != 0 || !strings.Contains(r.stdout, "1.0.0") {
		t.Fatalf("install after the yank: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// show --output json: one key style, pins included.
	r = weft(t, user, "pkg", "show", releaseID, "--output", "json")
	if r.code != 0 || strings.Contains(r.stdout, `"Name"`) || strings.Contains(r.stdout, `"ValueType"`) || !strings.Contains(r.stdout, `"outputs":[{`) {
		t.Fatalf("show json: %s %s", r.stdout, r.stderr)
	}
	// install --lock in a fresh home: exactly the pinned digest, from the registry.
	dir := t.TempDir()
	wf := writeFile(t, dir, "flow.yaml", releaseWorkflow)
	if r := weft(t, user, "lock", wf); r.code != 0 {
		t.Fatalf("lock: %s", r.stderr)
	}
	fresh := t.TempDir()
	r = weftWith(t, runOpts{home: fresh, env: []string{"WEFT_REGISTRY=" + reg.url}}, "pkg", "install", "--lock", strings.TrimSuffix(wf, ".yaml")+".lock", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "installed "+releaseID+" 1.0.0") {
		t.Fatalf("install --lock: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := weft(t, fresh, "run", wf); r.code != 0 {
		t.Fatalf("run after install --lock: %s", r.stderr)
	}
	r = weftWith(t, runOpts{home: fresh, env: []string{"WEFT_REGISTRY=" + reg.url}}, "pkg", "install", "--lock", strings.TrimSuffix(wf, ".yaml")+".lock")
	if r.code != 0 || !strings.Contains(r.stdout, "is installed") {
		t.Fatalf("install --lock again: %s %s", r.stdout, r.stderr)
	}
}
