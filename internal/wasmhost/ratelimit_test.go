package wasmhost_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// TestRateLimit: with 5 calls per second and a burst of 5, the 6th
// immediate host call of a tenant is limit_exceeded; other tenants and
// other packages have their own buckets; the bucket refills.
func TestRateLimit(t *testing.T) {
	h := storesHost(t, wasmhost.Capabilities{HostCallsPerSecond: 5, HostCallBurst: 5})
	pkg := load(t, h, "hostcall")
	public := load(t, h, "hostcallpublic")
	emit := map[string]any{"event": "e", "data": nil}
	start := time.Now()
	var got []string
	for range 6 {
		got = append(got, storesCall(t, pkg, ccT1, "stream.emit", emit))
	}
	elapsed := time.Since(start)
	for i, g := range got[:5] {
		if g != `{"ok":null}` {
			t.Errorf("call %d: %s", i+1, g)
		}
	}
	if !strings.Contains(got[5], `"code":"limit_exceeded"`) {
		t.Errorf("6th call after %v: %s", elapsed, got[5])
	}
	if g := storesCall(t, pkg, ccT1, "nope.nothing", map[string]any{}); !strings.Contains(g, "limit_exceeded") {
		t.Errorf("an unknown operation is counted too: %s", g)
	}
	if g := storesCall(t, pkg, ccT2, "stream.emit", emit); g != `{"ok":null}` {
		t.Errorf("another tenant: %s", g)
	}
	if g := storesCall(t, public, ccT1, "stream.emit", emit); g != `{"ok":null}` {
		t.Errorf("another package: %s", g)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		g := storesCall(t, pkg, ccT1, "stream.emit", emit)
		if g == `{"ok":null}` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never refilled: %s", g)
		}
	}
}

// TestNoRateLimit: without HostCallsPerSecond, calls are not limited.
func TestNoRateLimit(t *testing.T) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{}), "hostcall")
	for i := range 50 {
		if g := storesCall(t, pkg, ccT1, "stream.emit", map[string]any{"event": "e"}); g != `{"ok":null}` {
			t.Fatalf("call %d: %s", i+1, g)
		}
	}
}
