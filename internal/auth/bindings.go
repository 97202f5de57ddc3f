package auth

import (
	"context"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// BindingCreate is the input of CreateBinding.
type BindingCreate struct {
	Subject   string `json:"subject"` // user:<id> or group:<name>
	Role      string `json:"role"`
	ScopeKind string `json:"scope"`     // global, workspace, project, model
	Workspace string `json:"workspace"` // default: the request's workspace (ignored for global)
	ScopeName string `json:"name"`      // project or model name
}

func validateSubject(sub string) error {
	kind, name, ok := strings.Cut(sub, ":")
	if !ok || (kind != "user" && kind != "group") {
		return steward.Errorf(steward.CodeInvalid, "subject %q must be user:<id> or group:<name>", sub).WithDetail("field", "subject")
	}
	return steward.ValidateName("subject", name)
}

func (s *Service) newBinding(ctx context.Context, in BindingCreate) (*Binding, error) {
	if err := validateSubject(in.Subject); err != nil {
		return nil, err
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		return nil, err
	}
	b := &Binding{ID: steward.NewID(), Subject: in.Subject, Role: role, ScopeKind: in.ScopeKind, CreatedAt: s.millis()}
	p, _ := steward.PrincipalFrom(ctx)
	b.CreatedBy = p.ID
	switch in.ScopeKind {
	case ScopeGlobal:
		if in.Workspace != "" || in.ScopeName != "" {
			return nil, steward.Errorf(steward.CodeInvalid, "a global binding has no workspace or name").WithDetail("field", "scope")
		}
	case ScopeWorkspace, ScopeProject, ScopeModel:
		b.Workspace = in.Workspace
		if b.Workspace == "" {
			b.Workspace = steward.WorkspaceFrom(ctx)
		}
		if err := steward.ValidateWorkspaceName(b.Workspace); err != nil {
			return nil, err
		}
		if in.ScopeKind == ScopeWorkspace {
			if in.ScopeName != "" {
				return nil, steward.Errorf(steward.CodeInvalid, "a workspace binding has no name").WithDetail("field", "name")
			}
			break
		}
		if err := steward.ValidateName("name", in.ScopeName); err != nil {
			return nil, err
		}
		b.ScopeName = in.ScopeName
	default:
		return nil, steward.Errorf(steward.CodeInvalid, "scope %q is not one of global, workspace, project, model", in.ScopeKind).WithDetail("field", "scope")
	}
	return b, nil
}

// CreateBinding binds a role (identity.manage). Model owners use GrantModel.
func (s *Service) CreateBinding(ctx context.Context, in BindingCreate) (*Binding, error) {
	b, err := s.newBinding(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return nil, err
	}
	return b, s.update(ctx, func(r Repo) error {
		if err := r.CreateBinding(ctx, b); err != nil {
			return err
		}
		return s.emit(ctx, r, "binding.create", "binding", b.ID, nil, b)
	})
}

// DeleteBinding removes a binding by id (identity.manage).
func (s *Service) DeleteBinding(ctx context.Context, id string) error {
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return err
	}
	return s.deleteBinding(ctx, id, nil)
}

func (s *Service) deleteBinding(ctx context.Context, id string, check func(*Binding) error) error {
	return s.update(ctx, func(r Repo) error {
		bs, err := r.ListBindings(ctx, BindingFilter{})
		if err != nil {
			return err
		}
		for _, b := range bs {
			if b.ID != id {
				continue
			}
			if check != nil {
				if err := check(b); err != nil {
					return err
				}
			}
			if err := r.DeleteBinding(ctx, id); err != nil {
				return err
			}
			return s.emit(ctx, r, "binding.delete", "binding", id, b, nil)
		}
		return steward.Errorf(steward.CodeNotFound, "binding %q does not exist", id)
	})
}

// ListBindings lists bindings (identity.manage).
func (s *Service) ListBindings(ctx context.Context, f BindingFilter) ([]*Binding, error) {
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return nil, err
	}
	return s.store.ListBindings(ctx, f)
}

// Grant is a model grant as its owner sees it.
type Grant struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Access  string `json:"access"` // read, write, manage
	Role    Role   `json:"role"`
}

func modelMissing(name string) string { return "registered model \"" + name + "\" does not exist" }

// GrantModel gives subject read, write or manage access to one model; the
// caller needs model.manage on it (its owner, or an admin).
func (s *Service) GrantModel(ctx context.Context, model, subject, access string) (*Grant, error) {
	role, err := RoleFor(access)
	if err != nil {
		return nil, err
	}
	b, err := s.newBinding(ctx, BindingCreate{Subject: subject, Role: string(role), ScopeKind: ScopeModel, ScopeName: model})
	if err != nil {
		return nil, err
	}
	ws := steward.WorkspaceFrom(ctx)
	if err := s.Authorize(ctx, steward.PermModelManage, steward.Resource{Type: "model", Name: model, Workspace: ws, Missing: modelMissing(model)}); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(r Repo) error {
		if _, err := r.ModelInfo(ctx, model); err != nil {
			return err
		}
		if err := r.CreateBinding(ctx, b); err != nil {
			return err
		}
		return s.emit(ctx, r, "model.grant", "model", model, nil, b)
	})
	if err != nil {
		return nil, err
	}
	return &Grant{ID: b.ID, Subject: b.Subject, Access: access, Role: role}, nil
}

// ListModelGrants lists the grants on a model (model.read suffices: who may
// see a model is part of knowing it).
func (s *Service) ListModelGrants(ctx context.Context, model string) ([]*Grant, error) {
	ws := steward.WorkspaceFrom(ctx)
	if err := s.Authorize(ctx, steward.PermModelRead, steward.Resource{Type: "model", Name: model, Workspace: ws, Missing: modelMissing(model)}); err != nil {
		return nil, err
	}
	if _, err := s.store.ModelInfo(ctx, model); err != nil {
		return nil, err
	}
	bs, err := s.store.ListBindings(ctx, BindingFilter{ScopeKind: ScopeModel, Workspace: ws, ScopeName: model})
	if err != nil {
		return nil, err
	}
	out := []*Grant{}
	for _, b := range bs {
		g := &Grant{ID: b.ID, Subject: b.Subject, Role: b.Role}
		for a, r := range accessRoles {
			if r == b.Role {
				g.Access = string(a)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// RevokeModelGrant removes one grant from a model (model.manage on it).
func (s *Service) RevokeModelGrant(ctx context.Context, model, id string) error {
	ws := steward.WorkspaceFrom(ctx)
	if err := s.Authorize(ctx, steward.PermModelManage, steward.Resource{Type: "model", Name: model, Workspace: ws, Missing: modelMissing(model)}); err != nil {
		return err
	}
	return s.deleteBinding(ctx, id, func(b *Binding) error {
		if b.ScopeKind != ScopeModel || b.Workspace != ws || b.ScopeName != model {
			return steward.Errorf(steward.CodeNotFound, "model %q has no grant %q", model, id)
		}
		return nil
	})
}
