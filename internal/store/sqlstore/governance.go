package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/governance"
)

// Governance returns the governance domain's view of the database.
func (db *DB) Governance() governance.Store { return governanceStore{db} }

type governanceStore struct{ *DB }

func (s governanceStore) Update(ctx context.Context, fn func(governance.Repo) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

var _ governance.Repo = (*Tx)(nil)
