package governance

import (
	"context"
	"slices"
	"strconv"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// RetireResult says what retiring a version or a model did.
type RetireResult struct {
	Model    string        `json:"model"`
	Reason   string        `json:"reason"`
	Versions []*Retirement `json:"versions"`
	// AliasesRemoved are "alias@version" of the aliases that pointed at a
	// retired version.
	AliasesRemoved   []string      `json:"aliases_removed"`
	DeploymentsEnded []*Deployment `json:"deployments_ended"`
	// RetiredAt is set when the model itself was retired.
	RetiredAt *int64 `json:"retired_at,omitempty"`
}

// RetireVersion takes a version out of service for good: it moves to
// Archived, the aliases pointing at it are removed, its live deployments
// end, and the retirement is kept with the reason. A retired version is
// never deployed again nor chosen by a rollback.
func (s *Service) RetireVersion(ctx context.Context, model string, version int64, reason string) (*RetireResult, error) {
	reason, err := requireReason(reason)
	if err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelStage, model); err != nil {
		return nil, err
	}
	var out *RetireResult
	err = s.store.Update(ctx, func(r Repo) error {
		m, v, err := versionIn(ctx, r, model, version)
		if err != nil {
			return err
		}
		out = &RetireResult{Model: m.Name, Reason: reason, Versions: []*Retirement{}, AliasesRemoved: []string{}, DeploymentsEnded: []*Deployment{}}
		return s.retireVersion(ctx, r, m, v, reason, out)
	})
	return out, err
}

// retireVersion retires v inside r, adding what it did to res.
func (s *Service) retireVersion(ctx context.Context, r Repo, m *registry.Model, v *registry.Version, reason string, res *RetireResult) error {
	if prev, err := r.GetRetirement(ctx, v.ID); err == nil {
		return steward.Errorf(steward.CodeConflict, "version %d of %q was retired already (%s)", v.Version, m.Name, prev.Reason)
	} else if !steward.IsCode(err, steward.CodeNotFound) {
		return err
	}
	why := "retired: " + reason
	mctx := registry.WithReason(ctx, why)
	if v.Stage != registry.StageArchived {
		if _, err := s.registry.SetStageIn(mctx, r, m.Name, v.Version, registry.StageArchived, false, 0); err != nil {
			return err
		}
	}
	cur, err := r.GetModel(ctx, m.Name) // aliases as they are now, inside this transaction
	if err != nil {
		return err
	}
	var aliases []string
	for a, n := range cur.Aliases {
		if n == v.Version {
			aliases = append(aliases, a)
		}
	}
	slices.Sort(aliases)
	for _, a := range aliases {
		if err := s.registry.DeleteAliasIn(mctx, r, m.Name, a); err != nil {
			return err
		}
		res.AliasesRemoved = append(res.AliasesRemoved, a+"@"+strconv.FormatInt(v.Version, 10))
	}
	if err := r.LockDeployments(ctx, m.ID); err != nil {
		return err
	}
	live, err := r.ListDeployments(ctx, DeploymentFilter{ModelID: m.ID, VersionID: v.ID, LiveOnly: true})
	if err != nil {
		return err
	}
	for _, d := range live {
		if err := s.endDeployment(ctx, r, d, why); err != nil {
			return err
		}
		res.DeploymentsEnded = append(res.DeploymentsEnded, d)
	}
	ret := &Retirement{VersionID: v.ID, Model: m.Name, Version: v.Version, Reason: reason, RetiredBy: actor(ctx), RetiredAt: s.millis()}
	if err := r.AddRetirement(ctx, ret); err != nil {
		return err
	}
	res.Versions = append(res.Versions, ret)
	return s.emit(ctx, r, "model_version.retire", "model_version", v.ID, nil, ret)
}

// RetireModel retires every version of model not retired yet and marks the
// model retired with the reason (its inventory profile's retired_at).
func (s *Service) RetireModel(ctx context.Context, model, reason string) (*RetireResult, error) {
	reason, err := requireReason(reason)
	if err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelManage, model); err != nil {
		return nil, err
	}
	var out *RetireResult
	err = s.store.Update(ctx, func(r Repo) error {
		m, err := r.GetModel(ctx, model)
		if err != nil {
			return err
		}
		if at, why, err := r.ModelRetired(ctx, m.ID); err != nil {
			return err
		} else if at != nil {
			return steward.Errorf(steward.CodeConflict, "model %q was retired already (%s)", m.Name, why)
		}
		out = &RetireResult{Model: m.Name, Reason: reason, Versions: []*Retirement{}, AliasesRemoved: []string{}, DeploymentsEnded: []*Deployment{}}
		var all []*registry.Version
		page := steward.PageRequest{Size: steward.MaxPageSize}
		for {
			vs, next, err := r.ListVersions(ctx, registry.VersionFilter{Model: m.Name}, page)
			if err != nil {
				return err
			}
			all = append(all, vs...)
			if next == "" {
				break
			}
			page.Token = next
		}
		slices.SortFunc(all, func(a, b *registry.Version) int { return int(a.Version - b.Version) })
		for _, v := range all {
			if _, err := r.GetRetirement(ctx, v.ID); err == nil {
				continue
			} else if !steward.IsCode(err, steward.CodeNotFound) {
				return err
			}
			if err := s.retireVersion(ctx, r, m, v, reason, out); err != nil {
				return err
			}
		}
		now := s.millis()
		if err := r.RetireModel(ctx, m.ID, now, reason, actor(ctx)); err != nil {
			return err
		}
		out.RetiredAt = &now
		return s.emit(ctx, r, "model.retire", "model", m.ID, nil, map[string]any{"reason": reason, "retired_at": now, "versions": len(out.Versions)})
	})
	return out, err
}
