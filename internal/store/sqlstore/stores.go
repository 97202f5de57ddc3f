package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/tracking"
)

// Registry returns the registry domain's view of the database.
func (db *DB) Registry() registry.Store { return registryStore{db} }

// Tracking returns the tracking domain's view of the database.
func (db *DB) Tracking() tracking.Store { return trackingStore{db} }

// Lineage returns the lineage domain's view of the database.
func (db *DB) Lineage() lineage.Store { return lineageStore{db} }

type registryStore struct{ *DB }

func (s registryStore) Update(ctx context.Context, fn func(registry.Repo) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

type lineageStore struct{ *DB }

func (s lineageStore) Update(ctx context.Context, fn func(lineage.Repo) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

type trackingStore struct{ *DB }

func (s trackingStore) Update(ctx context.Context, fn func(tracking.Repo) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// Compile-time checks that one transaction serves every domain.
var (
	_ registry.Repo   = (*Tx)(nil)
	_ tracking.Repo   = (*Tx)(nil)
	_ lineage.Repo    = (*Tx)(nil)
	_ events.Appender = (*Tx)(nil)
)
