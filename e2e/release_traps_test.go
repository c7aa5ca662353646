// The release traps a user hits first: yanking the active version keeps
// deployments running (with a warning), a rollback moves range-pinned
// workflows too, and a rollback with nothing earlier says so.

package e2e

import (
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
