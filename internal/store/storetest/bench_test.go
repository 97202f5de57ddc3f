package storetest

// Benchmarks of the registry's hot paths through the domain service, on every
// backend of Backends(). They are measurements, not pass/fail tests: run them
// with
//
//	go test -run '^$' -bench . -benchtime 3s ./internal/store/storetest/
//
// (see bench/README.md). PostgreSQL benchmarks are skipped when the server is
// not reachable (STEWARD_TEST_POSTGRES overrides the DSN).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// benchBackends returns Backends() in a stable order.
func benchBackends() []string {
	names := make([]string, 0, 2)
	for n := range Backends() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// latencies collects per-operation durations and reports percentiles as
// custom benchmark metrics next to ns/op.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(ds []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, ds...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	pct := func(p float64) float64 {
		i := int(p*float64(len(l.d))+0.5) - 1
		return float64(l.d[max(0, min(i, len(l.d)-1))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// benchFiles returns a 5-file manifest over blobs granted to the workspace.
func benchFiles(b *testing.B, e *Env) []registry.File {
	b.Helper()
	files := make([]registry.File, 5)
	for i := range files {
		content := []byte("bench blob " + strconv.Itoa(i))
		sum := sha256.Sum256(content)
		d := "sha256:" + hex.EncodeToString(sum[:])
		if err := e.Registry.AddBlob(e.Ctx, d, int64(len(content))); err != nil {
			b.Fatal(err)
		}
		files[i] = registry.File{Path: fmt.Sprintf("model/shard-%d.safetensors", i), Digest: d, Size: int64(len(content))}
	}
	return files
}

func ensureModel(b *testing.B, e *Env, name string) {
	b.Helper()
	if _, err := e.Registry.GetModel(e.Ctx, name); err == nil {
		return
	}
	if _, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: name}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCreateVersion creates versions with a 5-file manifest: one
// goroutine, then 20 goroutines (SetParallelism), each on its own model. Every
// create is one committed (fsync'd) transaction.
func BenchmarkCreateVersion(b *testing.B) {
	for _, backend := range benchBackends() {
		b.Run(backend, func(b *testing.B) {
			e := NewEnv(Backends()[backend](b))
			files := benchFiles(b, e)
			in := registry.VersionCreate{Files: files, Description: "benchmark"}

			b.Run("sequential", func(b *testing.B) {
				ensureModel(b, e, "seq")
				var lat latencies
				ds := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					t := time.Now()
					if _, err := e.Registry.CreateVersion(e.Ctx, "seq", in); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(t))
				}
				b.StopTimer()
				lat.add(ds)
				lat.report(b)
			})

			const parallelism = 10 // x GOMAXPROCS (2 here) = 20 goroutines
			goroutines := parallelism * runtime.GOMAXPROCS(0)
			b.Run(fmt.Sprintf("parallel-%d", goroutines), func(b *testing.B) {
				for k := range goroutines {
					ensureModel(b, e, "par-"+strconv.Itoa(k))
				}
				var next atomic.Int64
				var lat latencies
				b.SetParallelism(parallelism)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					model := "par-" + strconv.Itoa(int(next.Add(1)-1)%goroutines)
					var ds []time.Duration
					for pb.Next() {
						t := time.Now()
						if _, err := e.Registry.CreateVersion(e.Ctx, model, in); err != nil {
							b.Error(err)
							return
						}
						ds = append(ds, time.Since(t))
					}
					lat.add(ds)
				})
				b.StopTimer()
				lat.report(b)
			})
		})
	}
}

// listSeed is the size of the registry the list benchmarks query.
func listSeed() SeedOptions {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_MODELS")); err == nil && v > 0 {
		n = v
	}
	return SeedOptions{Models: n, VersionsEvery: 10, VersionsPer: 3, FilesPer: 2}
}

// BenchmarkList100k lists and searches models, and lists versions across
// models, in a registry of 100,000 models (and ~30,000 versions on ~1 model in
// 10). Seeding happens once per backend and is logged (-v).
func BenchmarkList100k(b *testing.B) {
	for _, backend := range benchBackends() {
		b.Run(backend, func(b *testing.B) {
			db := Backends()[backend](b)
			opts := listSeed()
			st, err := Seed(context.Background(), db, opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d models, %d versions, %d files, %d events in %v",
				backend, st.Models, st.Versions, st.Files, st.Events, st.Took.Round(time.Millisecond))
			benchLists(b, NewEnv(db), st.Models, st.Versions)
		})
	}
}

func benchLists(b *testing.B, e *Env, n, versions int) {
	// A page token ~90% of the way through the name order, reached by
	// walking pages as a client would.
	deepModels := walkTo(b, 9*n/10, func(page steward.PageRequest) (int, string, error) {
		ms, next, err := e.Registry.ListModels(e.Ctx, registry.ModelFilter{}, page)
		return len(ms), next, err
	})
	deepVersions := walkTo(b, 9*versions/10, func(page steward.PageRequest) (int, string, error) {
		vs, next, err := e.Registry.ListVersions(e.Ctx, registry.VersionFilter{}, page)
		return len(vs), next, err
	})

	type query struct {
		name string
		f    func(r *rand.Rand) registry.ModelFilter
		tok  string
	}
	modelQueries := []query{
		{"models/first-page", func(*rand.Rand) registry.ModelFilter { return registry.ModelFilter{} }, ""},
		{"models/deep-page-90pct", func(*rand.Rand) registry.ModelFilter { return registry.ModelFilter{} }, deepModels},
		{"models/prefix-10pct", func(r *rand.Rand) registry.ModelFilter {
			return registry.ModelFilter{NamePrefix: SeedTeams[r.IntN(len(SeedTeams))] + "-"}
		}, ""},
		{"models/prefix-1pct", func(r *rand.Rand) registry.ModelFilter {
			return registry.ModelFilter{NamePrefix: SeedTeams[r.IntN(len(SeedTeams))] + "-" + SeedAlgos[r.IntN(len(SeedAlgos))] + "-"}
		}, ""},
		{"models/q-substring-10pct", func(r *rand.Rand) registry.ModelFilter {
			return registry.ModelFilter{NameLike: SeedAlgos[r.IntN(len(SeedAlgos))]}
		}, ""},
		{"models/q-substring-1-match", func(r *rand.Rand) registry.ModelFilter {
			return registry.ModelFilter{NameLike: fmt.Sprintf("%06d", r.IntN(n))}
		}, ""},
	}
	for _, q := range modelQueries {
		b.Run(q.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			var lat latencies
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				ms, _, err := e.Registry.ListModels(e.Ctx, q.f(r), steward.PageRequest{Size: 50, Token: q.tok})
				if err != nil {
					b.Fatal(err)
				}
				if len(ms) == 0 {
					b.Fatal("empty page")
				}
				ds = append(ds, time.Since(t))
			}
			b.StopTimer()
			lat.add(ds)
			lat.report(b)
		})
	}
	for _, q := range []struct{ name, tok string }{{"versions/first-page", ""}, {"versions/deep-page-90pct", deepVersions}} {
		b.Run(q.name, func(b *testing.B) {
			var lat latencies
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				vs, _, err := e.Registry.ListVersions(e.Ctx, registry.VersionFilter{}, steward.PageRequest{Size: 50, Token: q.tok})
				if err != nil {
					b.Fatal(err)
				}
				if len(vs) == 0 {
					b.Fatal("empty page")
				}
				ds = append(ds, time.Since(t))
			}
			b.StopTimer()
			lat.add(ds)
			lat.report(b)
		})
	}
}

// walkTo pages (1000 rows at a time, as a client would) until at least skip
// rows were passed and returns the token continuing there.
func walkTo(b *testing.B, skip int, list func(steward.PageRequest) (int, string, error)) string {
	b.Helper()
	page := steward.PageRequest{Size: min(1000, max(1, skip/10))}
	for seen := 0; ; {
		n, next, err := list(page)
		if err != nil {
			b.Fatal(err)
		}
		seen += n
		if next == "" {
			b.Fatalf("ran out of rows after %d of %d", seen, skip)
		}
		page.Token = next
		if seen >= skip {
			return page.Token
		}
	}
}
