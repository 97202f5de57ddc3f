package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Authorize implements steward.Authorizer from the policy table and the
// principal's bindings (its own and its groups'), plus the implicit owner
// role of a model's owner.
func (s *Service) Authorize(ctx context.Context, perm steward.Permission, res steward.Resource) error {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return steward.Errorf(steward.CodeUnauthenticated, "sign in first: no credentials were presented")
	}
	if p.Superuser {
		return nil
	}
	if need := LevelOf(perm); need > p.Cap() {
		return steward.Errorf(steward.CodePermissionDenied, "this credential is limited to %s scope; %s needs %s scope", p.Cap(), perm, need)
	}
	if perm == steward.PermAuthenticated {
		return nil
	}
	bs, err := s.bindingsOf(ctx, p)
	if err != nil {
		return err
	}
	ok, err = s.allowed(ctx, p, bs, perm, res)
	if err != nil || ok {
		return err
	}
	if res.Name != "" && res.Missing != "" {
		if canSee, err := s.allowed(ctx, p, bs, readOf(perm), res); err != nil {
			return err
		} else if !canSee {
			return steward.Errorf(steward.CodeNotFound, "%s", res.Missing)
		}
	}
	what := res.Type
	if res.Name != "" {
		what += fmt.Sprintf(" %q", res.Name)
	}
	return steward.Errorf(steward.CodePermissionDenied, "%s may not %s on %s in workspace %q; ask an owner or admin for a role that includes it",
		p.ID, perm, what, res.Workspace).WithDetail("permission", string(perm))
}

// readOf is the permission that lets a principal know an object exists.
func readOf(perm steward.Permission) steward.Permission {
	switch {
	case strings.HasPrefix(string(perm), "model."):
		return steward.PermModelRead
	case strings.HasPrefix(string(perm), "project."):
		return steward.PermProjectRead
	case strings.HasPrefix(string(perm), "experiment."):
		return steward.PermExperimentRead
	case strings.HasPrefix(string(perm), "artifact."):
		return steward.PermArtifactRead
	case strings.HasPrefix(string(perm), "workspace."):
		return steward.PermWorkspaceRead
	case strings.HasPrefix(string(perm), "lineage."):
		return steward.PermLineageRead
	}
	return perm
}

// allowed decides one permission on one resource.
func (s *Service) allowed(ctx context.Context, p steward.Principal, bs []*Binding, perm steward.Permission, res steward.Resource) (bool, error) {
	var info *ModelInfo
	for _, b := range bs {
		switch b.ScopeKind {
		case ScopeGlobal:
			if b.Role.Has(perm) {
				return true, nil
			}
		case ScopeWorkspace:
			if b.Workspace == res.Workspace && b.Role.Has(perm) {
				return true, nil
			}
		}
	}
	if perm == steward.PermWorkspaceRead {
		// Anyone granted something inside a workspace may know it exists.
		for _, b := range bs {
			if b.Workspace == res.Workspace {
				return true, nil
			}
		}
		return false, nil
	}
	if !Scoped(perm) || res.Name == "" {
		return false, nil
	}
	for _, b := range bs {
		if b.Workspace != res.Workspace || !b.Role.Has(perm) {
			continue
		}
		switch {
		case b.ScopeKind == ScopeModel && res.Type == "model" && b.ScopeName == res.Name:
			return true, nil
		case b.ScopeKind == ScopeProject && res.Type == "project" && b.ScopeName == res.Name:
			return true, nil
		case b.ScopeKind == ScopeProject && res.Type == "model":
			if info == nil {
				mi, err := s.modelInfo(ctx, res.Workspace, res.Name)
				if err != nil {
					return false, err
				}
				info = &mi
			}
			if info.Project == b.ScopeName {
				return true, nil
			}
		}
	}
	if res.Type == "model" && RoleOwner.Has(perm) {
		if info == nil {
			mi, err := s.modelInfo(ctx, res.Workspace, res.Name)
			if err != nil {
				return false, err
			}
			info = &mi
		}
		if info.Owner != "" && info.Owner == p.ID {
			return true, nil
		}
	}
	return false, nil
}

func (s *Service) modelInfo(ctx context.Context, ws, name string) (ModelInfo, error) {
	key := ws + "\x00" + name
	if mi, ok := s.models.get(key); ok {
		return mi, nil
	}
	mi, err := s.store.ModelInfo(steward.WithWorkspace(ctx, ws), name)
	if steward.IsCode(err, steward.CodeNotFound) {
		return ModelInfo{}, nil // a model that does not exist has no project and no owner
	}
	if err != nil {
		return ModelInfo{}, err
	}
	s.models.put(key, mi)
	return mi, nil
}

// ForgetModel drops cached facts about a model (after a rename, an owner or
// project change, a delete): its owner and project, and the bindings that
// name it (the store moves or deletes its grants with it). It drops the whole
// caches rather than one model's entries: these changes are rare and the
// caches refill one query per key.
func (s *Service) ForgetModel(ws, name string) {
	s.models.purge()
	s.bindings.purge()
}

// bindingsOf returns the bindings of p and its groups, cached.
func (s *Service) bindingsOf(ctx context.Context, p steward.Principal) ([]*Binding, error) {
	subs := subjectsOf(p)
	key := strings.Join(subs, "\x00")
	if bs, ok := s.bindings.get(key); ok {
		return bs, nil
	}
	bs, err := s.store.BindingsFor(ctx, subs)
	if err != nil {
		return nil, err
	}
	s.bindings.put(key, bs)
	return bs, nil
}

// Visible implements steward.Authorizer: it returns ctx unrestricted when the
// principal holds perm for the whole workspace, else restricted to the
// models and projects bound to it (and models it owns).
func (s *Service) Visible(ctx context.Context, perm steward.Permission) (context.Context, error) {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return ctx, steward.Errorf(steward.CodeUnauthenticated, "sign in first: no credentials were presented")
	}
	if p.Superuser {
		return ctx, nil
	}
	if need := LevelOf(perm); need > p.Cap() {
		return ctx, steward.Errorf(steward.CodePermissionDenied, "this credential is limited to %s scope; %s needs %s scope", p.Cap(), perm, need)
	}
	ws := steward.WorkspaceFrom(ctx)
	bs, err := s.bindingsOf(ctx, p)
	if err != nil {
		return ctx, err
	}
	if ok, err := s.allowed(ctx, p, bs, perm, steward.Resource{Workspace: ws}); err != nil || ok {
		return ctx, err
	}
	v := &steward.Visibility{}
	if perm == steward.PermModelRead {
		v.Owner = p.ID
	}
	for _, b := range bs {
		if b.Workspace != ws || !b.Role.Has(perm) {
			continue
		}
		switch b.ScopeKind {
		case ScopeModel:
			v.Models = append(v.Models, b.ScopeName)
		case ScopeProject:
			v.Projects = append(v.Projects, b.ScopeName)
		}
	}
	return steward.WithVisibility(ctx, v), nil
}

// RequireIndependent is the separation-of-duties rule: the principal in ctx
// may not perform action if it is one of authors. It binds administrators
// and single-user mode too; the lifecycle gates call it for validation
// sign-off and approvals.
func RequireIndependent(ctx context.Context, action string, authors ...string) error {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return steward.Errorf(steward.CodeUnauthenticated, "sign in first: no credentials were presented")
	}
	for _, a := range authors {
		if a != "" && a == p.ID {
			return steward.Errorf(steward.CodePermissionDenied, "separation of duties: %s is an author of this object and may not %s it; another person must", p.ID, action).
				WithDetail("rule", "independence")
		}
	}
	return nil
}
