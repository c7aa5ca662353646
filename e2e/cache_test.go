// The persistent cache of custom nodes through the binary: cache.* set in
// one `weft run` process is read by the next one (under $WEFT_HOME), with
// its time to live honoured across processes, its byte cap per tenant and
// package, tenants kept apart, and two processes writing at once.

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// cacheFlow is a workflow of one hostcall node whose operation and request
// come from the inputs op and req; its reply lands in "reply".
const cacheFlow = `
type: test.hostcall/call
id: cache
props: {op: "{{ op }}", req: "{{ req }}", outputs: {reply: reply}}
`

// cacheCall runs op with req (JSON text) in a new weft process as tenant,
// with extra environment env, and returns the reply as JSON text.
func cacheCall(t *testing.T, home, flow, tenant, op, req string, env ...string) string {
	t.Helper()
	r := weftWith(t, runOpts{home: home, env: env}, "run", flow, "--package", hostcallPkg, "--output", "json",
		"--tenant", tenant, "--input", fmt.Sprintf("op=%q", op), "--input", "req="+req)
	if r.code != 0 {
		t.Fatalf("%s %s as %s: exit %d\n%s\n%s", op, req, tenant, r.code, r.stdout, r.stderr)
	}
	b, _ := json.Marshal(parseRun(t, r).Blackboard["reply"])
	return string(b)
}

// TestCacheAcrossProcesses: every step is its own weft process.
func TestCacheAcrossProcesses(t *testing.T) {
	home := t.TempDir()
	flow := writeFile(t, home, "cache.yaml", cacheFlow)
	steps := []struct {
		name, tenant, op, req, want string
		env                         []string
	}{
		{"set", "default", "cache.set", `{"key":"greeting","value":{"n":9007199254740993}}`, `{"ok":null}`, nil},
		{"another process reads it", "default", "cache.get", `{"key":"greeting"}`, `{"ok":{"n":9007199254740993}}`, nil},
		{"another tenant does not see it", "other", "cache.get", `{"key":"greeting"}`, `{"ok":null}`, nil},
		{"another tenant sets its own", "other", "cache.set", `{"key":"greeting","value":"other's"}`, `{"ok":null}`, nil},
		{"which the first does not see", "default", "cache.get", `{"key":"greeting"}`, `{"ok":{"n":9007199254740993}}`, nil},
		{"and the other does", "other", "cache.get", `{"key":"greeting"}`, `{"ok":"other's"}`, nil},
		{"delete", "default", "cache.delete", `{"key":"greeting"}`, `{"ok":null}`, nil},
		{"deleted for the next process", "default", "cache.get", `{"key":"greeting"}`, `{"ok":null}`, nil},
		{"the other tenant's stays", "other", "cache.get", `{"key":"greeting"}`, `{"ok":"other's"}`, nil},
		// The cap (keys and values per tenant and package) holds across
		// processes: "a" + 42 bytes of value fit in 64, a second does not.
		{"under the cap", "capped", "cache.set", `{"key":"a","value":"` + strings.Repeat("x", 40) + `"}`, `{"ok":null}`, capEnv},
		{"over the cap with what another process set", "capped", "cache.set", `{"key":"b","value":"` + strings.Repeat("x", 40) + `"}`, `limit_exceeded`, capEnv},
		{"the refused entry is not there", "capped", "cache.get", `{"key":"b"}`, `{"ok":null}`, capEnv},
		{"another tenant has its own cap", "other", "cache.set", `{"key":"b","value":"` + strings.Repeat("x", 40) + `"}`, `{"ok":null}`, capEnv},
		{"alone over the cap", "capped2", "cache.set", `{"key":"a","value":"` + strings.Repeat("x", 80) + `"}`, `limit_exceeded`, capEnv},
		{"replacing in place fits", "capped", "cache.set", `{"key":"a","value":"` + strings.Repeat("y", 40) + `"}`, `{"ok":null}`, capEnv},
	}
	for _, s := range steps {
		if got := cacheCall(t, home, flow, s.tenant, s.op, s.req, s.env...); !strings.Contains(got, s.want) {
			t.Errorf("%s: %s %s as %s: %s, want %s", s.name, s.op, s.req, s.tenant, got, s.want)
		}
	}
}

// capEnv sets a cap of 64 bytes per tenant and package.
var capEnv = []string{"WEFT_CACHE_BYTES_PER_PACKAGE=64"}

// TestCacheTTLAcrossProcesses: an entry set with ttl_ms in one process is
// there for the next before its time to live, and gone after it.
func TestCacheTTLAcrossProcesses(t *testing.T) {
	home := t.TempDir()
	flow := writeFile(t, home, "cache.yaml", cacheFlow)
	// Warm the compile cache, so that the timed processes start quickly.
	cacheCall(t, home, flow, "default", "cache.get", `{"key":"warm"}`)
	const ttl = 3 * time.Second
	set := time.Now()
	if got := cacheCall(t, home, flow, "default", "cache.set", fmt.Sprintf(`{"key":"k","value":"v","ttl_ms":%d}`, ttl.Milliseconds())); got != `{"ok":null}` {
		t.Fatal(got)
	}
	cacheCall(t, home, flow, "default", "cache.set", `{"key":"keep","value":"v"}`)
	before := time.Now()
	got := cacheCall(t, home, flow, "default", "cache.get", `{"key":"k"}`)
	switch {
	case time.Since(set) < ttl && got != `{"ok":"v"}`:
		t.Errorf("gone before its ttl (%v after the set): %s", time.Since(set), got)
	case before.Sub(set) >= ttl:
		t.Logf("the first read came after the ttl (%v): a slow machine", before.Sub(set))
	}
	time.Sleep(time.Until(set.Add(ttl + 100*time.Millisecond)))
	if got := cacheCall(t, home, flow, "default", "cache.get", `{"key":"k"}`); got != `{"ok":null}` {
		t.Errorf("still there %v after a ttl of %v: %s", time.Since(set), ttl, got)
	}
	if got := cacheCall(t, home, flow, "default", "cache.get", `{"key":"keep"}`); got != `{"ok":"v"}` {
		t.Errorf("an entry without ttl: %s", got)
	}
}

// TestCacheConcurrentProcesses: weft processes writing the same cache at
// once all succeed, and every value is there afterwards.
func TestCacheConcurrentProcesses(t *testing.T) {
	home := t.TempDir()
	flow := writeFile(t, home, "cache.yaml", cacheFlow)
	cacheCall(t, home, flow, "default", "cache.get", `{"key":"warm"}`) // creates the database and the compile cache
	const n = 4
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := fmt.Sprintf(`{"key":"k%d","value":%d}`, i, i)
			r := weftWith(t, runOpts{home: home}, "run", flow, "--package", hostcallPkg, "--output", "json",
				"--input", `op="cache.set"`, "--input", "req="+req)
			if r.code != 0 || !strings.Contains(r.stdout, `"reply":{"ok":null}`) {
				t.Errorf("process %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if got, want := cacheCall(t, home, flow, "default", "cache.get", fmt.Sprintf(`{"key":"k%d"}`, i)), fmt.Sprintf(`{"ok":%d}`, i); got != want {
			t.Errorf("k%d: %s, want %s", i, got, want)
		}
	}
}
