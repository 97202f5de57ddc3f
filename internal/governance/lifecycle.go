package governance

import (
	"context"
	"fmt"

	"github.com/steward-registry/steward/internal/registry"
)

// Moving implements registry.Lifecycle: every stage and alias move, from any
// surface, passes the gates of the model's risk tier and is kept in the
// history with the approval it used, in the move's transaction.
func (s *Service) Moving(ctx context.Context, rr registry.Repo, m *registry.Move) error {
	r, ok := rr.(Repo)
	if !ok {
		return fmt.Errorf("governance: transaction %T does not implement governance.Repo", rr)
	}
	return s.moving(ctx, r, m)
}

// moving records the move in the history. (Gates: being built.)
func (s *Service) moving(ctx context.Context, r Repo, m *registry.Move) error {
	lm := &LifecycleMove{ModelID: m.Model.ID, ModelName: m.Model.Name, Kind: m.Kind, Target: m.Target, From: m.From,
		Actor: actor(ctx), Reason: m.Reason, At: s.millis()}
	if !m.Removed {
		v := m.Version.Version
		lm.Version, lm.VersionID = &v, m.Version.ID
	}
	return r.AddMove(ctx, lm)
}

type reuseKey struct{}

// WithReusedApproval returns ctx for a move that stands on an approval that
// was already applied once, e.g. a rollback returning Production to the
// version it approved: the approvals gate accepts request id if it approved
// this same version and target and the version's artifacts still have the
// digest it was bound to. Every other gate is evaluated as usual.
func WithReusedApproval(ctx context.Context, requestID string) context.Context {
	return context.WithValue(ctx, reuseKey{}, requestID)
}

func reusedApproval(ctx context.Context) string {
	id, _ := ctx.Value(reuseKey{}).(string)
	return id
}
