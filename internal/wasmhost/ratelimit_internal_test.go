package wasmhost

import (
	"fmt"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tb := &tenantBuckets{m: map[string]*bucket{}}
	steps := []struct {
		at     time.Duration
		tenant string
		want   bool
	}{
		{0, "a", true}, {0, "a", true}, {0, "a", true}, {0, "a", true}, {0, "a", true},
		{0, "a", false}, // 6th at once
		{0, "b", true},  // another tenant
		{199 * time.Millisecond, "a", false},
		{200 * time.Millisecond, "a", true}, // one token per 200 ms
		{200 * time.Millisecond, "a", false},
		{100 * time.Millisecond, "a", false}, // the clock going back earns nothing
		{time.Hour, "a", true},               // at most burst tokens after a long pause
		{time.Hour, "a", true}, {time.Hour, "a", true}, {time.Hour, "a", true}, {time.Hour, "a", true},
		{time.Hour, "a", false},
	}
	for i, s := range steps {
		if got := tb.allow(s.tenant, t0.Add(s.at), 5, 5); got != s.want {
			t.Errorf("step %d (%v, %s): %v, want %v", i, s.at, s.tenant, got, s.want)
		}
	}
	// A fractional rate below one: burst max(1, rate) = 1.
	tb = &tenantBuckets{m: map[string]*bucket{}}
	for i, s := range []struct {
		at   time.Duration
		want bool
	}{{0, true}, {0, false}, {1999 * time.Millisecond, false}, {2 * time.Second, true}} {
		if got := tb.allow("a", t0.Add(s.at), 0.5, 1); got != s.want {
			t.Errorf("rate 0.5 step %d: %v", i, got)
		}
	}
}

// TestBucketSweep: full buckets of idle tenants are dropped once there are
// many; busy ones are kept.
func TestBucketSweep(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tb := &tenantBuckets{m: map[string]*bucket{}}
	for i := range minSweep {
		tb.allow(fmt.Sprint("idle", i), t0, 1, 1)
	}
	tb.allow("busy", t0.Add(time.Hour), 1, 1) // over minSweep: sweeps first
	if len(tb.m) != 1 {
		t.Fatalf("%d buckets after a sweep, want 1", len(tb.m))
	}
	if tb.allow("busy", t0.Add(time.Hour), 1, 1) {
		t.Error("the sweep reset a busy bucket")
	}
	for i := range minSweep - 1 {
		tb.allow(fmt.Sprint("new", i), t0.Add(time.Hour), 1, 1)
	}
	tb.allow("last", t0.Add(time.Hour), 1, 1) // a sweep that drops nothing
	if len(tb.m) != minSweep+1 || tb.nextSweep != 2*minSweep {
		t.Fatalf("%d buckets, next sweep at %d", len(tb.m), tb.nextSweep)
	}
}
