package storetest

// Service-level benchmarks of the MLflow workloads that bench/load drives
// over HTTP, to profile them in-process (-cpuprofile) without the HTTP layer:
//
//	go test -run '^$' -bench 'MLflow.*/sqlite' -benchtime 3s -cpuprofile cpu.out ./internal/store/storetest/
//	go tool pprof -top -cum storetest.test cpu.out
//
// One goroutine each: ns/op is the cost of one call, not the throughput
// under concurrency.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/tracking"
)

// BenchmarkMLflowLogBatch: LogBatch with 10 and 500 metric points (into one
// run, steps increasing) and with 100 new params (a fresh run each time).
func BenchmarkMLflowLogBatch(b *testing.B) {
	for _, backend := range benchBackends() {
		b.Run(backend, func(b *testing.B) {
			e := NewEnv(Backends()[backend](b))
			exp, err := e.Tracking.CreateExperiment(e.Ctx, "bench", "", nil)
			if err != nil {
				b.Fatal(err)
			}
			newRun := func() string {
				r, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: exp.ID})
				if err != nil {
					b.Fatal(err)
				}
				return r.ID
			}
			r := rand.New(rand.NewPCG(1, 2))
			for _, n := range []int{10, 500} {
				b.Run(fmt.Sprintf("metrics-%d", n), func(b *testing.B) {
					run := newRun()
					k := min(n, 50)
					step := int64(0)
					batch := tracking.Batch{Metrics: make([]tracking.Metric, n)}
					b.ResetTimer()
					for range b.N {
						for i := range batch.Metrics {
							batch.Metrics[i] = tracking.Metric{Key: fmt.Sprintf("m%d", i%k), Value: tracking.Float(r.Float64()), Timestamp: 1, Step: step + int64(i/k)}
						}
						step += int64(n / k)
						if err := e.Tracking.LogBatch(e.Ctx, run, batch); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("params-100", func(b *testing.B) {
				batch := tracking.Batch{Params: make([]tracking.Param, 100)}
				for i := range batch.Params {
					batch.Params[i] = tracking.Param{Key: fmt.Sprintf("param_%03d", i), Value: fmt.Sprintf("v-%d", i)}
				}
				b.StopTimer()
				for range b.N {
					run := newRun() // not timed: params are set once per run
					b.StartTimer()
					if err := e.Tracking.LogBatch(e.Ctx, run, batch); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
				}
			})
		})
	}
}

// BenchmarkMLflowSearchRuns: the search of bench/load's search-runs
// workload over 2,000 runs (seeded with SeedRuns).
func BenchmarkMLflowSearchRuns(b *testing.B) {
	for _, backend := range benchBackends() {
		b.Run(backend, func(b *testing.B) {
			db := Backends()[backend](b)
			st, err := SeedRuns(context.Background(), db, SeedRunsOptions{Experiment: "bench", Runs: 2000, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			e := NewEnv(db)
			req := tracking.SearchRequest{ExperimentIDs: []string{st.ExperimentID}, Filter: "metrics.m1 > 0.5 and params.p1 = 'x'",
				OrderBy: []string{"metrics.m2 DESC"}, MaxResults: 100}
			b.ResetTimer()
			for range b.N {
				runs, _, err := e.Tracking.SearchRuns(e.Ctx, req)
				if err != nil || len(runs) != 100 {
					b.Fatal(len(runs), err)
				}
			}
		})
	}
}

// BenchmarkMLflowLatestVersions: get-latest-versions of a model with 10,
// 100 and 1,000 versions.
func BenchmarkMLflowLatestVersions(b *testing.B) {
	for _, backend := range benchBackends() {
		b.Run(backend, func(b *testing.B) {
			e := NewEnv(Backends()[backend](b))
			files := benchFiles(b, e)
			have := 0
			ensureModel(b, e, "latest")
			for _, n := range []int{10, 100, 1000} {
				for ; have < n; have++ {
					if _, err := e.Registry.CreateVersion(e.Ctx, "latest", registry.VersionCreate{Files: files[:2]}); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(fmt.Sprintf("versions-%d", n), func(b *testing.B) {
					for range b.N {
						vs, err := e.Registry.LatestVersions(e.Ctx, "latest", nil)
						if err != nil || len(vs) != 1 {
							b.Fatal(len(vs), err)
						}
					}
				})
			}
		})
	}
}
