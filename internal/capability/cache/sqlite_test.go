// Tests of the persistent cache: the same behaviour as Memory (scopes,
// TTL, cap) on a real SQLite file, values that outlive the handle that set
// them, and two handles on one file (as two weft processes) keeping the cap
// and the byte count consistent.

package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// sized is a cache whose scope sizes a test can read.
type sized interface {
	wasmhost.Cache
	size(s wasmhost.Scope) int64
}

type memSized struct{ *Memory }

func (m memSized) size(s wasmhost.Scope) int64 { return m.Size(s) }

type sqlSized struct {
	*SQLite
	t *testing.T
}

func (c sqlSized) size(s wasmhost.Scope) int64 {
	n, err := c.Size(context.Background(), s)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// openFake opens a cache file in a temporary folder with a fake clock.
func openFake(t *testing.T, path string, max int64, clk *clock) *SQLite {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "cache.db")
	}
	c, err := OpenSQLite(context.Background(), path, max)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if clk != nil {
		c.now = clk.now
	}
	return c
}

// impls returns each implementation, empty, with cap max and a fake clock.
func impls(t *testing.T, max int64) map[string]func() (sized, *clock) {
	return map[string]func() (sized, *clock){
		"memory": func() (sized, *clock) { m, clk := newFake(max); return memSized{m}, clk },
		"sqlite": func() (sized, *clock) {
			clk := &clock{t: time.Unix(1_700_000_000, 0)}
			return sqlSized{openFake(t, "", max, clk), t}, clk
		},
	}
}

func getC(t *testing.T, c wasmhost.Cache, s wasmhost.Scope, key string) string {
	t.Helper()
	v, ok, err := c.Get(ctx, s, key)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<none>"
	}
	return string(v)
}

// TestImplsBehave: both caches answer the same steps the same way.
func TestImplsBehave(t *testing.T) {
	v8 := json.RawMessage(`"123456"`) // with key "k1": 10 bytes
	type step struct {
		name    string
		advance time.Duration
		op      string // set, get, delete
		s       wasmhost.Scope
		key     string
		val     json.RawMessage
		ttl     time.Duration
		want    string // get: the value or <none>; set: "" or the error
		size    int64  // of scope a afterwards
	}
	steps := []step{
		{"empty", 0, "get", a, "k1", nil, 0, "<none>", 0},
		{"first", 0, "set", a, "k1", v8, time.Second, "", 10},
		{"second fills the cap", 0, "set", a, "k2", v8, 0, "", 20},
		{"read", 0, "get", a, "k1", nil, 0, v8s, 20},
		{"other tenant sees nothing", 0, "get", b, "k1", nil, 0, "<none>", 20},
		{"other package sees nothing", 0, "get", c2, "k1", nil, 0, "<none>", 20},
		{"other tenant has its own cap", 0, "set", b, "k3", v8, 0, "", 20},
		{"third is over", 0, "set", a, "k3", v8, 0, "limit", 20},
		{"refused set left nothing", 0, "get", a, "k3", nil, 0, "<none>", 20},
		{"replacing in place fits", 0, "set", a, "k2", json.RawMessage(`"abcdef"`), 0, "", 20},
		{"growing in place is over", 0, "set", a, "k2", json.RawMessage(`"abcdefg"`), 0, "limit", 20},
		{"the old value stays", 0, "get", a, "k2", nil, 0, `"abcdef"`, 20},
		{"alone over the cap", 0, "set", a, "big", json.RawMessage(`"0123456789012345678"`), 0, "limit", 20},
		{"negative ttl", 0, "set", a, "k9", v8, -time.Second, "bad", 20},
		{"just before the ttl", 999 * time.Millisecond, "get", a, "k1", nil, 0, v8s, 20},
		{"at the ttl, gone and swept", time.Millisecond, "get", a, "k1", nil, 0, "<none>", 10},
		{"now it fits", 0, "set", a, "k3", v8, 0, "", 20},
		{"delete", 0, "delete", a, "k3", nil, 0, "", 10},
		{"delete of nothing", 0, "delete", a, "never", nil, 0, "", 10},
		{"deleted", 0, "get", a, "k3", nil, 0, "<none>", 10},
		{"other tenant untouched", 0, "get", b, "k3", nil, 0, v8s, 10},
		{"a ttl", 0, "set", a, "k4", v8, time.Second, "", 20},
		{"set again without ttl", 0, "set", a, "k4", v8, 0, "", 20},
		{"no longer expires", time.Hour, "get", a, "k4", nil, 0, v8s, 20},
		{"expired entry swept by a set over the cap", 0, "set", a, "k5", v8, time.Second, "limit", 20},
		{"delete the rest", 0, "delete", a, "k2", nil, 0, "", 10},
		{"delete the rest", 0, "delete", a, "k4", nil, 0, "", 0},
	}
	for name, open := range impls(t, 20) {
		t.Run(name, func(t *testing.T) {
			c, clk := open()
			for i, st := range steps {
				clk.add(st.advance)
				var got string
				switch st.op {
				case "get":
					got = getC(t, c, st.s, st.key)
				case "set":
					switch err := c.Set(ctx, st.s, st.key, st.val, st.ttl); {
					case err == nil:
					case errors.Is(err, wasmhost.ErrLimitExceeded):
						got = "limit"
					case errors.Is(err, wasmhost.ErrBadRequest):
						got = "bad"
					default:
						t.Fatalf("step %d %s: %v", i, st.name, err)
					}
				case "delete":
					if err := c.Delete(ctx, st.s, st.key); err != nil {
						t.Fatalf("step %d %s: %v", i, st.name, err)
					}
				}
				if got != st.want {
					t.Errorf("step %d %s: %s, want %s", i, st.name, got, st.want)
				}
				if n := c.size(a); n != st.size {
					t.Errorf("step %d %s: size %d, want %d", i, st.name, n, st.size)
				}
			}
		})
	}
}

const v8s = `"123456"`

// TestSQLiteOutlivesHandle: what one handle sets, a handle opened later on
// the same file reads, TTL included; expired entries are swept at open.
func TestSQLiteOutlivesHandle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "cache.db")
	// Near the real time: the second handle sweeps at open with the real
	// clock.
	clk := &clock{t: time.Now()}
	first := openFake(t, path, 0, clk)
	for _, e := range []struct {
		key string
		ttl time.Duration
	}{{"forever", 0}, {"minute", time.Minute}, {"second", time.Second}} {
		if err := first.Set(ctx, a, e.key, json.RawMessage(`{"k":"`+e.key+`"}`), e.ttl); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Second)
	// The second "process" opens the file with its own clock at the same
	// wall time; "second" has expired and is swept as it opens.
	second := openFake(t, path, 0, nil)
	second.now = clk.now
	if err := second.sweepAll(ctx); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"forever": `{"k":"forever"}`, "minute": `{"k":"minute"}`, "second": "<none>"} {
		if got := getC(t, second, a, key); got != want {
			t.Errorf("%s: %s, want %s", key, got, want)
		}
	}
	var rows int
	if err := second.db.QueryRow(`SELECT COUNT(*) FROM cache_entries`).Scan(&rows); err != nil || rows != 2 {
		t.Errorf("rows after the sweep: %d %v", rows, err)
	}
	if n, _ := second.Size(ctx, a); n != int64(len("forever")+len(`{"k":"forever"}`)+len("minute")+len(`{"k":"minute"}`)) {
		t.Errorf("size after the sweep: %d", n)
	}
}

// TestSQLiteTwoHandles: two handles on one file (two processes' worth of
// connections) writing at once never exceed the cap, and the byte count
// of each scope is the sum of its entries.
func TestSQLiteTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	const max = 1 << 10
	handles := []*SQLite{openFake(t, path, max, nil), openFake(t, path, max, nil)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := handles[g%2]
			s := wasmhost.Scope{Tenant: fmt.Sprint("t", g/2), Package: "p"}
			for i := range 150 {
				key := fmt.Sprint("k", i%40)
				var err error
				switch i % 3 {
				case 0:
					err = c.Set(ctx, s, key, json.RawMessage(`"`+strings.Repeat("x", i%60)+`"`), time.Duration(i%4)*time.Millisecond)
				case 1:
					_, _, err = c.Get(ctx, s, key)
				case 2:
					err = c.Delete(ctx, s, key)
				}
				if err != nil && !errors.Is(err, wasmhost.ErrLimitExceeded) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rows, err := handles[0].db.Query(`SELECT s.tenant, s.bytes, (SELECT COALESCE(SUM(size), 0) FROM cache_entries e
		WHERE e.tenant = s.tenant AND e.package = s.package) FROM cache_scopes s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var tenant string
		var bytes, sum int64
		if err := rows.Scan(&tenant, &bytes, &sum); err != nil {
			t.Fatal(err)
		}
		if bytes != sum || bytes > max {
			t.Errorf("%s: counted %d bytes, holds %d (cap %d)", tenant, bytes, sum, max)
		}
	}
}

// TestSQLiteLongestTTL: the longest ttl cache.set accepts (about 292
// years) does not overflow into an entry that has already expired.
func TestSQLiteLongestTTL(t *testing.T) {
	c := openFake(t, "", 0, nil)
	if err := c.Set(ctx, a, "k", json.RawMessage(`1`), time.Duration(math.MaxInt64)); err != nil {
		t.Fatal(err)
	}
	if got := getC(t, c, a, "k"); got != "1" {
		t.Errorf("an entry with the longest ttl: %s", got)
	}
}

// TestSQLiteOpenErrors: a file that is not a cache, or one from a newer
// weft, is refused with an error naming it.
func TestSQLiteOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	c := openFake(t, newer, 0, nil)
	if _, err := c.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	c.Close()
	tests := []struct {
		path, want string
	}{
		{notDB, notDB},
		{newer, "written by a newer weft (format 99"},
		{filepath.Join(dir, "a?b.db"), "must not contain '?'"},
		{"", "empty path"},
	}
	for _, tt := range tests {
		c, err := OpenSQLite(ctx, tt.path, 0)
		if err == nil {
			c.Close()
			t.Errorf("%q: opened", tt.path)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q in it", tt.path, err, tt.want)
		}
	}
}

// TestSQLiteCancelled: a call whose context is done fails with the
// context's error.
func TestSQLiteCancelled(t *testing.T) {
	c := openFake(t, "", 0, nil)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Set(cctx, a, "k", json.RawMessage(`1`), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("set: %v", err)
	}
	if _, _, err := c.Get(cctx, a, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("get: %v", err)
	}
}
