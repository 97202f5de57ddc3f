package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/governance"
)

// Placeholder until the inventory slice lands: every model has an empty profile.

func (c conn) GetProfile(ctx context.Context, modelID string) (*governance.Profile, error) {
	return &governance.Profile{ModelID: modelID, ValidationStatus: governance.ValidationNone}, nil
}

func (c conn) PutProfile(ctx context.Context, p *governance.Profile, prevRevision int64) error {
	return errNotBuilt("model profiles")
}
