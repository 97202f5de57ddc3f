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

// Repo is governance storage inside a write transaction. It is the same
// transaction the registry writes through (so a move, its gates and its
// history commit together), and it reads runs and lineage for the gates and
// card auto-fill.
type Repo interface {
	registry.Repo
	tracking.Reader
	lineage.Reader
	Reader
	ProfileWriter
	CardWriter
	ValidationWriter
	GateWriter
	HistoryWriter
	DeploymentWriter
}

// Store runs governance reads and write transactions.
type Store interface {
	Reader
	// Update runs fn in one transaction; if fn returns an error nothing it
	// wrote is kept. A nil return means committed and durable.
	Update(ctx context.Context, fn func(Repo) error) error
}
