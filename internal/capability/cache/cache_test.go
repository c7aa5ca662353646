package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// clock is a fake time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFake(max int64) (*Memory, *clock) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := New(max)
	m.now = c.now
	return m, c
}

var (
	ctx = context.Background()
	a   = wasmhost.Scope{Tenant: "t1", Package: "p"}
	b   = wasmhost.Scope{Tenant: "t2", Package: "p"}
	c2  = wasmhost.Scope{Tenant: "t1", Package: "q"}
)

func get(t *testing.T, m *Memory, s wasmhost.Scope, key string) string {
	t.Helper()
	v, ok, err := m.Get(ctx, s, key)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<none>"
	}
	return string(v)
}

func TestScopes(t *testing.T) {
	m, _ := newFake(0)
	if err := m.Set(ctx, a, "k", json.RawMessage(`1`), 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(ctx, b, "k", json.RawMessage(`2`), 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s    wasmhost.Scope
		key  string
		want string
	}{
		{a, "k", "1"},
		{b, "k", "2"},
		{c2, "k", "<none>"},
		{a, "other", "<none>"},
	}
	for _, tt := range tests {
		if got := get(t, m, tt.s, tt.key); got != tt.want {
			t.Errorf("%v %q = %s, want %s", tt.s, tt.key, got, tt.want)
		}
	}
	if err := m.Delete(ctx, a, "k"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, a, "never"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, m, a, "k"); got != "<none>" {
		t.Errorf("after delete: %s", got)
	}
	if got := get(t, m, b, "k"); got != "2" {
		t.Errorf("delete in one tenant touched another: %s", got)
	}
	if m.Size(a) != 0 || len(m.scopes) != 1 {
		t.Errorf("empty scope kept: size %d, %d scopes", m.Size(a), len(m.scopes))
	}
}

func TestCopies(t *testing.T) {
	m, _ := newFake(0)
	v := json.RawMessage(`"abc"`)
	if err := m.Set(ctx, a, "k", v, 0); err != nil {
		t.Fatal(err)
	}
	v[1] = 'X'
	if got := get(t, m, a, "k"); got != `"abc"` {
		t.Errorf("the cache shares the caller's buffer: %s", got)
	}
}

func TestTTL(t *testing.T) {
	m, clk := newFake(0)
	if err := m.Set(ctx, a, "short", json.RawMessage(`1`), time.Second); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(ctx, a, "forever", json.RawMessage(`2`), 0); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance      time.Duration
		short, never string
	}{
		{0, "1", "2"},
		{999 * time.Millisecond, "1", "2"},
		{time.Millisecond, "<none>", "2"}, // expires at exactly its ttl
		{time.Hour * 24 * 365, "<none>", "2"},
	}
	for i, s := range steps {
		clk.add(s.advance)
		if got := get(t, m, a, "short"); got != s.short {
			t.Errorf("step %d: short = %s, want %s", i, got, s.short)
		}
		if got := get(t, m, a, "forever"); got != s.never {
			t.Errorf("step %d: forever = %s, want %s", i, got, s.never)
		}
	}
	if m.Size(a) != size("forever", []byte(`2`)) {
		t.Errorf("the expired entry was not swept on read: size %d", m.Size(a))
	}
	// Setting again renews the ttl; setting without ttl removes it.
	if err := m.Set(ctx, a, "k", json.RawMessage(`1`), time.Second); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(ctx, a, "k", json.RawMessage(`3`), 0); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Hour)
	if got := get(t, m, a, "k"); got != "3" {
		t.Errorf("a set without ttl kept the old ttl: %s", got)
	}
	if err := m.Set(ctx, a, "k", json.RawMessage(`1`), -time.Second); !errors.Is(err, wasmhost.ErrBadRequest) {
		t.Errorf("negative ttl: %v", err)
	}
}

func TestCap(t *testing.T) {
	m, clk := newFake(20)
	// key "k1" + value of 8 bytes = 10 bytes each.
	v8 := json.RawMessage(`"123456"`)
	tests := []struct {
		name string
		key  string
		val  json.RawMessage
		ttl  time.Duration
		err  error
		size int64
	}{
		{"first", "k1", v8, time.Second, nil, 10},
		{"second fills the cap", "k2", v8, 0, nil, 20},
		{"third is over", "k3", v8, 0, wasmhost.ErrLimitExceeded, 20},
		{"replacing in place fits", "k2", json.RawMessage(`"abcdef"`), 0, nil, 20},
		{"growing in place is over", "k2", json.RawMessage(`"abcdefg"`), 0, wasmhost.ErrLimitExceeded, 20},
		{"shrinking fits", "k2", json.RawMessage(`1`), 0, nil, 13},
		{"alone over the cap", "big", json.RawMessage(`"0123456789012345678"`), 0, wasmhost.ErrLimitExceeded, 13},
	}
	for _, tt := range tests {
		err := m.Set(ctx, a, tt.key, tt.val, tt.ttl)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.err)
		}
		if got := m.Size(a); got != tt.size {
			t.Errorf("%s: size %d, want %d", tt.name, got, tt.size)
		}
	}
	if got := get(t, m, a, "k2"); got != "1" {
		t.Errorf("k2 = %s after a refused set", got)
	}
	// Another scope has its own cap.
	if err := m.Set(ctx, b, "k3", v8, 0); err != nil {
		t.Errorf("other tenant: %v", err)
	}
	// Once k1 expires, a set that would not fit sweeps it and fits.
	if err := m.Set(ctx, a, "k3", v8, 0); !errors.Is(err, wasmhost.ErrLimitExceeded) {
		t.Fatalf("before expiry: %v", err)
	}
	clk.add(time.Second)
	if err := m.Set(ctx, a, "k3", v8, 0); err != nil {
		t.Fatalf("after k1 expired: %v", err)
	}
	if got := m.Size(a); got != 13-10+10 {
		t.Errorf("size after sweep %d", got)
	}
	// A refused set into a new scope leaves no scope behind.
	if err := m.Set(ctx, c2, "big", json.RawMessage(`"0123456789012345678"`), 0); !errors.Is(err, wasmhost.ErrLimitExceeded) {
		t.Fatal(err)
	}
	if _, ok := m.scopes[c2]; ok {
		t.Error("a refused set left an empty scope")
	}
}

func TestConcurrent(t *testing.T) {
	m := New(1 << 10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := wasmhost.Scope{Tenant: fmt.Sprint("t", g%2), Package: "p"}
			for i := range 500 {
				key := fmt.Sprint("k", i%50)
				switch i % 3 {
				case 0:
					_ = m.Set(ctx, s, key, json.RawMessage(fmt.Sprint(i)), time.Duration(i%5)*time.Millisecond)
				case 1:
					_, _, _ = m.Get(ctx, s, key)
				case 2:
					_ = m.Delete(ctx, s, key)
				}
			}
		}()
	}
	wg.Wait()
	for s, sc := range m.scopes {
		var n int64
		for k, e := range sc.entries {
			n += size(k, e.value)
		}
		if n != sc.bytes || n > m.maxBytes {
			t.Errorf("%v: counted %d bytes, holds %d (cap %d)", s, sc.bytes, n, m.maxBytes)
		}
	}
}

func TestGetCopies(t *testing.T) {
	m, _ := newFake(0)
	if err := m.Set(ctx, a, "k", json.RawMessage(`"abc"`), 0); err != nil {
		t.Fatal(err)
	}
	v, _, _ := m.Get(ctx, a, "k")
	v[1] = 'X'
	if got := get(t, m, a, "k"); got != `"abc"` {
		t.Errorf("Get shares the cache's buffer: %s", got)
	}
}
