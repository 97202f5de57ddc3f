package postgres_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

func TestUpgrade(t *testing.T) { storetest.RunUpgrade(t, storetest.PostgresUpgrader) }

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
