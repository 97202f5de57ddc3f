package registry

import "context"

// Move is a stage or alias change, described to the lifecycle hook inside
// the change's transaction before it is written.
type Move struct {
	Model   *Model
	Version *Version // the version moved; for an alias removal, the one it pointed at
	Kind    string   // "stage" or "alias"
	Target  string   // the stage moved to, or the alias name
	// From is the version's previous stage, or the version number the
	// alias pointed at before ("" when it pointed nowhere).
	From string
	// Removed is true when the alias is being deleted.
	Removed bool
	// Cascade is true for a side effect of another move (archive_existing):
	// recorded, not gated on its own.
	Cascade bool
	// Reason is the caller's reason (WithReason), "" if none was given.
	Reason string
}

// Lifecycle is told of every stage and alias move, whatever the surface
// (native API, MLflow API, CLI), inside the move's transaction: an error
// refuses the move and nothing is written. Governance implements it (gates,
// approvals, history).
type Lifecycle interface {
	Moving(ctx context.Context, r Repo, m *Move) error
}

// SetLifecycle installs the lifecycle hook. It is called once while the
// server is wired, before any request is served.
func (s *Service) SetLifecycle(l Lifecycle) { s.lifecycle = l }

type reasonKey struct{}

// WithReason returns ctx carrying why the caller moves a stage or alias; the
// history keeps it.
func WithReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, reasonKey{}, reason)
}

func reasonFrom(ctx context.Context) string {
	r, _ := ctx.Value(reasonKey{}).(string)
	return r
}

// moving tells the hook of a move (a no-op without one).
func (s *Service) moving(ctx context.Context, r Repo, m *Move) error {
	if s.lifecycle == nil {
		return nil
	}
	m.Reason = reasonFrom(ctx)
	return s.lifecycle.Moving(ctx, r, m)
}
