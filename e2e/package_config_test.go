// WEFT_PACKAGE_CONFIG: the operator's config of each package, which its
// weft_init receives, from the command line.

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestPackageConfigFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(filepath.Dir(cecho), "initconfig")
	wf := writeFile(t, dir, "w.yaml", "type: test.initconfig/run\nid: n\n")
	cfg := writeFile(t, dir, "config.json", `{"test.initconfig": {"api_key": "k-9"}}`)
	r := weftWith(t, runOpts{home: dir, dir: dir, env: []string{"WEFT_PACKAGE_CONFIG=" + cfg}}, "run", wf, "--package", pkg, "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"api_key": "k-9"`) && !strings.Contains(r.stdout, `"api_key":"k-9"`) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "bad.json", `["not", "an object"]`)
	r = weftWith(t, runOpts{home: dir, dir: dir, env: []string{"WEFT_PACKAGE_CONFIG=" + bad}}, "run", wf, "--package", pkg)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.json") {
		t.Fatalf("bad config: exit %d\n%s", r.code, r.stderr)
	}
}
