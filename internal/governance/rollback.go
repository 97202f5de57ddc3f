package governance

import (
	"context"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// RollbackRequest is the input of Rollback.
type RollbackRequest struct {
	// Environment is where the champion deployment is swapped
	// (default production).
	Environment string `json:"environment"`
	Reason      string `json:"reason"`
}

// RollbackResult says what a rollback moved.
type RollbackResult struct {
	Model       string `json:"model"`
	Environment string `json:"environment"`
	// From is the version taken out of Production (now Archived); To the
	// version returned to it.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// ApprovalID is the approval of To's earlier move to Production that
	// the rollback stood on ("" when that move needed none).
	ApprovalID         string        `json:"approval_id,omitempty"`
	Reason             string        `json:"reason"`
	AliasesMoved       []string      `json:"aliases_moved"`
	DeploymentsEnded   []*Deployment `json:"deployments_ended"`
	DeploymentsStarted []*Deployment `json:"deployments_started"`
}

// rollbackAlias is the alias that follows Production in a rollback.
const rollbackAlias = "champion"

// Rollback returns model's Production to the version that held it before the
// current one, in one transaction: that version moves to Production (its
// earlier approval reused, the gates still checked against its artifacts),
// the current one to Archived, the champion alias follows if it pointed at
// the current one, and the live champion deployments of the current version
// in the environment are replaced by deployments of the previous one with
// the same endpoint and traffic.
func (s *Service) Rollback(ctx context.Context, model string, in RollbackRequest) (*RollbackResult, error) {
	reason, err := requireReason(in.Reason)
	if err != nil {
		return nil, err
	}
	if in.Environment == "" {
		in.Environment = "production"
	}
	if err := lineage.ValidateEnvironment(in.Environment); err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelStage, model); err != nil {
		return nil, err
	}
	var out *RollbackResult
	err = s.store.Update(ctx, func(r Repo) error {
		var err error
		out, err = s.rollback(ctx, r, model, in.Environment, reason)
		return err
	})
	return out, err
}

func (s *Service) rollback(ctx context.Context, r Repo, model, env, reason string) (*RollbackResult, error) {
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return nil, err
	}
	if err := r.LockDeployments(ctx, m.ID); err != nil {
		return nil, err
	}
	moves, err := r.ListMoves(ctx, m.ID, 0)
	if err != nil {
		return nil, err
	}
	cur, prev, prevMove, err := rollbackTarget(ctx, r, m, moves)
	if err != nil {
		return nil, err
	}
	res := &RollbackResult{Model: m.Name, Environment: env, From: cur.Version, To: prev.Version, ApprovalID: prevMove.ApprovalID,
		Reason: reason, AliasesMoved: []string{}, DeploymentsEnded: []*Deployment{}, DeploymentsStarted: []*Deployment{}}
	why := "rollback: " + reason
	mctx := registry.WithReason(ctx, why)
	if prev.Stage != registry.StageProduction {
		pctx := mctx
		if prevMove.ApprovalID != "" {
			pctx = WithReusedApproval(mctx, prevMove.ApprovalID)
		}
		if _, err := s.registry.SetStageIn(pctx, r, model, prev.Version, registry.StageProduction, false, 0); err != nil {
			return nil, err
		}
	}
	if _, err := s.registry.SetStageIn(mctx, r, model, cur.Version, registry.StageArchived, false, 0); err != nil {
		return nil, err
	}
	if v, ok := m.Aliases[rollbackAlias]; ok && v == cur.Version {
		actx := mctx
		if id := lastAliasApproval(moves, rollbackAlias, prev.Version); id != "" {
			actx = WithReusedApproval(mctx, id)
		}
		if _, err := s.registry.SetAliasIn(actx, r, model, rollbackAlias, prev.Version); err != nil {
			return nil, err
		}
		res.AliasesMoved = append(res.AliasesMoved, rollbackAlias)
	}
	live, err := r.ListDeployments(ctx, DeploymentFilter{ModelID: m.ID, VersionID: cur.ID, Environment: env, Role: RoleChampion, LiveOnly: true})
	if err != nil {
		return nil, err
	}
	for _, d := range live {
		if err := s.endDeployment(ctx, r, d, why); err != nil {
			return nil, err
		}
		res.DeploymentsEnded = append(res.DeploymentsEnded, d)
		traffic := d.Traffic
		nd, err := s.startDeployment(ctx, r, m, prev, DeploymentCreate{Version: prev.Version, Environment: env, Endpoint: d.Endpoint, Traffic: &traffic, Role: RoleChampion}, why)
		if err != nil {
			return nil, err
		}
		res.DeploymentsStarted = append(res.DeploymentsStarted, nd)
	}
	return res, s.emit(ctx, r, "model.rollback", "model", m.ID,
		map[string]any{"production": cur.Version, "deployments": idsOf(res.DeploymentsEnded)},
		map[string]any{"production": prev.Version, "archived": cur.Version, "approval_id": res.ApprovalID, "aliases_moved": res.AliasesMoved,
			"deployments": idsOf(res.DeploymentsStarted), "environment": env, "reason": reason})
}

// rollbackTarget finds, from the history, the version in Production now
// (the one moved there last) and the version that held Production before
// it, with the move that put that one there. Versions deleted or retired
// since are passed over: they cannot come back.
func rollbackTarget(ctx context.Context, r Repo, m *registry.Model, moves []*LifecycleMove) (cur, prev *registry.Version, prevMove *LifecycleMove, err error) {
	curIdx := -1
	for i := len(moves) - 1; i >= 0; i-- {
		mv := moves[i]
		if mv.Kind != MoveStage || mv.Target != string(registry.StageProduction) || mv.Version == nil {
			continue
		}
		v, err := r.GetVersion(ctx, m.Name, *mv.Version)
		if steward.IsCode(err, steward.CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if v.Stage == registry.StageProduction {
			cur, curIdx = v, i
			break
		}
	}
	if cur == nil {
		return nil, nil, nil, steward.Errorf(steward.CodeConflict, "no version of %q is in Production; there is nothing to roll back", m.Name)
	}
	for i := curIdx - 1; i >= 0; i-- {
		mv := moves[i]
		if mv.Kind != MoveStage || mv.Target != string(registry.StageProduction) || mv.Version == nil || *mv.Version == cur.Version {
			continue
		}
		v, err := r.GetVersion(ctx, m.Name, *mv.Version)
		if steward.IsCode(err, steward.CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if _, err := r.GetRetirement(ctx, v.ID); err == nil {
			continue
		} else if !steward.IsCode(err, steward.CodeNotFound) {
			return nil, nil, nil, err
		}
		return cur, v, mv, nil
	}
	return nil, nil, nil, steward.Errorf(steward.CodeConflict,
		"version %d of %q is the first version it had in Production (or every earlier one was retired or deleted); there is no previous version to roll back to", cur.Version, m.Name)
}

// lastAliasApproval is the approval of the last move of alias to version, if
// that move had one.
func lastAliasApproval(moves []*LifecycleMove, alias string, version int64) string {
	for i := len(moves) - 1; i >= 0; i-- {
		mv := moves[i]
		if mv.Kind == MoveAlias && mv.Target == alias && mv.Version != nil && *mv.Version == version {
			return mv.ApprovalID
		}
	}
	return ""
}

func idsOf(ds []*Deployment) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}
