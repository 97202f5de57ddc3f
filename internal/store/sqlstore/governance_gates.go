package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// --- gate policies ---

func (c conn) GetPolicy(ctx context.Context, tier governance.RiskTier) (*governance.Policy, error) {
	p := &governance.Policy{RiskTier: tier}
	var body string
	err := c.row(ctx, `SELECT policy, updated_by, updated_at, revision FROM gate_policies WHERE workspace = ? AND risk_tier = ?`,
		steward.WorkspaceFrom(ctx), string(tier)).Scan(&body, &p.UpdatedBy, &p.UpdatedAt, &p.Revision)
	if err != nil {
		return nil, notFound(err, "no policy is stored for risk tier %q", tier)
	}
	return p, governance.DecodePolicy(body, p)
}

func (c conn) ListPolicies(ctx context.Context) ([]*governance.Policy, error) {
	var out []*governance.Policy
	err := c.eachRow(ctx, func(s scanner) error {
		p := &governance.Policy{}
		var body, tier string
		if err := s.Scan(&tier, &body, &p.UpdatedBy, &p.UpdatedAt, &p.Revision); err != nil {
			return err
		}
		p.RiskTier = governance.RiskTier(tier)
		out = append(out, p)
		return governance.DecodePolicy(body, p)
	}, `SELECT risk_tier, policy, updated_by, updated_at, revision FROM gate_policies WHERE workspace = ? ORDER BY risk_tier`, steward.WorkspaceFrom(ctx))
	return out, err
}

func (c conn) PutPolicy(ctx context.Context, p *governance.Policy, prev int64) error {
	if prev == 0 {
		_, err := c.exec(ctx, `INSERT INTO gate_policies (workspace, risk_tier, policy, updated_by, updated_at, revision) VALUES (?, ?, ?, ?, ?, 1)`,
			steward.WorkspaceFrom(ctx), string(p.RiskTier), governance.EncodePolicy(p), p.UpdatedBy, p.UpdatedAt)
		if err != nil {
			return c.uniqueAs(err, "the policy of risk tier %q was stored concurrently; read it again", p.RiskTier)
		}
		p.Revision = 1
		return nil
	}
	res, err := c.exec(ctx, `UPDATE gate_policies SET policy = ?, updated_by = ?, updated_at = ?, revision = ? WHERE workspace = ? AND risk_tier = ? AND revision = ?`,
		governance.EncodePolicy(p), p.UpdatedBy, p.UpdatedAt, prev+1, steward.WorkspaceFrom(ctx), string(p.RiskTier), prev)
	if err != nil {
		return err
	}
	p.Revision = prev + 1
	return one(res, "policy "+string(p.RiskTier))
}

// --- approval requests ---

const requestCols = `r.id, r.model_id, m.name, r.version_id, v.version, r.target_kind, r.target, r.manifest_digest, r.justification,
	r.status, r.requested_by, r.created_at, r.updated_at, r.applied_at, r.revision`

const requestFrom = ` FROM approval_requests r JOIN models m ON m.id = r.model_id JOIN model_versions v ON v.id = r.version_id`

func scanRequest(s scanner) (*governance.Request, error) {
	r := &governance.Request{Decisions: []*governance.Decision{}}
	var applied sql.NullInt64
	if err := s.Scan(&r.ID, &r.ModelID, &r.ModelName, &r.VersionID, &r.Version, &r.Kind, &r.Target, &r.ManifestDigest, &r.Justification,
		&r.Status, &r.RequestedBy, &r.CreatedAt, &r.UpdatedAt, &applied, &r.Revision); err != nil {
		return nil, err
	}
	if applied.Valid {
		r.AppliedAt = &applied.Int64
	}
	return r, nil
}

func (c conn) GetRequest(ctx context.Context, id string) (*governance.Request, error) {
	r, err := scanRequest(c.row(ctx, `SELECT `+requestCols+requestFrom+` WHERE r.id = ? AND r.workspace = ?`, id, steward.WorkspaceFrom(ctx)))
	if err != nil {
		return nil, notFound(err, "approval request %q does not exist", id)
	}
	return r, c.fillDecisions(ctx, []*governance.Request{r})
}

func (c conn) ListRequests(ctx context.Context, f governance.RequestFilter) ([]*governance.Request, error) {
	q := `SELECT ` + requestCols + requestFrom + ` WHERE r.workspace = ?`
	args := []any{steward.WorkspaceFrom(ctx)}
	for _, cond := range []struct{ col, val string }{
		{"r.model_id", f.ModelID}, {"r.version_id", f.VersionID}, {"r.target_kind", f.Kind}, {"r.target", f.Target}, {"r.status", f.Status},
	} {
		if cond.val != "" {
			q += ` AND ` + cond.col + ` = ?`
			args = append(args, cond.val)
		}
	}
	if f.Open {
		q += ` AND r.status IN ('pending', 'approved')`
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	var out []*governance.Request
	err := c.eachRow(ctx, func(s scanner) error {
		r, err := scanRequest(s)
		if err == nil {
			out = append(out, r)
		}
		return err
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, c.fillDecisions(ctx, out)
}

func (c conn) fillDecisions(ctx context.Context, rs []*governance.Request) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*governance.Request, len(rs))
	ids := make([]any, 0, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
		ids = append(ids, r.ID)
	}
	return c.eachRow(ctx, func(s scanner) error {
		var id string
		d := &governance.Decision{}
		if err := s.Scan(&id, &d.Approver, &d.Decision, &d.Comment, &d.ManifestDigest, &d.CreatedAt); err != nil {
			return err
		}
		byID[id].Decisions = append(byID[id].Decisions, d)
		return nil
	}, `SELECT request_id, approver, decision, comment, manifest_digest, created_at FROM approval_decisions
		WHERE request_id IN (`+placeholders(len(ids))+`) ORDER BY created_at, approver`, ids...)
}

func (c conn) CreateRequest(ctx context.Context, r *governance.Request) error {
	_, err := c.exec(ctx, `INSERT INTO approval_requests (id, workspace, model_id, version_id, target_kind, target, manifest_digest, justification,
		status, requested_by, created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		r.ID, steward.WorkspaceFrom(ctx), r.ModelID, r.VersionID, r.Kind, r.Target, r.ManifestDigest, r.Justification,
		r.Status, r.RequestedBy, r.CreatedAt, r.UpdatedAt)
	r.Revision = 1
	return err
}

func (c conn) UpdateRequest(ctx context.Context, r *governance.Request, prev int64) error {
	var applied any
	if r.AppliedAt != nil {
		applied = *r.AppliedAt
	}
	res, err := c.exec(ctx, `UPDATE approval_requests SET status = ?, updated_at = ?, applied_at = ?, revision = ? WHERE id = ? AND revision = ?`,
		r.Status, r.UpdatedAt, applied, prev+1, r.ID, prev)
	if err != nil {
		return err
	}
	r.Revision = prev + 1
	return one(res, "approval request "+r.ID)
}

func (c conn) AddDecision(ctx context.Context, requestID string, d *governance.Decision) error {
	_, err := c.exec(ctx, `INSERT INTO approval_decisions (request_id, approver, decision, comment, manifest_digest, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		requestID, d.Approver, d.Decision, d.Comment, d.ManifestDigest, d.CreatedAt)
	return c.uniqueAs(err, "%s already decided on request %s", d.Approver, requestID)
}

// VersionAuthors: the version's creator, its source run's MLflow user and
// creator (the actor of the run.create event), and the editors of the
// model's cards.
func (c conn) VersionAuthors(ctx context.Context, versionID string) ([]string, error) {
	ws := steward.WorkspaceFrom(ctx)
	var out []string
	err := c.eachRow(ctx, func(s scanner) error {
		var a string
		if err := s.Scan(&a); err != nil {
			return err
		}
		if a != "" {
			out = append(out, a)
		}
		return nil
	}, `SELECT v.created_by FROM model_versions v WHERE v.id = ? AND v.workspace = ?
		UNION SELECT r.user_id FROM model_versions v JOIN runs r ON r.id = v.run_id WHERE v.id = ? AND v.workspace = ?
		UNION SELECT e.actor_id FROM model_versions v JOIN events e ON e.workspace = v.workspace AND e.object_type = 'run' AND e.object_id = v.run_id AND e.action = 'run.create'
			WHERE v.id = ? AND v.workspace = ? AND v.run_id <> ''
		UNION SELECT ce.principal FROM model_versions v JOIN model_cards mc ON mc.model_id = v.model_id JOIN model_card_editors ce ON ce.card_id = mc.id
			WHERE v.id = ? AND v.workspace = ?
		ORDER BY 1`, versionID, ws, versionID, ws, versionID, ws, versionID, ws)
	return out, err
}
