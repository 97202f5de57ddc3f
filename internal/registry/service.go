package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Service is the only way to change the registry. Each method authorizes the
// principal in ctx, validates, and writes the change with its domain event in
// one transaction.
type Service struct {
	store     Store
	authz     steward.Authorizer
	now       steward.Clock
	lifecycle Lifecycle
}

// NewService returns a registry service. now may be nil (time.Now).
func NewService(store Store, authz steward.Authorizer, now steward.Clock) *Service {
	if now == nil {
		now = time.Now
	}
	if authz == nil {
		authz = steward.AllowAll{}
	}
	return &Service{store: store, authz: authz, now: now}
}

// allow checks perm on an object of typ in the workspace of ctx (name ""
// means "any": lists and creates). missing is the not-found message for the
// object, returned when the caller may not see it.
func (s *Service) allow(ctx context.Context, perm steward.Permission, typ, name, missing string) error {
	return s.authz.Authorize(ctx, perm, steward.Resource{Type: typ, Name: name, Workspace: steward.WorkspaceFrom(ctx), Missing: missing})
}

func (s *Service) allowModel(ctx context.Context, perm steward.Permission, name string) error {
	return s.allow(ctx, perm, "model", name, fmt.Sprintf("registered model %q does not exist", name))
}

func (s *Service) allowVersion(ctx context.Context, perm steward.Permission, model string, version int64) error {
	return s.allow(ctx, perm, "model", model, fmt.Sprintf("version %d of registered model %q does not exist", version, model))
}

// forgetModel tells an authorizer that caches facts about models (owner,
// project) that a model changed, so the change takes effect at once.
func (s *Service) forgetModel(ctx context.Context, name string) {
	if f, ok := s.authz.(interface{ ForgetModel(ws, name string) }); ok {
		f.ForgetModel(steward.WorkspaceFrom(ctx), name)
	}
}

// emit appends the event for a change inside the transaction of the change.
func (s *Service) emit(ctx context.Context, r Repo, action, typ, id string, before, after any) error {
	e, err := events.New(ctx, s.now(), action, typ, id, before, after)
	if err != nil {
		return err
	}
	return r.AppendEvent(ctx, e)
}

func (s *Service) millis() int64 { return steward.Millis(s.now()) }

// checkRevision enforces If-Match: want 0 means "don't care".
func checkRevision(what string, have, want int64) error {
	if want != 0 && want != have {
		return steward.Errorf(steward.CodePreconditionFailed,
			"%s was changed since you read it (now at revision %d, you sent %d): read it again and retry", what, have, want).
			WithDetail("revision", have)
	}
	return nil
}

// --- workspaces ---

// CreateWorkspace creates a tenant.
func (s *Service) CreateWorkspace(ctx context.Context, name, description string) (*Workspace, error) {
	if err := steward.ValidateWorkspaceName(name); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("description", description, MaxDescription); err != nil {
		return nil, err
	}
	if err := s.authz.Authorize(ctx, steward.PermWorkspaceManage, steward.Resource{Type: "workspace", Name: name, Workspace: name}); err != nil {
		return nil, err
	}
	w := &Workspace{Name: name, Description: description, CreatedAt: s.millis()}
	err := s.store.Update(steward.WithWorkspace(ctx, name), func(r Repo) error {
		if err := r.CreateWorkspace(ctx, w); err != nil {
			return err
		}
		return s.emit(steward.WithWorkspace(ctx, name), r, "workspace.create", "workspace", name, nil, w)
	})
	return w, err
}

// GetWorkspace returns a workspace by name.
func (s *Service) GetWorkspace(ctx context.Context, name string) (*Workspace, error) {
	if err := s.authz.Authorize(ctx, steward.PermWorkspaceRead, steward.Resource{Type: "workspace", Name: name, Workspace: name, Missing: fmt.Sprintf("workspace %q does not exist", name)}); err != nil {
		return nil, err
	}
	return s.store.GetWorkspace(ctx, name)
}

// ListWorkspaces lists all workspaces the caller can see.
func (s *Service) ListWorkspaces(ctx context.Context) ([]*Workspace, error) {
	all, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, w := range all {
		if s.authz.Authorize(steward.WithWorkspace(ctx, w.Name), steward.PermWorkspaceRead, steward.Resource{Type: "workspace", Name: w.Name, Workspace: w.Name}) == nil {
			out = append(out, w)
		}
	}
	return out, nil
}

// --- projects ---

// CreateProject creates a project in the workspace of ctx.
func (s *Service) CreateProject(ctx context.Context, name, description string) (*Project, error) {
	if err := steward.ValidateName("project name", name); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("description", description, MaxDescription); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, steward.PermProjectManage, "project", name, fmt.Sprintf("project %q does not exist", name)); err != nil {
		return nil, err
	}
	now := s.millis()
	p := &Project{ID: steward.NewID(), Workspace: steward.WorkspaceFrom(ctx), Name: name, Description: description, CreatedAt: now, UpdatedAt: now, Revision: 1}
	err := s.store.Update(ctx, func(r Repo) error {
		if err := r.CreateProject(ctx, p); err != nil {
			return err
		}
		return s.emit(ctx, r, "project.create", "project", p.ID, nil, p)
	})
	return p, err
}

// GetProject returns a project by name.
func (s *Service) GetProject(ctx context.Context, name string) (*Project, error) {
	if err := s.allow(ctx, steward.PermProjectRead, "project", name, fmt.Sprintf("project %q does not exist", name)); err != nil {
		return nil, err
	}
	return s.store.GetProject(ctx, name)
}

// ListProjects lists the workspace's projects by name.
func (s *Service) ListProjects(ctx context.Context, page steward.PageRequest) ([]*Project, string, error) {
	ctx, err := s.authz.Visible(ctx, steward.PermProjectRead)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListProjects(ctx, page)
}

// UpdateProject changes a project's description (and name when newName != nil).
func (s *Service) UpdateProject(ctx context.Context, name string, newName, description *string, ifRevision int64) (*Project, error) {
	if err := s.allow(ctx, steward.PermProjectManage, "project", name, fmt.Sprintf("project %q does not exist", name)); err != nil {
		return nil, err
	}
	var out *Project
	err := s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetProject(ctx, name)
		if err != nil {
			return err
		}
		if err := checkRevision("project "+name, cur.Revision, ifRevision); err != nil {
			return err
		}
		next := *cur
		if newName != nil {
			if err := steward.ValidateName("project name", *newName); err != nil {
				return err
			}
			next.Name = *newName
		}
		if description != nil {
			if err := steward.ValidateValue("description", *description, MaxDescription); err != nil {
				return err
			}
			next.Description = *description
		}
		next.UpdatedAt = s.millis()
		if err := r.UpdateProject(ctx, &next, cur.Revision); err != nil {
			return err
		}
		out = &next
		return s.emit(ctx, r, "project.update", "project", cur.ID, cur, &next)
	})
	return out, err
}

// DeleteProject deletes an empty-or-not project; its models stay, ungrouped.
func (s *Service) DeleteProject(ctx context.Context, name string, ifRevision int64) error {
	if err := s.allow(ctx, steward.PermProjectManage, "project", name, fmt.Sprintf("project %q does not exist", name)); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetProject(ctx, name)
		if err != nil {
			return err
		}
		if err := checkRevision("project "+name, cur.Revision, ifRevision); err != nil {
			return err
		}
		if err := r.DeleteProject(ctx, cur.ID); err != nil {
			return err
		}
		return s.emit(ctx, r, "project.delete", "project", cur.ID, cur, nil)
	})
}

// CanReadEvents checks the caller may read the workspace's event history.
func (s *Service) CanReadEvents(ctx context.Context) error {
	return s.allow(ctx, steward.PermAuditRead, "events", "", "")
}
