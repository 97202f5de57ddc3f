package main

// Lineage workloads: traces and impact queries over a seeded graph of
// 1,000,000 nodes and 2,000,000 edges (storetest.SeedLineage, written into
// the database before the server starts), and OpenLineage ingestion through
// POST /api/v1/lineage, then the same events replayed to show that a replay
// changes nothing.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/store"
	"github.com/steward-registry/steward/internal/store/storetest"
)

var lineageScenarios = []string{"lineage-queries", "lineage-trace", "lineage-impact", "openlineage"}

func isLineageScenario(s string) bool {
	for _, l := range lineageScenarios {
		if s == l {
			return true
		}
	}
	return false
}

// Goals of issue 6.
const (
	traceGoal  = 20 * time.Millisecond
	impactGoal = 100 * time.Millisecond
	ingestGoal = 2000.0 // events/s
)

func lineageRun(ctx context.Context, c *config, scenario string) error {
	if scenario == "openlineage" {
		return withLineageServer(ctx, c, false, func(base string, d *database) error {
			l := newLoader(base, c)
			l.pid = serverPID
			return l.openLineage(ctx, c, d)
		})
	}
	if !c.start {
		return errors.New(scenario + " seeds a graph into the database before the server starts: use -start")
	}
	var st storetest.SeedLineageStats
	c.lineageSeed = func(ctx context.Context, d *database) error {
		db, err := store.Open(ctx, d.openPath(), nil)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Printf("# seeding a lineage graph of %d nodes directly into the database ...\n", c.lineageNodes)
		if st, err = storetest.SeedLineage(ctx, db, storetest.SeedLineageOptions{Nodes: c.lineageNodes}); err != nil {
			return err
		}
		fmt.Printf("# seeded %d nodes and %d edges in %v (then ANALYZE; PostgreSQL VACUUM)\n", st.Nodes, st.Edges, st.Took.Round(time.Millisecond))
		return nil
	}
	return withLineageServer(ctx, c, true, func(base string, _ *database) error {
		l := newLoader(base, c)
		l.pid = serverPID
		switch scenario {
		case "lineage-impact":
			return l.lineageImpact(ctx, c, &st)
		case "lineage-trace":
			return l.lineageTrace(ctx, c, &st)
		}
		// lineage-queries: both on one seeded server (seeding takes longer
		// than measuring).
		if err := l.lineageTrace(ctx, c, &st); err != nil {
			return err
		}
		fmt.Println()
		return l.lineageImpact(ctx, c, &st)
	})
}

// withLineageServer starts a server on a fresh database (seeded first when
// seed is set) and runs fn with its URL and the database.
func withLineageServer(ctx context.Context, c *config, seed bool, fn func(base string, d *database) error) error {
	if c.server != "" {
		return fn(c.server, nil)
	}
	if err := os.MkdirAll(c.tmp, 0o700); err != nil {
		return err
	}
	d, err := newDatabase(ctx, c.db, c.tmp)
	if err != nil {
		return err
	}
	if c.keepTmp {
		fmt.Printf("# server home kept at %s\n", d.home)
	} else {
		defer d.cleanup()
	}
	if seed {
		if err := c.lineageSeed(ctx, d); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	p, err := startServer(c.bin, d)
	if err != nil {
		return err
	}
	defer p.stop()
	took, err := p.waitReady(60 * time.Second)
	if err != nil {
		return err
	}
	fmt.Printf("# server pid %d ready at %s in %v\n", p.pid(), p.url, took.Round(time.Millisecond))
	serverPID = p.pid()
	err = fn(p.url, d)
	if rss, e := procStatus(p.pid(), "VmHWM"); e == nil {
		fmt.Printf("# server peak RSS (VmHWM) %.1f MiB\n", float64(rss)/(1<<20))
	}
	return err
}

// lineageTrace loops traces to depth 10 from random nodes of every type,
// half upstream and half downstream.
func (l *loader) lineageTrace(ctx context.Context, c *config, st *storetest.SeedLineageStats) error {
	var refs []string
	for _, t := range lineage.NodeTypes {
		refs = append(refs, st.Refs[t]...)
	}
	if len(refs) == 0 {
		return errors.New("the seed returned no node refs")
	}
	var nodes, calls atomic.Int64
	// One op picks the direction per request, so one client measures both.
	trace := func(ctx context.Context, r *mrand.Rand) (string, error) {
		dir := "upstream"
		if r.IntN(2) == 1 {
			dir = "downstream"
		}
		var out struct {
			Nodes []struct{} `json:"nodes"`
		}
		q := url.Values{"node": {refs[r.IntN(len(refs))]}, "direction": {dir}, "depth": {"10"}}
		err := l.call(ctx, "GET", "/api/v1/lineage/trace?"+q.Encode(), nil, http.StatusOK, &out)
		nodes.Add(int64(len(out.Nodes)))
		calls.Add(1)
		return "trace-" + dir, err
	}
	fmt.Printf("# each request: GET /api/v1/lineage/trace?node=<random of %d sampled nodes of every type>&direction=upstream|downstream&depth=10 (default limit, 500 nodes)\n", len(refs))
	return l.measure(ctx, c, "lineage-trace", []op{trace}, traceGoal, func() {
		fmt.Printf("# %.1f nodes per trace on average\n", float64(nodes.Load())/float64(max(1, calls.Load())))
		nodes.Store(0)
		calls.Store(0)
	})
}

// lineageImpact loops "which production deployments use data derived from
// dataset X (any version)" for random raw datasets.
func (l *loader) lineageImpact(ctx context.Context, c *config, st *storetest.SeedLineageStats) error {
	var reached, calls, deps atomic.Int64
	do := func(ctx context.Context, r *mrand.Rand) (string, error) {
		var out struct {
			Deployments []struct{}     `json:"deployments"`
			Downstream  map[string]int `json:"downstream"`
		}
		q := url.Values{"dataset": {st.RawDatasets[r.IntN(len(st.RawDatasets))]}, "environment": {"production"}}
		err := l.call(ctx, "GET", "/api/v1/lineage/impact?"+q.Encode(), nil, http.StatusOK, &out)
		for _, n := range out.Downstream {
			reached.Add(int64(n))
		}
		deps.Add(int64(len(out.Deployments)))
		calls.Add(1)
		return "impact", err
	}
	fmt.Printf("# each request: GET /api/v1/lineage/impact?dataset=<random of %d raw datasets, 5 versions each>&environment=production\n", len(st.RawDatasets))
	return l.measure(ctx, c, "lineage-impact", []op{do}, impactGoal, func() {
		n := float64(max(1, calls.Load()))
		fmt.Printf("# %.0f downstream nodes and %.1f production deployments per query on average\n", float64(reached.Load())/n, float64(deps.Load())/n)
		reached.Store(0)
		deps.Store(0)
		calls.Store(0)
	})
}

// openLineage posts new events (closed loop), then replays the events the
// measured window sent and checks every replay answers "duplicate" and that
// the database's lineage and event rows did not change.
func (l *loader) openLineage(ctx context.Context, c *config, d *database) error {
	var seq atomic.Int64
	var sent []atomic.Bool // which event numbers were acknowledged
	sent = make([]atomic.Bool, 1<<22)
	batch := max(c.olBatch, 1)
	do := func(ctx context.Context, _ *mrand.Rand) (string, error) {
		if batch == 1 {
			i := int(seq.Add(1))
			err := l.call(ctx, "POST", "/api/v1/lineage", storetest.OpenLineageBenchEvent(i), http.StatusCreated, nil)
			if err == nil && i < len(sent) {
				sent[i].Store(true)
			}
			return "ingest", err
		}
		last := int(seq.Add(int64(batch)))
		body := []byte{'['}
		for i := last - batch + 1; i <= last; i++ {
			if i > last-batch+1 {
				body = append(body, ',')
			}
			body = append(body, storetest.OpenLineageBenchEvent(i)...)
		}
		body = append(body, ']')
		err := l.call(ctx, "POST", "/api/v1/lineage", body, http.StatusCreated, nil)
		for i := last - batch + 1; err == nil && i <= last && i < len(sent); i++ {
			sent[i].Store(true)
		}
		return "ingest", err
	}
	fmt.Printf("# each request: POST /api/v1/lineage with %d new OpenLineage COMPLETE RunEvent(s) (%d bytes each; 200 jobs, 2 inputs of 10,000 tables, 1 versioned output, 6 facets)\n",
		batch, len(storetest.OpenLineageBenchEvent(1)))
	rec := l.load(ctx, []op{do})
	sums := rec.report(os.Stdout, l.window)
	total := int(seq.Load())
	for _, s := range sums {
		perSec := s.PerSec * float64(batch)
		verdict := "met"
		if perSec < ingestGoal {
			verdict = fmt.Sprintf("MISSED by %.0f events/s", ingestGoal-perSec)
		}
		fmt.Printf("goal >= %.0f events/s for %s: %.1f events/s (%d per request) %s\n", ingestGoal, s.Label, perSec, batch, verdict)
	}
	results = append(results, result{Scenario: "openlineage", Backend: backendName(c), Ops: sums})
	if err := failed(sums); err != nil {
		return err
	}
	// Replay: every event acknowledged so far, again, by as many clients.
	before, err := lineageCounts(ctx, d)
	if err != nil {
		return err
	}
	var replayed, dup atomic.Int64
	start := time.Now()
	err = parallel(ctx, total, l.clients, func(i int) error {
		if i+1 >= len(sent) || !sent[i+1].Load() {
			return nil
		}
		replayed.Add(1)
		var out struct {
			Status string `json:"status"`
		}
		if err := l.call(ctx, "POST", "/api/v1/lineage", storetest.OpenLineageBenchEvent(i+1), http.StatusOK, &out); err != nil {
			return err
		}
		if out.Status == "duplicate" {
			dup.Add(1)
		}
		return nil
	})
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	after, err := lineageCounts(ctx, d)
	if err != nil {
		return err
	}
	fmt.Printf("# replayed %d events in %v (%.0f events/s): %d answered duplicate\n", replayed.Load(), took.Round(time.Millisecond),
		float64(replayed.Load())/took.Seconds(), dup.Load())
	fmt.Printf("# rows before the replay: %s\n# rows after the replay:  %s\n", before, after)
	if before != after || dup.Load() != replayed.Load() {
		return errors.New("openlineage: the replay changed the database or was not recognised as duplicate")
	}
	fmt.Println("idempotent: the replay wrote nothing")
	return nil
}

// lineageCounts counts the rows ingestion writes, reading the database
// directly (the server keeps running).
func lineageCounts(ctx context.Context, d *database) (string, error) {
	if d == nil {
		return "(not counted: -server)", nil
	}
	db, err := store.Open(ctx, d.openPath(), nil)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var parts []string
	for _, t := range []string{"lineage_nodes", "lineage_edges", "lineage_facets", "openlineage_events", "events"} {
		var n int64
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		parts = append(parts, fmt.Sprintf("%s=%d", t, n))
	}
	return strings.Join(parts, " "), nil
}

// phase is one load shape the lineage queries are measured under, on the
// same seeded server: "N" is N closed-loop clients, "rate:R" an open loop
// of R requests/s (over at most -clients workers).
type phase struct {
	clients int
	rate    float64
}

func (p phase) String() string {
	if p.rate > 0 {
		return fmt.Sprintf("open loop %.0f req/s", p.rate)
	}
	return fmt.Sprintf("%d closed-loop client(s)", p.clients)
}

func parsePhases(s string, clients int) ([]phase, error) {
	var out []phase
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if r, ok := strings.CutPrefix(f, "rate:"); ok {
			v, err := strconv.ParseFloat(r, 64)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("-lineage-loads: %q is not rate:<requests per second>", f)
			}
			out = append(out, phase{clients: clients, rate: v})
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-lineage-loads: %q is not a number of clients or rate:<r>", f)
		}
		out = append(out, phase{clients: n})
	}
	return out, nil
}

// measure runs ops under every phase of -lineage-loads and checks each
// operation's p99 against limit.
func (l *loader) measure(ctx context.Context, c *config, scenario string, ops []op, limit time.Duration, after func()) error {
	phases, err := parsePhases(c.lineageLoads, c.clients)
	if err != nil {
		return err
	}
	for i, p := range phases {
		if i > 0 {
			fmt.Println()
		}
		fmt.Printf("## %s: %s, %v measured after %v warm-up, loadavg %s\n", scenario, p, l.window, l.warmup, loadAvg())
		l.clients, l.rate = p.clients, p.rate
		rec := l.load(ctx, ops)
		sums := rec.report(os.Stdout, l.window)
		if after != nil {
			after()
		}
		goal(sums, limit)
		results = append(results, result{Scenario: scenario + " (" + p.String() + ")", Backend: backendName(c), Ops: sums})
		if err := failed(sums); err != nil {
			return err
		}
	}
	return nil
}

func failed(sums []summary) error {
	for _, s := range sums {
		if s.Label != "all" && s.Errors > 0 {
			return fmt.Errorf("%d %s requests failed", s.Errors, s.Label)
		}
	}
	return nil
}
