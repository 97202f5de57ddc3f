package storetest

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/audit"
)

// auditEvents is the size of the log the verification benchmark checks
// (STEWARD_BENCH_AUDIT_EVENTS overrides the default of 1,000,000).
func auditEvents() int {
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_AUDIT_EVENTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// BenchmarkAuditVerify verifies a log of auditEvents() events from the
// database, as `steward audit verify` does: every chain hash, every image
// digest, the whole Merkle tree and the stored tree's root. Seeding is
// logged (-v) and not timed.
func BenchmarkAuditVerify(b *testing.B) {
	for _, backend := range benchBackends() {
		b.Run(backend, func(b *testing.B) {
			db := Backends()[backend](b)
			ctx := context.Background()
			n := auditEvents()
			took, err := SeedAuditEvents(ctx, db, n)
			if err != nil {
				b.Fatal(err)
			}
			if backend == "postgres" {
				if _, err := db.Write.ExecContext(ctx, `ANALYZE events`); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: seeded %d chained events in %v", backend, n, took.Round(time.Millisecond))
			b.ResetTimer()
			c0 := processCPU()
			for range b.N {
				r, err := audit.VerifyLog(ctx, db, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				if !r.OK || r.Events != int64(n) {
					b.Fatalf("%+v", r)
				}
			}
			b.ReportMetric(float64((processCPU()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(n), "events")
		})
	}
}

// processCPU is the CPU time this process has used (user + system): on a
// shared machine it says more than wall time about the work done.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
