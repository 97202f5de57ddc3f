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

// moving passes a move through the gates of the model's policy, consumes
// the approval request it stands on, and records it in the history. A
// cascade (archive_existing) and an alias removal put nothing new in a
// guarded place and are recorded without gates.
func (s *Service) moving(ctx context.Context, r Repo, m *registry.Move) error {
	lm := &LifecycleMove{ModelID: m.Model.ID, ModelName: m.Model.Name, Kind: m.Kind, Target: m.Target, From: m.From,
		Actor: actor(ctx), Reason: m.Reason, At: s.millis()}
	if !m.Removed {
		v := m.Version.Version
		lm.Version, lm.VersionID = &v, m.Version.ID
	}
	if !m.Cascade && !m.Removed {
		ev, req, err := s.evaluate(ctx, r, m.Model, m.Version, m.Kind, m.Target)
		if err != nil {
			return err
		}
		if !ev.Allowed {
			return gateError(ev)
		}
		if req != nil {
			lm.ApprovalID = req.ID
			if req.Status != RequestApplied {
				before := *req
				req.Status, req.UpdatedAt = RequestApplied, lm.At
				req.AppliedAt = &lm.At
				if err := r.UpdateRequest(ctx, req, before.Revision); err != nil {
					return err
				}
				if err := s.emit(ctx, r, "approval.apply", "approval_request", req.ID, &before, req); err != nil {
					return err
				}
			}
		}
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
