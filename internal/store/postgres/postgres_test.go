package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

func TestUpgrade(t *testing.T) { storetest.RunUpgrade(t, storetest.PostgresUpgrader) }

func TestAuditReplicas(t *testing.T) {
	storetest.RunAuditReplicas(t, func(t *testing.T, n int) []*sqlstore.DB {
		schema := storetest.NewSchema(t)
		var dbs []*sqlstore.DB
		for range n {
			db, err := postgres.Open(context.Background(), storetest.PostgresDSN(), map[string]string{"search_path": schema}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		return dbs
	})
}

// TestOpenReadOnly: `steward audit verify --db postgres://...` reads without
// migrating and cannot write.
func TestOpenReadOnly(t *testing.T) {
	schema := storetest.NewSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, storetest.PostgresDSN(), map[string]string{"search_path": schema}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := storetest.NewEnv(db)
	if _, err := env.Registry.CreateWorkspace(env.Ctx, "team-a", ""); err != nil {
		t.Fatal(err)
	}
	// Events commit unsealed on PostgreSQL; seal now rather than race the
	// background sealer, so the read-only verify sees the event chained.
	if err := db.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	ro, err := postgres.OpenReadOnly(ctx, storetest.PostgresDSN()+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	r, err := audit.VerifyLog(ctx, ro, nil, nil)
	if err != nil || !r.OK || r.Events != 1 {
		t.Fatalf("verify read-only: %+v %v", r, err)
	}
	if _, err := ro.Write.ExecContext(ctx, `DELETE FROM audit_checkpoints`); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write through the read-only connection: %v", err)
	}
}

// TestNoParallelPlans: connections plan without parallel workers unless the
// DSN asks for them.
func TestNoParallelPlans(t *testing.T) {
	ctx := context.Background()
	schema := storetest.NewSchema(t)
	u, err := url.Parse(storetest.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("max_parallel_workers_per_gather", "2")
	u.RawQuery = q.Encode()
	for dsn, want := range map[string]string{
		storetest.PostgresDSN(): "0",
		u.String():              "2",
	} {
		db, err := postgres.Open(ctx, dsn, map[string]string{"search_path": schema}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.Read.QueryRowContext(ctx, `SHOW max_parallel_workers_per_gather`).Scan(&got)
		db.Close()
		if err != nil || got != want {
			t.Errorf("%s: max_parallel_workers_per_gather = %q (%v), want %q", dsn, got, err, want)
		}
	}
}
