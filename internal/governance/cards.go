package governance

import "context"

// CardReader reads model cards.
type CardReader interface {
	// ApprovedCard returns the newest approved card of the model (id),
	// CodeNotFound when there is none.
	ApprovedCard(ctx context.Context, modelID string) (*Card, error)
	// CardEditors returns every principal who wrote to any card version of
	// the model: authors of the model for the independence rule.
	CardEditors(ctx context.Context, modelID string) ([]string, error)
}

// CardWriter writes model cards.
type CardWriter interface{}
