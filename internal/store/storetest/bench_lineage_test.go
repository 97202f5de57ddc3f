package storetest

// Lineage benchmarks through the lineage service (no HTTP) on every backend:
// traces to depth 10 and impact queries over a seeded graph of 1,000,000
// nodes and 2,000,000 edges, and OpenLineage ingestion (one event per call
// from 20 goroutines, and batches of 100 from 4). Run with
//
//	go test -run '^$' -bench Lineage -benchtime 2000x -timeout 30m ./internal/store/storetest/
//
// STEWARD_BENCH_LINEAGE_NODES changes the graph size (seeding 1M nodes
// takes tens of seconds per backend).

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/lineage"
)

func BenchmarkLineage(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("STEWARD_BENCH_LINEAGE_NODES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	for _, name := range benchBackends() {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := Backends()[name](b)
			st, err := SeedLineage(ctx, db, SeedLineageOptions{Nodes: n})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d nodes and %d edges in %v", name, st.Nodes, st.Edges, st.Took.Round(time.Millisecond))
			e := NewEnv(db)
			var all []string
			for _, refs := range st.Refs {
				all = append(all, refs...)
			}
			for _, dir := range []lineage.Direction{lineage.Upstream, lineage.Downstream} {
				b.Run("trace-"+string(dir)+"-depth10", func(b *testing.B) {
					var lat latencies
					var nodes, truncated atomic.Int64
					r := rand.New(rand.NewPCG(1, 2))
					ds := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for range b.N {
						t := time.Now()
						tr, err := e.Lineage.Trace(e.Ctx, lineage.TraceRequest{Node: all[r.IntN(len(all))], Direction: dir, Depth: 10})
						if err != nil {
							b.Fatal(err)
						}
						ds = append(ds, time.Since(t))
						nodes.Add(int64(len(tr.Nodes)))
						if tr.Truncated {
							truncated.Add(1)
						}
					}
					b.StopTimer()
					lat.add(ds)
					lat.report(b)
					b.ReportMetric(float64(nodes.Load())/float64(b.N), "nodes/op")
					b.ReportMetric(float64(truncated.Load()), "truncated")
				})
			}
			b.Run("impact", func(b *testing.B) {
				var lat latencies
				var reached int
				r := rand.New(rand.NewPCG(3, 4))
				ds := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					t := time.Now()
					res, err := e.Lineage.Impact(e.Ctx, lineage.ImpactRequest{Dataset: st.RawDatasets[r.IntN(len(st.RawDatasets))]})
					if err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(t))
					for _, c := range res.Downstream {
						reached += c
					}
				}
				b.StopTimer()
				lat.add(ds)
				lat.report(b)
				b.ReportMetric(float64(reached)/float64(b.N), "downstream/op")
			})
			// Event numbers go on across the rounds the benchmark runs with
			// growing b.N, so every event is new.
			var seq atomic.Int64
			b.Run("openlineage-ingest-parallel", func(b *testing.B) {
				var lat latencies
				b.SetParallelism(10)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var ds []time.Duration
					for pb.Next() {
						ev := OpenLineageBenchEvent(int(seq.Add(1)))
						t := time.Now()
						res, err := e.Lineage.IngestOpenLineage(e.Ctx, ev)
						if err != nil {
							b.Error(err)
							return
						}
						ds = append(ds, time.Since(t))
						if res.Status != "recorded" {
							b.Errorf("event %s", res.Status)
						}
					}
					lat.add(ds)
				})
				b.StopTimer()
				lat.report(b)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
			// The same events posted 100 to a request (an array body): one
			// transaction per batch; 4 goroutines. ns/op is per event, the
			// latencies per batch.
			b.Run("openlineage-ingest-batch100", func(b *testing.B) {
				var lat latencies
				b.SetParallelism(2)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var ds []time.Duration
					batch := make([][]byte, 0, 100)
					flush := func() bool {
						if len(batch) == 0 {
							return true
						}
						t := time.Now()
						res, err := e.Lineage.IngestOpenLineageBatch(e.Ctx, batch)
						if err != nil {
							b.Error(err)
							return false
						}
						ds = append(ds, time.Since(t))
						for _, r := range res {
							if r.Status != "recorded" {
								b.Errorf("event %s", r.Status)
								return false
							}
						}
						batch = batch[:0]
						return true
					}
					for pb.Next() {
						batch = append(batch, OpenLineageBenchEvent(int(seq.Add(1))))
						if len(batch) == cap(batch) && !flush() {
							return
						}
					}
					flush()
					lat.add(ds)
				})
				b.StopTimer()
				lat.report(b)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		})
	}
}
