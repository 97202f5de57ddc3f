package auth

import (
	"sync"
	"time"
)

// ttlCache is a small bounded map whose entries expire. It keeps the
// per-request cost of authentication and authorization to a map lookup;
// the TTL bounds how long another replica's change (a revoked token, a
// removed grant) can go unseen here.
type ttlCache[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]ttlEntry[V]
	ttl time.Duration
	max int
	now func() time.Time
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{m: map[K]ttlEntry[V]{}, ttl: ttl, max: max, now: now}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().After(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Full: drop expired entries, and if that is not enough, everything.
		// A refill costs one query per key; an unbounded map costs memory an
		// attacker controls.
		now := c.now()
		for k, e := range c.m {
			if now.After(e.exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = ttlEntry[V]{v: v, exp: c.now().Add(c.ttl)}
}

func (c *ttlCache[K, V]) purge() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// limiter counts failures per key (a source address, an account) in a
// token bucket: burst failures are allowed, then one per refill interval.
type limiter struct {
	mu     sync.Mutex
	burst  float64
	refill time.Duration
	m      map[string]*bucket
	now    func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, refill time.Duration, now func() time.Time) *limiter {
	return &limiter{burst: float64(burst), refill: refill, m: map[string]*bucket{}, now: now}
}

// blocked reports whether key has used up its failures, and for how long.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[key]; !ok {
		return false, 0 // never failed: no bucket, so sources that behave cost no memory
	}
	b := l.level(key)
	if b.tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - b.tokens) * float64(l.refill))
}

// fail spends one failure of key.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.level(key)
	b.tokens--
}

func (l *limiter) level(key string) *bucket {
	now := l.now()
	b, ok := l.m[key]
	if !ok {
		if len(l.m) > 100_000 {
			// Forget buckets that have refilled; they hold no information.
			for k, b := range l.m {
				if b.tokens+float64(now.Sub(b.at))/float64(l.refill) >= l.burst {
					delete(l.m, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.m[key] = b
		return b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.refill))
	b.at = now
	return b
}
