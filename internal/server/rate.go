// Per-tenant rate limits on starting runs: a token bucket per tenant
// (golang.org/x/time/rate), answered with 429 and Retry-After beyond.

package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

type rateLimits struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	by    map[string]*rate.Limiter
}

func newRateLimits(perSecond float64, burst int) *rateLimits {
	return &rateLimits{rate: rate.Limit(perSecond), burst: burst, by: map[string]*rate.Limiter{}}
}

// allow takes a token of tenant's bucket, or says how long until one.
func (l *rateLimits) allow(tenant string) (time.Duration, bool) {
	l.mu.Lock()
	lim := l.by[tenant]
	if lim == nil {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.by[tenant] = lim
	}
	l.mu.Unlock()
	now := time.Now()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}
