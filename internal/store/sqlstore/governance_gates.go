package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

func (c conn) GetPolicy(ctx context.Context, tier governance.RiskTier) (*governance.Policy, error) {
	return nil, steward.Errorf(steward.CodeNotFound, "no policy")
}
func (c conn) ListPolicies(ctx context.Context) ([]*governance.Policy, error) { return nil, nil }
func (c conn) GetRequest(ctx context.Context, id string) (*governance.Request, error) {
	return nil, errNotBuilt("approval requests")
}
func (c conn) ListRequests(ctx context.Context, f governance.RequestFilter) ([]*governance.Request, error) {
	return nil, nil
}
func (c conn) VersionAuthors(ctx context.Context, versionID string) ([]string, error) {
	return nil, nil
}
func (c conn) PutPolicy(ctx context.Context, p *governance.Policy, prevRevision int64) error {
	return errNotBuilt("gate policies")
}
func (c conn) CreateRequest(ctx context.Context, r *governance.Request) error {
	return errNotBuilt("approval requests")
}
func (c conn) UpdateRequest(ctx context.Context, r *governance.Request, prevRevision int64) error {
	return errNotBuilt("approval requests")
}
func (c conn) AddDecision(ctx context.Context, requestID string, d *governance.Decision) error {
	return errNotBuilt("approval requests")
}

// errNotBuilt marks storage a governance slice has not implemented yet.
func errNotBuilt(what string) error {
	return steward.Errorf(steward.CodeConflict, "%s are not built yet", what)
}
