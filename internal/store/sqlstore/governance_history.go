package sqlstore

import (
	"context"
	"database/sql"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

func (c conn) AddMove(ctx context.Context, m *governance.LifecycleMove) error {
	var version any
	if m.Version != nil {
		version = *m.Version
	}
	return c.wrap(c.row(ctx, `INSERT INTO lifecycle_moves (workspace, model_id, model_name, kind, target, version, version_id, from_value, actor, reason, approval_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		steward.WorkspaceFrom(ctx), m.ModelID, m.ModelName, m.Kind, m.Target, version, m.VersionID, m.From, m.Actor, m.Reason, m.ApprovalID, m.At).Scan(&m.Seq))
}

func (c conn) ListMoves(ctx context.Context, modelID string, until int64) ([]*governance.LifecycleMove, error) {
	q := `SELECT seq, model_id, model_name, kind, target, version, version_id, from_value, actor, reason, approval_id, at
		FROM lifecycle_moves WHERE workspace = ? AND model_id = ?`
	args := []any{steward.WorkspaceFrom(ctx), modelID}
	if until > 0 {
		q += ` AND at <= ?`
		args = append(args, until)
	}
	var out []*governance.LifecycleMove
	err := c.eachRow(ctx, func(s scanner) error {
		m := &governance.LifecycleMove{}
		var v sql.NullInt64
		if err := s.Scan(&m.Seq, &m.ModelID, &m.ModelName, &m.Kind, &m.Target, &v, &m.VersionID, &m.From, &m.Actor, &m.Reason, &m.ApprovalID, &m.At); err != nil {
			return err
		}
		if v.Valid {
			m.Version = &v.Int64
		}
		out = append(out, m)
		return nil
	}, q+` ORDER BY at, seq`, args...)
	return out, err
}
