package steward

import "context"

// Resource names what an action is about, for authorization decisions.
type Resource struct {
	Type      string // "model", "model_version", "experiment", "run", "project", "workspace", "blob"
	ID        string
	Name      string
	Workspace string
}

// Authorizer decides whether the principal in ctx may perform action on res.
// Every domain service calls it before reading or writing, so access control
// is enforced once, below every surface (native API, MLflow API, web UI).
// It returns an *Error with CodePermissionDenied or CodeUnauthenticated.
type Authorizer interface {
	Authorize(ctx context.Context, action string, res Resource) error
}

// AllowAll is the authorizer of local single-user mode: it allows everything
// to an authenticated principal. The access-control layer replaces it.
type AllowAll struct{}

func (AllowAll) Authorize(ctx context.Context, action string, res Resource) error {
	if _, ok := PrincipalFrom(ctx); !ok {
		return Errorf(CodeUnauthenticated, "no principal in request context")
	}
	return nil
}
