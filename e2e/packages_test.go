// End-to-end tests of packages through the binary: build -> sign -> publish
// to a registry on 127.0.0.1 -> install in a fresh WEFT_HOME -> run ->
// upgrade -> roll back; tampered and wrongly signed packages; a registry
// that is down; lockfiles; tenants; hot reload with `run --watch`.

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const releaseID = "com.example.release"

// releaseWorkflow runs the release package's node; its output lands under
// the node id "rel".
const releaseWorkflow = `
type: Sequence
children:
  - type: com.example.release/which
    id: rel
`

// buildRelease copies the release fixture, makes it version v, and builds
// it with `weft pkg build` (which runs wat2wasm through [build]).
func buildRelease(t *testing.T, home, v string) string {
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
		if err := os.WriteFile(filepath.Join(src, f), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "release-"+v+".weftpkg")
	r := weft(t, home, "pkg", "build", src, "-o", file)
	if r.code != 0 || !strings.Contains(r.stdout, "sha256:") {
		t.Fatalf("pkg build %s: exit %d\n%s%s", v, r.code, r.stdout, r.stderr)
	}
	return file
}

// release runs the workflow and returns which release answered.
func release(t *testing.T, home, wf string, args ...string) string {
	t.Helper()
	r := weft(t, home, append([]string{"run", wf, "--output", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := parseRun(t, r)
	rel, _ := out.Blackboard["rel"].(map[string]any)
	s, _ := rel["release"].(string)
	return s
}

// registryProc is a `weft registry serve` started by a test.
type registryProc struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startRegistry(t *testing.T, home string, args ...string) *registryProc {
	t.Helper()
	cmd := exec.Command(weftBin, append([]string{"registry", "serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "WEFT_HOME="+home)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &registryProc{cmd: cmd, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- u
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	select {
	case p.url = <-lines:
	case <-time.After(20 * time.Second):
		t.Fatalf("the registry did not start: %s", stderr.String())
	case <-p.done:
		t.Fatalf("the registry exited: %s", stderr.String())
	}
	return p
}

func (p *registryProc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func TestPackageLifecycle(t *testing.T) {
	author, regHome, user := t.TempDir(), t.TempDir(), t.TempDir()
	keys := t.TempDir()

	// Build: reproducible through the binary too.
	v1 := buildRelease(t, author, "1.0.0")
	again := buildRelease(t, author, "1.0.0")
	a, _ := os.ReadFile(v1)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same package folder differ")
	}

	// Sign with a new key; the registry and the user trust it.
	if r := weft(t, author, "pkg", "keygen", "-o", filepath.Join(keys, "acme")); r.code != 0 {
		t.Fatalf("keygen: %s", r.stderr)
	}
	pub, sec := filepath.Join(keys, "acme.pub"), filepath.Join(keys, "acme.key")
	if r := weft(t, author, "pkg", "sign", v1, "--key", sec); r.code != 0 {
		t.Fatalf("sign: %s", r.stderr)
	}
	for _, home := range []string{regHome, user} {
		if r := weft(t, home, "trust", "add", pub, "--name", "acme"); r.code != 0 {
			t.Fatalf("trust add: %s", r.stderr)
		}
	}

	// Publish: a token is required; the registry requires signatures.
	reg := startRegistry(t, regHome, "--tokens", "s3cret", "--require-signatures")
	if r := weft(t, author, "pkg", "publish", v1, "--registry", reg.url); r.code != 2 || !strings.Contains(r.stderr, "401") {
		t.Errorf("publish without a token: exit %d %s", r.code, r.stderr)
	}
	if r := weft(t, author, "pkg", "publish", v1, "--registry", reg.url, "--token", "s3cret"); r.code != 0 || !strings.Contains(r.stdout, "signed") {
		t.Fatalf("publish: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	unsigned := filepath.Join(t.TempDir(), "unsigned.weftpkg")
	os.WriteFile(unsigned, a, 0o644)
	if r := weft(t, author, "pkg", "publish", unsigned, "--registry", reg.url, "--token", "s3cret"); r.code != 2 || !strings.Contains(r.stderr, "sign") {
		t.Errorf("unsigned publish to a registry that requires signatures: exit %d %s", r.code, r.stderr)
	}
	if r := weft(t, user, "pkg", "search", "release", "--registry", reg.url); r.code != 0 || !strings.Contains(r.stdout, releaseID+" 1.0.0") {
		t.Errorf("search: %s %s", r.stdout, r.stderr)
	}

	// Install on a fresh home and run.
	wf := writeFile(t, t.TempDir(), "release.yaml", releaseWorkflow)
	r := weft(t, user, "pkg", "install", releaseID+"@1.0.0", "--registry", reg.url)
	if r.code != 0 || !strings.Contains(r.stdout, "installed "+releaseID+" 1.0.0") || !strings.Contains(r.stderr, "signed by trusted key") {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := release(t, user, wf); got != "1.0.0" {
		t.Fatalf("ran %q, want 1.0.0", got)
	}

	// Publish 1.1.0 and upgrade.
	v11 := buildRelease(t, author, "1.1.0")
	if r := weft(t, author, "pkg", "sign", v11, "--key", sec); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := weft(t, author, "pkg", "publish", v11, "--registry", reg.url, "--token", "s3cret"); r.code != 0 {
		t.Fatalf("publish 1.1.0: %s", r.stderr)
	}
	r = weft(t, user, "pkg", "install", releaseID, "--registry", reg.url)
	if r.code != 0 || !strings.Contains(r.stdout, "1.1.0") || !strings.Contains(r.stderr, "upgrade from 1.0.0") {
		t.Fatalf("upgrade: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := release(t, user, wf); got != "1.1.0" {
		t.Fatalf("after the upgrade ran %q", got)
	}
	// An exact pin and a range still pick as asked.
	pinned := writeFile(t, t.TempDir(), "pinned.yaml", strings.Replace(releaseWorkflow, "/which", "/which@~1.0", 1))
	if got := release(t, user, pinned); got != "1.0.0" {
		t.Errorf("@~1.0 ran %q", got)
	}

	// A lockfile pins the digest whatever becomes active later.
	if r := weft(t, user, "lock", wf); r.code != 0 {
		t.Fatalf("lock: %s", r.stderr)
	}
	var lock struct {
		Packages map[string]struct{ Version, Digest string }
	}
	data, _ := os.ReadFile(strings.TrimSuffix(wf, ".yaml") + ".lock")
	if err := json.Unmarshal(data, &lock); err != nil || lock.Packages[releaseID+"/which"].Version != "1.1.0" {
		t.Fatalf("lockfile: %v %s", err, data)
	}

	// Roll back: the workflow (without its lock) runs 1.0.0 again.
	if r := weft(t, user, "pkg", "rollback", releaseID); r.code != 0 || !strings.Contains(r.stdout, "rolled back "+releaseID+" to 1.0.0") {
		t.Fatalf("rollback: %s %s", r.stdout, r.stderr)
	}
	if got := release(t, user, wf, "--no-lock"); got != "1.0.0" {
		t.Fatalf("after rollback ran %q", got)
	}
	if got := release(t, user, wf); got != "1.1.0" {
		t.Errorf("with the lockfile ran %q, want the locked 1.1.0", got)
	}
	os.Remove(strings.TrimSuffix(wf, ".yaml") + ".lock")

	// Deprecated still runs, with a warning; yanked is not resolved.
	if r := weft(t, user, "pkg", "deprecate", releaseID+"@1.0.0", "--message", "use 1.1"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = weft(t, user, "run", wf, "--output", "json")
	if r.code != 0 || !strings.Contains(r.stderr, "deprecated: use 1.1") {
		t.Errorf("deprecated run: exit %d %s", r.code, r.stderr)
	}

	// Another tenant sees nothing of it.
	if r := weft(t, user, "run", wf, "--tenant", "globex"); r.code != 2 || !strings.Contains(r.stderr, "unknown node type") {
		t.Errorf("another tenant: exit %d %s", r.code, r.stderr)
	}
	if r := weft(t, user, "pkg", "list", "--tenant", "globex"); !strings.Contains(r.stdout, "no packages") {
		t.Errorf("another tenant lists: %s", r.stdout)
	}

	// The registry goes down: installed packages keep working, and the
	// client says so quickly instead of hanging.
	reg.stop()
	start := time.Now()
	r = weft(t, user, "pkg", "install", releaseID+"@1.1.0", "--registry", reg.url)
	if r.code != 2 || !strings.Contains(r.stderr, "unreachable") || time.Since(start) > 15*time.Second {
		t.Errorf("registry down: exit %d after %s: %s", r.code, time.Since(start), r.stderr)
	}
	if got := release(t, user, wf); got != "1.0.0" {
		t.Errorf("with the registry down ran %q", got)
	}
}

func TestPackageSignatureRefusals(t *testing.T) {
	author, user, keys := t.TempDir(), t.TempDir(), t.TempDir()
	v1 := buildRelease(t, author, "1.0.0")
	v2 := buildRelease(t, author, "2.0.0")
	weft(t, author, "pkg", "keygen", "-o", filepath.Join(keys, "good"))
	weft(t, author, "pkg", "keygen", "-o", filepath.Join(keys, "other"))
	if r := weft(t, user, "trust", "add", filepath.Join(keys, "good.pub")); r.code != 0 {
		t.Fatal(r.stderr)
	}
	weft(t, author, "pkg", "sign", v1, "--key", filepath.Join(keys, "good.key"))

	// A tampered file with the original signature.
	data, _ := os.ReadFile(v1)
	sig, _ := os.ReadFile(v1 + ".minisig")
	tampered := filepath.Join(t.TempDir(), "tampered.weftpkg")
	bad := append([]byte(nil), data...)
	bad[len(bad)/2] ^= 0x01
	os.WriteFile(tampered, bad, 0o644)
	os.WriteFile(tampered+".minisig", sig, 0o644)
	r := weft(t, user, "pkg", "install", tampered)
	if r.code != 2 || !(strings.Contains(r.stderr, "signature") || strings.Contains(r.stderr, "gzip") || strings.Contains(r.stderr, "package")) {
		t.Errorf("tampered: exit %d %s", r.code, r.stderr)
	}
	// The signature of another file.
	wrong := filepath.Join(t.TempDir(), "wrong.weftpkg")
	d2, _ := os.ReadFile(v2)
	os.WriteFile(wrong, d2, 0o644)
	os.WriteFile(wrong+".minisig", sig, 0o644)
	if r := weft(t, user, "pkg", "install", wrong); r.code != 2 || !strings.Contains(r.stderr, "signature") {
		t.Errorf("wrong signature: exit %d %s", r.code, r.stderr)
	}
	// Signed by a key nobody trusts.
	weft(t, author, "pkg", "sign", v2, "--key", filepath.Join(keys, "other.key"))
	if r := weft(t, user, "pkg", "install", v2); r.code != 2 || !strings.Contains(r.stderr, "weft trust add") {
		t.Errorf("untrusted key: exit %d %s", r.code, r.stderr)
	}
	// Nothing of them was installed.
	if r := weft(t, user, "pkg", "list"); !strings.Contains(r.stdout, "no packages") {
		t.Errorf("refused packages were installed: %s", r.stdout)
	}
	// Unsigned: installs with a warning, unless signatures are required.
	unsigned := filepath.Join(t.TempDir(), "plain.weftpkg")
	os.WriteFile(unsigned, data, 0o644)
	if r := weft(t, user, "pkg", "install", unsigned, "--require-signature"); r.code != 2 || !strings.Contains(r.stderr, "not signed") {
		t.Errorf("--require-signature: exit %d %s", r.code, r.stderr)
	}
	r = weft(t, user, "pkg", "install", unsigned)
	if r.code != 0 || !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "not signed") {
		t.Errorf("unsigned: exit %d %s", r.code, r.stderr)
	}
}

func TestInstallSourcesAndImmutability(t *testing.T) {
	author, user := t.TempDir(), t.TempDir()
	v1 := buildRelease(t, author, "1.0.0")
	// A folder and a bare .wasm with its manifest beside it install too,
	// and give the same bytes as the built file.
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(src, 0o755)
	for _, f := range []string{"manifest.toml", "release.wat"} {
		data, _ := os.ReadFile(filepath.Join("testdata", "pkgs", "release", f))
		os.WriteFile(filepath.Join(src, f), data, 0o644)
	}
	if out, err := exec.Command("wat2wasm", filepath.Join(src, "release.wat"), "-o", filepath.Join(src, "release.wasm")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	r := weft(t, user, "pkg", "install", src)
	if r.code != 0 {
		t.Fatalf("folder: %s", r.stderr)
	}
	r2 := weft(t, user, "pkg", "install", v1)
	if r2.code != 0 {
		t.Errorf("the built file after the folder (same bytes): %s", r2.stderr)
	}
	r3 := weft(t, t.TempDir(), "pkg", "install", filepath.Join(src, "release.wasm"))
	if r3.code != 0 || digestIn(r3.stdout) != digestIn(r.stdout) {
		t.Errorf("bare .wasm: %s %s / %s", r3.stdout, r3.stderr, r.stdout)
	}
	// Other bytes under the same version are refused.
	os.WriteFile(filepath.Join(src, "README.md"), []byte("# changed\n"), 0o644)
	if r := weft(t, user, "pkg", "install", src); r.code != 2 || !strings.Contains(r.stderr, "immutable") {
		t.Errorf("other bytes, same version: exit %d %s", r.code, r.stderr)
	}
	// A URL (loopback http here; https elsewhere), with its expected digest.
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(v1))))
	defer srv.Close()
	url := srv.URL + "/" + filepath.Base(v1)
	fresh := t.TempDir()
	if r := weft(t, fresh, "pkg", "install", url, "--sha256", strings.Repeat("0", 64)); r.code != 2 || !strings.Contains(r.stderr, "nothing was installed") {
		t.Errorf("wrong --sha256: exit %d %s", r.code, r.stderr)
	}
	if r := weft(t, fresh, "pkg", "install", url, "--sha256", strings.TrimPrefix(digestIn(r2.stdout), "sha256:")); r.code != 0 {
		t.Errorf("URL install: exit %d %s", r.code, r.stderr)
	}
	// Plain http is for loopback only.
	if r := weft(t, user, "pkg", "install", "http://example.com/x.weftpkg"); r.code != 2 || !strings.Contains(r.stderr, "https") {
		t.Errorf("plain http to a public host: exit %d %s", r.code, r.stderr)
	}
	// show lists nodes, pins and permissions.
	r = weft(t, user, "pkg", "show", releaseID)
	for _, want := range []string{"com.example.release/which", "out release: string", "memory: minimal"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("pkg show lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := weft(t, user, "pkg", "remove", releaseID); r.code != 0 {
		t.Errorf("remove: %s", r.stderr)
	}
	if r := weft(t, user, "pkg", "list"); !strings.Contains(r.stdout, "no packages") {
		t.Errorf("after remove: %s", r.stdout)
	}
}

func digestIn(s string) string {
	i := strings.Index(s, "sha256:")
	if i < 0 {
		return ""
	}
	return s[i : i+71]
}

func TestRunWatchPicksUpUpgrades(t *testing.T) {
	author, user := t.TempDir(), t.TempDir()
	v1 := buildRelease(t, author, "1.0.0")
	v2 := buildRelease(t, author, "2.0.0")
	if r := weft(t, user, "pkg", "install", v1); r.code != 0 {
		t.Fatal(r.stderr)
	}
	wf := writeFile(t, t.TempDir(), "release.yaml", releaseWorkflow)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, weftBin, "run", wf, "--watch", "--output", "json")
	cmd.Env = append(os.Environ(), "WEFT_HOME="+user)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	dec := json.NewDecoder(stdout)
	next := func() string {
		var out runJSON
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("reading a run: %v\n%s", err, stderr.String())
		}
		rel, _ := out.Blackboard["rel"].(map[string]any)
		s, _ := rel["release"].(string)
		return s
	}
	if got := next(); got != "1.0.0" {
		t.Fatalf("first run: %q", got)
	}
	if r := weft(t, user, "pkg", "install", v2); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got := next(); got != "2.0.0" {
		t.Fatalf("after the upgrade: %q", got)
	}
	if r := weft(t, user, "pkg", "rollback", releaseID); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got := next(); got != "1.0.0" {
		t.Fatalf("after the rollback: %q", got)
	}
}
