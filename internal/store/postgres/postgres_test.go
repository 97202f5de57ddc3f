package postgres_test

import (
	"context"
	"testing"

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
