package sqlstore

import (
	"context"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// The MLflow search endpoints: filters and ordering compile to SQL
// (search_sql.go); these methods add the workspace scope, the view type and
// paging, and load the page.

func andWhere(q, where string) string {
	if where == "" {
		return q
	}
	return q + " AND " + where
}

func (c conn) SearchRuns(ctx context.Context, q tracking.Query) ([]*tracking.Run, error) {
	where, wargs, orderBy, err := compileRunSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	sql, args := `SELECT `+runColsR+` FROM runs r WHERE r.workspace = ?`+stageClause(q.ViewType, "r.lifecycle_stage"), []any{steward.WorkspaceFrom(ctx)}
	if len(q.ExperimentIDs) > 0 {
		ids := make([]any, len(q.ExperimentIDs))
		for i, s := range q.ExperimentIDs {
			n, err := expID(s)
			if err != nil {
				return nil, err
			}
			ids[i] = n
		}
		sql, args = sql+` AND r.experiment_id IN (`+placeholders(len(ids))+`)`, append(args, ids...)
	}
	sql = andWhere(sql, where) + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args = append(append(args, wargs...), q.Limit, q.Offset)
	return c.scanRuns(ctx, sql, args...)
}

func (c conn) SearchExperiments(ctx context.Context, q tracking.Query) ([]*tracking.Experiment, error) {
	where, wargs, orderBy, err := compileExperimentSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	sql := andWhere(`SELECT `+experimentColsE+` FROM experiments e WHERE e.workspace = ?`+stageClause(q.ViewType, "e.lifecycle_stage"), where) +
		` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args := append(append([]any{steward.WorkspaceFrom(ctx)}, wargs...), q.Limit, q.Offset)
	return c.scanExperiments(ctx, sql, args...)
}

func (c conn) SearchModels(ctx context.Context, q registry.Query) ([]*registry.Model, error) {
	where, wargs, orderBy, err := compileModelSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	vis, vargs := visibleModels(ctx)
	sql := andWhere(modelSelect+` WHERE m.workspace = ?`+vis, where) + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args := append(append(append([]any{steward.WorkspaceFrom(ctx)}, vargs...), wargs...), q.Limit, q.Offset)
	var out []*registry.Model
	if err := c.eachRow(ctx, func(s scanner) error {
		m, err := scanModel(s)
		out = append(out, m)
		return err
	}, sql, args...); err != nil {
		return nil, err
	}
	return out, c.fillModels(ctx, out)
}

func (c conn) SearchVersions(ctx context.Context, q registry.Query) ([]*registry.Version, error) {
	where, wargs, orderBy, err := compileVersionSearch(c.d, q.Filter, q.OrderBy)
	if err != nil {
		return nil, err
	}
	// v.workspace (equal to m.workspace) lets the (workspace, run_id) and
	// (workspace, stage) indexes serve version filters.
	vis, vargs := visibleModels(ctx)
	sql := andWhere(versionSelect+` WHERE v.workspace = ?`+vis, where) + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	args := append(append(append([]any{steward.WorkspaceFrom(ctx)}, vargs...), wargs...), q.Limit, q.Offset)
	var out []*registry.Version
	if err := c.eachRow(ctx, func(s scanner) error {
		v, err := scanVersion(s)
		out = append(out, v)
		return err
	}, sql, args...); err != nil {
		return nil, err
	}
	return out, c.fillVersions(ctx, out)
}
