// Package storetest is the contract every metadata backend must pass. Each
// backend's tests call Run with a constructor; the same cases run against
// SQLite and PostgreSQL through the domain services, so a rule holds on both.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/sqlite"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// PostgresDSN is the server tests use; STEWARD_TEST_POSTGRES overrides it.
func PostgresDSN() string {
	if v := os.Getenv("STEWARD_TEST_POSTGRES"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// OpenSQLite opens a fresh SQLite database in a temporary directory.
func OpenSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgres opens a fresh schema on the test PostgreSQL server and drops
// it afterwards. Without a reachable server the test is skipped locally but
// fails when CI=true: the PostgreSQL run is mandatory in CI.
func OpenPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	schema := NewSchema(t)
	db, err := postgres.Open(context.Background(), PostgresDSN(), map[string]string{"search_path": schema}, nil)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewSchema creates an empty schema for one test and drops it at cleanup.
func NewSchema(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := postgres.OpenRaw(ctx, PostgresDSN())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set STEWARD_TEST_POSTGRES): %v", PostgresDSN(), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "steward_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	return schema
}

// Backends lists the constructors every contract case runs against.
func Backends() map[string]func(testing.TB) *sqlstore.DB {
	return map[string]func(testing.TB) *sqlstore.DB{"sqlite": OpenSQLite, "postgres": OpenPostgres}
}
