package governance

import "context"

// HistoryReader reads the stage and alias moves of a model.
type HistoryReader interface {
	// ListMoves returns the model's moves with at <= until (all when until
	// is 0), oldest first (by at, then seq).
	ListMoves(ctx context.Context, modelID string, until int64) ([]*LifecycleMove, error)
}

// HistoryWriter appends a move; moves are never updated or deleted.
type HistoryWriter interface {
	// AddMove inserts m and sets m.Seq.
	AddMove(ctx context.Context, m *LifecycleMove) error
}
