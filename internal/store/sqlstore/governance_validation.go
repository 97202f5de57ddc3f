package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/governance"
)

// Placeholder until the validation slice lands.

func (c conn) ValidationStateOf(ctx context.Context, versionID, digest string) (*governance.ValidationState, error) {
	return &governance.ValidationState{}, nil
}
