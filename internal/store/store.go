// Package store opens the metadata database named by a DSN: a SQLite file
// path (the zero-configuration default) or a postgres:// URL.
package store

import (
	"context"
	"log/slog"
	"strings"

	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/sqlite"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database and applies pending migrations.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*sqlstore.DB, error) {
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn, nil, log)
	}
	return sqlite.Open(ctx, dsn, log)
}

// OpenReadOnly opens the database for reading only, without migrating.
func OpenReadOnly(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	if IsPostgres(dsn) {
		return postgres.OpenReadOnly(ctx, dsn)
	}
	return sqlite.OpenReadOnly(ctx, dsn)
}
