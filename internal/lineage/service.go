package lineage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Service is the only way to change lineage data. Each method authorizes the
// principal in ctx, validates, and writes the change with its domain event
// in one transaction.
type Service struct {
	store Store
	authz steward.Authorizer
	now   steward.Clock
	olq   olQueue // single OpenLineage events arriving together
}

// NewService returns a lineage service. authz and now may be nil (allow
// all, time.Now).
func NewService(store Store, authz steward.Authorizer, now steward.Clock) *Service {
	if now == nil {
		now = time.Now
	}
	if authz == nil {
		authz = steward.AllowAll{}
	}
	return &Service{store: store, authz: authz, now: now}
}

// allowGraph checks a lineage permission on the workspace's graph.
func (s *Service) allowGraph(ctx context.Context, perm steward.Permission) error {
	return s.authz.Authorize(ctx, perm, steward.Resource{Type: "lineage", Workspace: steward.WorkspaceFrom(ctx)})
}

// allowRun checks perm on a run; a caller who may not read it gets the
// not-found error of a missing run.
func (s *Service) allowRun(ctx context.Context, perm steward.Permission, runID string) error {
	return s.authz.Authorize(ctx, perm, steward.Resource{Type: "run", Name: runID, Workspace: steward.WorkspaceFrom(ctx),
		Missing: fmt.Sprintf("run %q does not exist", runID)})
}

func (s *Service) emit(ctx context.Context, r Repo, action, typ, id string, before, after any) error {
	e, err := events.New(ctx, s.now(), action, typ, id, before, after)
	if err != nil {
		return err
	}
	return r.AppendEvent(ctx, e)
}

func (s *Service) millis() int64 { return steward.Millis(s.now()) }

// mustJSON marshals values that cannot fail to marshal (maps of plain
// values); a failure is a programming error.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("lineage: marshal %T: %v", v, err))
	}
	return b
}
