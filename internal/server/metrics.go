package server

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// metrics is a small Prometheus text-format registry: request counts by
// route and status, a latency histogram by route, and database pool gauges.
// Hand-written because three metric families do not justify the client
// library's dependency tree.
type metrics struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	latency  map[string]*histogram
	pools    map[string]*sql.DB
	started  time.Time
}

type reqKey struct {
	route, method string
	code          int
}

var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []uint64 // per bucket, cumulative at write time
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[reqKey]uint64{}, latency: map[string]*histogram{}, pools: map[string]*sql.DB{}, started: time.Now()}
}

func (m *metrics) observe(route, method string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[reqKey{route, method, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.latency[route] = h
	}
	s := d.Seconds()
	for i, b := range buckets {
		if s <= b {
			h.counts[i]++
		}
	}
	h.sum += s
	h.n++
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.write(w)
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP steward_http_requests_total HTTP requests by route pattern, method and status code.")
	fmt.Fprintln(w, "# TYPE steward_http_requests_total counter")
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.code < b.code
	})
	for _, k := range keys {
		fmt.Fprintf(w, "steward_http_requests_total{route=%q,method=%q,code=\"%d\"} %d\n", k.route, k.method, k.code, m.requests[k])
	}
	fmt.Fprintln(w, "# HELP steward_http_request_duration_seconds HTTP request latency by route pattern.")
	fmt.Fprintln(w, "# TYPE steward_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.latency[r]
		for i, b := range buckets {
			fmt.Fprintf(w, "steward_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strconv.FormatFloat(b, 'g', -1, 64), h.counts[i])
		}
		fmt.Fprintf(w, "steward_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(w, "steward_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(w, "steward_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	names := make([]string, 0, len(m.pools))
	for n := range m.pools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, g := range []struct{ name, help string }{
		{"steward_db_open_connections", "Open database connections by pool."},
		{"steward_db_in_use_connections", "Database connections in use by pool."},
		{"steward_db_idle_connections", "Idle database connections by pool."},
		{"steward_db_wait_count_total", "Times a request waited for a database connection."},
		{"steward_db_wait_seconds_total", "Time spent waiting for database connections."},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", g.name, g.help, g.name)
		for _, n := range names {
			s := m.pools[n].Stats()
			v := map[string]float64{
				"steward_db_open_connections":   float64(s.OpenConnections),
				"steward_db_in_use_connections": float64(s.InUse),
				"steward_db_idle_connections":   float64(s.Idle),
				"steward_db_wait_count_total":   float64(s.WaitCount),
				"steward_db_wait_seconds_total": s.WaitDuration.Seconds(),
			}[g.name]
			fmt.Fprintf(w, "%s{pool=%q} %g\n", g.name, n, v)
		}
	}
	fmt.Fprintln(w, "# HELP steward_uptime_seconds Seconds since the server started.")
	fmt.Fprintln(w, "# TYPE steward_uptime_seconds gauge")
	fmt.Fprintf(w, "steward_uptime_seconds %g\n", time.Since(m.started).Seconds())
}
