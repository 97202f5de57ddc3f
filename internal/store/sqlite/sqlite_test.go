package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/steward-registry/steward/internal/store/sqlite"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestContract(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

func TestUpgrade(t *testing.T) { storetest.RunUpgrade(t, storetest.SQLiteUpgrader) }

// TestAuditReplicas opens one SQLite file several times, as several
// processes would.
func TestAuditReplicas(t *testing.T) {
	storetest.RunAuditReplicas(t, func(t *testing.T, n int) []*sqlstore.DB {
		path := filepath.Join(t.TempDir(), "steward.db")
		var dbs []*sqlstore.DB
		for range n {
			db, err := sqlite.Open(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		return dbs
	})
}
