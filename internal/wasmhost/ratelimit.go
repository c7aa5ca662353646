// The limit on host calls per second (Capabilities.HostCallsPerSecond and
// HostCallBurst): a token bucket for each tenant of each loaded Package,
// taken from before an operation is routed.

package wasmhost

import (
	"math"
	"sync"
	"time"
)

// minSweep is how many buckets a Package keeps before it drops the full
// ones (a full bucket is the same as no bucket).
const minSweep = 1024

// tenantBuckets are the buckets of one Package by tenant.
type tenantBuckets struct {
	mu        sync.Mutex
	m         map[string]*bucket
	nextSweep int
}

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// refill adds the tokens earned since the last refill, up to burst.
func (b *bucket) refill(now time.Time, rate, burst float64) {
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(burst, b.tokens+el.Seconds()*rate)
		b.last = now
	}
}

// take refills the bucket and takes one token if there is one.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	b.refill(now, rate, burst)
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// allow reports whether tenant may make one more call now, taking a token
// if so. A tenant's first call finds a full bucket.
func (tb *tenantBuckets) allow(tenant string, now time.Time, rate, burst float64) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.m == nil {
		tb.m = map[string]*bucket{}
	}
	b := tb.m[tenant]
	if b == nil {
		if len(tb.m) >= max(tb.nextSweep, minSweep) {
			for t, o := range tb.m {
				if o.refill(now, rate, burst); o.tokens >= burst {
					delete(tb.m, t)
				}
			}
			tb.nextSweep = 2 * len(tb.m)
		}
		b = &bucket{tokens: burst, last: now}
		tb.m[tenant] = b
	}
	return b.take(now, rate, burst)
}

// hostCallLimit answers limit_exceeded when tenant has used up its host
// calls of this package for now, and nil when the call may go on (always,
// when the host sets no limit).
func (p *Package) hostCallLimit(op, tenant string) *opError {
	caps := &p.host.cfg.Capabilities
	rate := caps.HostCallsPerSecond
	if !(rate > 0) || math.IsInf(rate, 1) {
		return nil
	}
	burst := float64(caps.HostCallBurst)
	if burst <= 0 {
		burst = max(1, rate)
	}
	if p.limits.allow(tenant, time.Now(), rate, burst) {
		return nil
	}
	return opErr(CodeLimitExceeded, "%s: tenant %q is over the limit of %g host calls per second (burst %g) of package %s",
		op, tenant, rate, burst, p.Manifest.ID)
}
