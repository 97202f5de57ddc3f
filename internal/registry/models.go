package registry

import (
	"context"

	"github.com/steward-registry/steward/internal/steward"
)

// CreateModel registers a model in the workspace of ctx.
func (s *Service) CreateModel(ctx context.Context, in ModelCreate) (*Model, error) {
	if err := steward.ValidateName("model name", in.Name); err != nil {
		return nil, err
	}
	kind, err := ParseKind(in.Kind)
	if err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("description", in.Description, MaxDescription); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("owner", in.Owner, 256); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, steward.PermModelCreate, "model", "", ""); err != nil {
		return nil, err
	}
	p, _ := steward.PrincipalFrom(ctx)
	owner := in.Owner
	if owner == "" {
		owner = p.ID
	}
	now := s.millis()
	m := &Model{
		ID: steward.NewID(), Workspace: steward.WorkspaceFrom(ctx), Project: in.Project, Name: in.Name, Kind: kind,
		Description: in.Description, Owner: owner, Tags: nonNil(in.Tags), Aliases: map[string]int64{},
		CreatedBy: p.ID, CreatedAt: now, UpdatedAt: now, Revision: 1,
	}
	err = s.store.Update(ctx, func(r Repo) error {
		if m.Project != "" {
			if _, err := r.GetProject(ctx, m.Project); err != nil {
				return err
			}
		}
		if err := r.CreateModel(ctx, m); err != nil {
			return err
		}
		for k, v := range m.Tags {
			if err := r.SetModelTag(ctx, m.ID, k, v); err != nil {
				return err
			}
		}
		return s.emit(ctx, r, "model.create", "model", m.ID, nil, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// GetModel returns a model by name.
func (s *Service) GetModel(ctx context.Context, name string) (*Model, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, name); err != nil {
		return nil, err
	}
	return s.store.GetModel(ctx, name)
}

// ListModels lists models ordered by name.
func (s *Service) ListModels(ctx context.Context, f ModelFilter, page steward.PageRequest) ([]*Model, string, error) {
	ctx, err := s.authz.Visible(ctx, steward.PermModelRead)
	if err != nil {
		return nil, "", err
	}
	if f.Kind != "" {
		if _, err := ParseKind(f.Kind); err != nil {
			return nil, "", err
		}
	}
	return s.store.ListModels(ctx, f, page)
}

// UpdateModel applies a partial update (including rename).
func (s *Service) UpdateModel(ctx context.Context, name string, in ModelUpdate, ifRevision int64) (*Model, error) {
	// Renaming, re-homing or handing over a model changes who may act on
	// it, so it takes manage; describing it takes write.
	perm := steward.PermModelWrite
	if in.Name != nil || in.Owner != nil || in.Project != nil {
		perm = steward.PermModelManage
	}
	if err := s.allowModel(ctx, perm, name); err != nil {
		return nil, err
	}
	var out *Model
	err := s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetModel(ctx, name)
		if err != nil {
			return err
		}
		if err := checkRevision("model "+name, cur.Revision, ifRevision); err != nil {
			return err
		}
		next := *cur
		if in.Name != nil {
			if err := steward.ValidateName("model name", *in.Name); err != nil {
				return err
			}
			next.Name = *in.Name
		}
		if in.Kind != nil {
			if next.Kind, err = ParseKind(*in.Kind); err != nil {
				return err
			}
		}
		if in.Description != nil {
			if err := steward.ValidateValue("description", *in.Description, MaxDescription); err != nil {
				return err
			}
			next.Description = *in.Description
		}
		if in.Owner != nil {
			if err := steward.ValidateValue("owner", *in.Owner, 256); err != nil {
				return err
			}
			next.Owner = *in.Owner
		}
		if in.Project != nil {
			if *in.Project != "" {
				if _, err := r.GetProject(ctx, *in.Project); err != nil {
					return err
				}
			}
			next.Project = *in.Project
		}
		next.UpdatedAt = s.millis()
		if err := r.UpdateModel(ctx, &next, cur.Revision); err != nil {
			return err
		}
		out = &next
		return s.emit(ctx, r, "model.update", "model", cur.ID, cur, &next)
	})
	if err == nil && perm == steward.PermModelManage {
		s.forgetModel(ctx, name)
	}
	return out, err
}

// DeleteModel deletes a model with its versions, tags and aliases. Artifact
// blobs stay (they are shared by content) and events stay forever.
func (s *Service) DeleteModel(ctx context.Context, name string, ifRevision int64) error {
	if err := s.allowModel(ctx, steward.PermModelManage, name); err != nil {
		return err
	}
	err := s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetModel(ctx, name)
		if err != nil {
			return err
		}
		if err := checkRevision("model "+name, cur.Revision, ifRevision); err != nil {
			return err
		}
		if err := r.DeleteModel(ctx, cur.ID); err != nil {
			return err
		}
		return s.emit(ctx, r, "model.delete", "model", cur.ID, cur, nil)
	})
	if err == nil {
		s.forgetModel(ctx, name)
	}
	return err
}

// SetModelTag sets (or overwrites) one tag.
func (s *Service) SetModelTag(ctx context.Context, name, key, value string) error {
	if err := steward.ValidateKey("tag key", key); err != nil {
		return err
	}
	if err := steward.ValidateValue("tag value", value, MaxTagValue); err != nil {
		return err
	}
	return s.modelTag(ctx, name, key, &value)
}

// DeleteModelTag removes one tag; a missing tag is CodeNotFound.
func (s *Service) DeleteModelTag(ctx context.Context, name, key string) error {
	return s.modelTag(ctx, name, key, nil)
}

func (s *Service) modelTag(ctx context.Context, name, key string, value *string) error {
	if err := s.allowModel(ctx, steward.PermModelWrite, name); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		m, err := r.GetModel(ctx, name)
		if err != nil {
			return err
		}
		before := map[string]any{"key": key}
		if old, ok := m.Tags[key]; ok {
			before["value"] = old
		}
		if value == nil {
			if _, ok := m.Tags[key]; !ok {
				return steward.Errorf(steward.CodeNotFound, "model %q has no tag %q", name, key)
			}
			if err := r.DeleteModelTag(ctx, m.ID, key); err != nil {
				return err
			}
			return s.emit(ctx, r, "model.tag.delete", "model", m.ID, before, nil)
		}
		if err := r.SetModelTag(ctx, m.ID, key, *value); err != nil {
			return err
		}
		return s.emit(ctx, r, "model.tag.set", "model", m.ID, before, map[string]any{"key": key, "value": *value})
	})
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
