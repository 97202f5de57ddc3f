package governance

import (
	"context"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/tracking"
)

// Reader is governance's read side. Every method is scoped to the workspace
// in ctx and returns an *steward.Error with CodeNotFound for a missing
// object. Each part is declared next to the code that uses it.
type Reader interface {
	ProfileReader
	CardReader
	ValidationReader
	GateReader
	HistoryReader
	DeploymentReader
}

// View is everything the gates and card auto-fill read: governance data,
// the registry (versions), tracking (a version's source run, its metrics)
// and lineage. A dry run reads it outside any transaction.
type View interface {
	registry.Reader
	tracking.Reader
	lineage.Reader
	Reader
}

// Repo is governance storage inside a write transaction. It is the same
// transaction the registry writes through (so a move, its gates and its
// history commit together).
type Repo interface {
	registry.Repo
	View
	ProfileWriter
	CardWriter
	ValidationWriter
	GateWriter
	HistoryWriter
	DeploymentWriter
}

// Store runs governance reads and write transactions.
type Store interface {
	View
	// Update runs fn in one transaction; if fn returns an error nothing it
	// wrote is kept. A nil return means committed and durable.
	Update(ctx context.Context, fn func(Repo) error) error
}
