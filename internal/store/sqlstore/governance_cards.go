package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// Placeholder until the cards slice lands.

func (c conn) ApprovedCard(ctx context.Context, modelID string) (*governance.Card, error) {
	return nil, steward.Errorf(steward.CodeNotFound, "the model has no approved card")
}

func (c conn) CardEditors(ctx context.Context, modelID string) ([]string, error) { return nil, nil }
