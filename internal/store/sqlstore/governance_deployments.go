package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

const deploymentSelect = `SELECT d.id, d.model_id, m.name, d.version_id, d.version, d.environment, d.endpoint, d.traffic, d.role,
	d.started_at, d.ended_at, d.end_reason, d.created_by, d.revision
	FROM deployments d JOIN models m ON m.id = d.model_id`

func scanDeployment(s scanner) (*governance.Deployment, error) {
	d := &governance.Deployment{}
	var ended sql.NullInt64
	if err := s.Scan(&d.ID, &d.ModelID, &d.ModelName, &d.VersionID, &d.Version, &d.Environment, &d.Endpoint, &d.Traffic, &d.Role,
		&d.StartedAt, &ended, &d.EndReason, &d.CreatedBy, &d.Revision); err != nil {
		return nil, err
	}
	if ended.Valid {
		d.EndedAt = &ended.Int64
	}
	return d, nil
}

func (c conn) GetDeployment(ctx context.Context, modelID, id string) (*governance.Deployment, error) {
	d, err := scanDeployment(c.row(ctx, deploymentSelect+` WHERE d.workspace = ? AND d.model_id = ? AND d.id = ?`, steward.WorkspaceFrom(ctx), modelID, id))
	if err != nil {
		return nil, notFound(c.wrap(err), "deployment %q does not exist", id)
	}
	return d, nil
}

func (c conn) ListDeployments(ctx context.Context, f governance.DeploymentFilter) ([]*governance.Deployment, error) {
	q := deploymentSelect + ` WHERE d.workspace = ?`
	args := []any{steward.WorkspaceFrom(ctx)}
	for _, p := range []struct{ col, v string }{{"d.model_id", f.ModelID}, {"d.version_id", f.VersionID}, {"d.environment", f.Environment}, {"d.role", f.Role}} {
		if p.v != "" {
			q += ` AND ` + p.col + ` = ?`
			args = append(args, p.v)
		}
	}
	if f.Endpoint != nil {
		q += ` AND d.endpoint = ?`
		args = append(args, *f.Endpoint)
	}
	if f.LiveOnly {
		q += ` AND d.ended_at IS NULL`
	}
	var out []*governance.Deployment
	err := c.eachRow(ctx, func(s scanner) error {
		d, err := scanDeployment(s)
		if err == nil {
			out = append(out, d)
		}
		return err
	}, q+` ORDER BY d.started_at DESC, d.id DESC`, args...)
	return out, err
}

func (c conn) CreateDeployment(ctx context.Context, d *governance.Deployment) error {
	d.Revision = 1
	_, err := c.exec(ctx, `INSERT INTO deployments (id, workspace, model_id, version_id, version, environment, endpoint, traffic, role, started_at, created_by, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, steward.WorkspaceFrom(ctx), d.ModelID, d.VersionID, d.Version, d.Environment, d.Endpoint, d.Traffic, d.Role, d.StartedAt, d.CreatedBy, d.Revision)
	return c.uniqueAs(err, "deployment %q exists already", d.ID)
}

func (c conn) EndDeployment(ctx context.Context, d *governance.Deployment, prev int64) error {
	res, err := c.exec(ctx, `UPDATE deployments SET ended_at = ?, end_reason = ?, revision = ?
		WHERE workspace = ? AND id = ? AND revision = ? AND ended_at IS NULL`,
		d.EndedAt, d.EndReason, prev+1, steward.WorkspaceFrom(ctx), d.ID, prev)
	if err != nil {
		return err
	}
	d.Revision = prev + 1
	return one(res, "deployment "+d.ID)
}

func (c conn) GetRetirement(ctx context.Context, versionID string) (*governance.Retirement, error) {
	r := &governance.Retirement{}
	err := c.row(ctx, `SELECT r.version_id, m.name, v.version, r.reason, r.retired_by, r.retired_at
		FROM version_retirements r JOIN model_versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id
		WHERE r.workspace = ? AND r.version_id = ?`, steward.WorkspaceFrom(ctx), versionID).
		Scan(&r.VersionID, &r.Model, &r.Version, &r.Reason, &r.RetiredBy, &r.RetiredAt)
	if err != nil {
		return nil, notFound(c.wrap(err), "version %s was not retired", versionID)
	}
	return r, nil
}

func (c conn) AddRetirement(ctx context.Context, r *governance.Retirement) error {
	_, err := c.exec(ctx, `INSERT INTO version_retirements (version_id, workspace, reason, retired_by, retired_at) VALUES (?, ?, ?, ?, ?)`,
		r.VersionID, steward.WorkspaceFrom(ctx), r.Reason, r.RetiredBy, r.RetiredAt)
	return c.uniqueAs(err, "version %d of %q was retired already", r.Version, r.Model)
}

func (c conn) ModelRetired(ctx context.Context, modelID string) (*int64, string, error) {
	var at sql.NullInt64
	var reason string
	err := c.row(ctx, `SELECT retired_at, retired_reason FROM model_profiles WHERE workspace = ? AND model_id = ?`,
		steward.WorkspaceFrom(ctx), modelID).Scan(&at, &reason)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, "", nil
	case err != nil:
		return nil, "", c.wrap(err)
	case !at.Valid:
		return nil, "", nil
	}
	return &at.Int64, reason, nil
}

// RetireModel writes only the retirement columns of the model's profile (the
// inventory owns the rest), creating the profile with its defaults if
// needed. It bumps the revision so an inventory edit made from a profile
// read before the retirement fails its revision check instead of writing
// the old retirement back.
func (c conn) RetireModel(ctx context.Context, modelID string, at int64, reason, by string) error {
	_, err := c.exec(ctx, `INSERT INTO model_profiles (model_id, workspace, retired_at, retired_reason, updated_by, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, 1)
		ON CONFLICT (model_id) DO UPDATE SET retired_at = excluded.retired_at, retired_reason = excluded.retired_reason,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at, revision = model_profiles.revision + 1`,
		modelID, steward.WorkspaceFrom(ctx), at, reason, by, at)
	return err
}

// LockDeployments takes the model's row lock with an update that changes
// nothing: on PostgreSQL a concurrent transaction doing the same waits until
// this one ends, and then reads what it committed (read committed); SQLite
// runs one writer at a time anyway.
func (c conn) LockDeployments(ctx context.Context, modelID string) error {
	_, err := c.exec(ctx, `UPDATE models SET revision = revision WHERE workspace = ? AND id = ?`, steward.WorkspaceFrom(ctx), modelID)
	return err
}
