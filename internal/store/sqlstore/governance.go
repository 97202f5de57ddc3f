package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// Governance returns the governance domain's view of the database.
func (db *DB) Governance() governance.Store { return governanceStore{db} }

type governanceStore struct{ *DB }

func (s governanceStore) Update(ctx context.Context, fn func(governance.Repo) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

var _ governance.Repo = (*Tx)(nil)

// errNotBuilt marks storage a governance slice has not implemented yet.
func errNotBuilt(what string) error {
	return steward.Errorf(steward.CodeConflict, "%s are not built yet", what)
}
