// Package governance is Steward's model-risk layer over the registry: the
// inventory facts of each model, model cards, independent validation, gate
// policies and approval requests that guard stage and alias moves, the
// history of every move (time travel), and deployments with rollback.
//
// It knows no SQL and no HTTP. Its Service writes through the same store
// transactions as the registry, so a move, the approval it consumes and the
// history row it leaves commit together with their audit events.
package governance

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// Service is the only way to change governance data. Each method authorizes
// the principal in ctx, validates, and writes the change with its domain
// event in one transaction.
type Service struct {
	store    Store
	registry *registry.Service
	authz    steward.Authorizer
	now      steward.Clock
}

// NewService returns a governance service. authz and now may be nil (allow
// all, time.Now). It installs itself as the registry's lifecycle hook, so
// every stage and alias move, from any surface, passes its gates and is
// kept in the history.
func NewService(store Store, reg *registry.Service, authz steward.Authorizer, now steward.Clock) *Service {
	if now == nil {
		now = time.Now
	}
	if authz == nil {
		authz = steward.AllowAll{}
	}
	s := &Service{store: store, registry: reg, authz: authz, now: now}
	if reg != nil {
		reg.SetLifecycle(s)
	}
	return s
}

func (s *Service) millis() int64 { return steward.Millis(s.now()) }

// allowModel checks perm on a model; a caller who may not read it gets the
// not-found error of a missing model.
func (s *Service) allowModel(ctx context.Context, perm steward.Permission, model string) error {
	return s.authz.Authorize(ctx, perm, steward.Resource{Type: "model", Name: model, Workspace: steward.WorkspaceFrom(ctx),
		Missing: fmt.Sprintf("registered model %q does not exist", model)})
}

// allowWorkspace checks perm on the workspace of ctx (lists, policies).
func (s *Service) allowWorkspace(ctx context.Context, perm steward.Permission, typ string) error {
	return s.authz.Authorize(ctx, perm, steward.Resource{Type: typ, Workspace: steward.WorkspaceFrom(ctx)})
}

// emit appends the event for a change inside the transaction of the change.
func (s *Service) emit(ctx context.Context, r events.Appender, action, typ, id string, before, after any) error {
	e, err := events.New(ctx, s.now(), action, typ, id, before, after)
	if err != nil {
		return err
	}
	return r.AppendEvent(ctx, e)
}

// actor is the id of the principal in ctx.
func actor(ctx context.Context) string {
	p, _ := steward.PrincipalFrom(ctx)
	return p.ID
}
