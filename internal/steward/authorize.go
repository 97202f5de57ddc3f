package steward

import (
	"context"
	"slices"
)

// Permission is one thing a principal may be allowed to do. The policy table
// (package auth) maps roles to permissions; every route and every service
// method names the permission it needs.
type Permission string

const (
	PermModelRead     Permission = "model.read"     // see models, versions, files, aliases
	PermModelCreate   Permission = "model.create"   // register new models
	PermModelWrite    Permission = "model.write"    // edit models, add versions, tags
	PermModelStage    Permission = "model.stage"    // move stages and aliases (promotion)
	PermModelValidate Permission = "model.validate" // sign off validation reviews
	PermModelManage   Permission = "model.manage"   // delete, rename, transfer, grant access

	PermExperimentRead  Permission = "experiment.read"  // experiments, runs, metrics, run artifacts
	PermExperimentWrite Permission = "experiment.write" // create and change experiments and runs

	PermArtifactRead  Permission = "artifact.read"  // raw blobs by digest
	PermArtifactWrite Permission = "artifact.write" // upload blobs

	PermProjectRead   Permission = "project.read"
	PermProjectManage Permission = "project.manage"

	PermWorkspaceRead   Permission = "workspace.read"
	PermWorkspaceManage Permission = "workspace.manage"

	PermLineageRead  Permission = "lineage.read"  // datasets, the lineage graph, traces and impact queries
	PermLineageWrite Permission = "lineage.write" // register datasets, add nodes and edges, ingest OpenLineage, report deployments and prediction batches

	PermAuditRead      Permission = "audit.read"      // the event log
	PermIdentityManage Permission = "identity.manage" // users, groups, role bindings, other people's tokens

	// PermAuthenticated is what any signed-in principal may do: read who they
	// are, manage their own tokens, log out.
	PermAuthenticated Permission = "authenticated"
	// PermPublic marks routes anyone may call (health, login, the OpenAPI
	// document). Only the route table uses it.
	PermPublic Permission = "public"
)

// Level is the token scope a permission needs. A token created with scope
// "read" can exercise only read-level permissions of its owner, whatever
// roles the owner has.
type Level int

const (
	LevelRead Level = iota + 1
	LevelWrite
	LevelAdmin
)

// ParseLevel reads a scope name.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "read":
		return LevelRead, nil
	case "write":
		return LevelWrite, nil
	case "admin":
		return LevelAdmin, nil
	}
	return 0, Errorf(CodeInvalid, "scope %q is not one of read, write, admin", s).WithDetail("field", "scope")
}

func (l Level) String() string {
	switch l {
	case LevelRead:
		return "read"
	case LevelWrite:
		return "write"
	case LevelAdmin:
		return "admin"
	}
	return "none"
}

// Resource names what an action is about, for authorization decisions.
type Resource struct {
	Type      string // "model", "experiment", "run", "project", "workspace", "blob", "events"
	Name      string // model or project name, run or experiment id; empty for "any" (lists, creates)
	Workspace string
	// Missing is the not-found message the caller gives for this object. A
	// principal who may not even read the object gets exactly this error, so
	// a hidden object cannot be told from a missing one.
	Missing string
}

// Authorizer decides whether the principal in ctx has perm on res. Every
// domain service calls it before reading or writing, so access control is
// enforced once, below every surface (native API, MLflow API, web UI). It
// returns an *Error: CodeUnauthenticated, CodePermissionDenied, or
// CodeNotFound (with res.Missing) when the principal may not see res.
type Authorizer interface {
	Authorize(ctx context.Context, perm Permission, res Resource) error
	// Visible narrows a list of models to what the principal may read. It
	// returns ctx carrying the restriction, which the store applies in SQL
	// (so pages are cut after filtering), or an error when the principal may
	// read none.
	Visible(ctx context.Context, perm Permission) (context.Context, error)
}

// AllowAll is the authorizer of tests and tools that act as the system: it
// allows everything to any principal present in ctx.
type AllowAll struct{}

func (AllowAll) Authorize(ctx context.Context, perm Permission, res Resource) error {
	if _, ok := PrincipalFrom(ctx); !ok {
		return Errorf(CodeUnauthenticated, "no principal in request context")
	}
	return nil
}

func (a AllowAll) Visible(ctx context.Context, perm Permission) (context.Context, error) {
	return ctx, a.Authorize(ctx, perm, Resource{})
}

// Visibility restricts model lists: a model is visible when its name is in
// Models, its project in Projects, or its owner is Owner. A nil *Visibility
// in ctx means unrestricted.
type Visibility struct {
	Models   []string
	Projects []string
	Owner    string
}

type visibilityKey struct{}

// WithVisibility returns ctx restricted to v.
func WithVisibility(ctx context.Context, v *Visibility) context.Context {
	return context.WithValue(ctx, visibilityKey{}, v)
}

// VisibilityFrom returns the model restriction of ctx, nil if unrestricted.
func VisibilityFrom(ctx context.Context) *Visibility {
	v, _ := ctx.Value(visibilityKey{}).(*Visibility)
	return v
}

// SeesModel reports whether v lets a model through (used by code that filters
// single objects rather than SQL pages).
func (v *Visibility) SeesModel(name, project, owner string) bool {
	return v == nil || slices.Contains(v.Models, name) || (project != "" && slices.Contains(v.Projects, project)) ||
		(v.Owner != "" && v.Owner == owner)
}
