package governance

import "context"

// GateReader reads gate policies and approval requests.
type GateReader interface {
	// GetPolicy returns the stored policy of a risk tier (CodeNotFound when
	// none is stored: the built-in default applies).
	GetPolicy(ctx context.Context, tier RiskTier) (*Policy, error)
	ListPolicies(ctx context.Context) ([]*Policy, error)
	GetRequest(ctx context.Context, id string) (*Request, error)
	// ListRequests lists requests of the workspace, newest first; empty
	// filter fields match all.
	ListRequests(ctx context.Context, f RequestFilter) ([]*Request, error)
	// VersionAuthors returns who authored a model version: its creator,
	// the creator (and MLflow user) of its source run, and the editors of
	// the model's cards.
	VersionAuthors(ctx context.Context, versionID string) ([]string, error)
}

// RequestFilter selects approval requests.
type RequestFilter struct {
	ModelID   string
	VersionID string
	Kind      string
	Target    string
	Status    string
	Limit     int
}

// GateWriter writes policies and requests.
type GateWriter interface {
	PutPolicy(ctx context.Context, p *Policy, prevRevision int64) error
	CreateRequest(ctx context.Context, r *Request) error
	// UpdateRequest writes status, updated_at, applied_at; sets Revision.
	UpdateRequest(ctx context.Context, r *Request, prevRevision int64) error
	AddDecision(ctx context.Context, requestID string, d *Decision) error
}
