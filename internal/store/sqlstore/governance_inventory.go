package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

func (c conn) GetProfile(ctx context.Context, modelID string) (*governance.Profile, error) {
	p := &governance.Profile{ModelID: modelID}
	var next, retired sql.NullInt64
	err := c.row(ctx, `SELECT business_unit, intended_use, risk_tier, validation_status, next_review_at, retired_at, retired_reason,
		updated_by, updated_at, revision FROM model_profiles WHERE workspace = ? AND model_id = ?`, steward.WorkspaceFrom(ctx), modelID).
		Scan(&p.BusinessUnit, &p.IntendedUse, &p.RiskTier, &p.ValidationStatus, &next, &retired, &p.RetiredReason,
			&p.UpdatedBy, &p.UpdatedAt, &p.Revision)
	if err == sql.ErrNoRows {
		// No row yet: every model has a profile, at first an empty one.
		return &governance.Profile{ModelID: modelID, ValidationStatus: governance.ValidationNone}, nil
	}
	if err != nil {
		return nil, err
	}
	p.NextReviewAt, p.RetiredAt = invNullInt(next), invNullInt(retired)
	return p, nil
}

func invNullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func invIntArg(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func (c conn) PutProfile(ctx context.Context, p *governance.Profile, prevRevision int64) error {
	if p.ValidationStatus == "" {
		p.ValidationStatus = governance.ValidationNone
	}
	if prevRevision == 0 {
		_, err := c.exec(ctx, `INSERT INTO model_profiles (model_id, workspace, business_unit, intended_use, risk_tier, validation_status,
			next_review_at, retired_at, retired_reason, updated_by, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			p.ModelID, steward.WorkspaceFrom(ctx), p.BusinessUnit, p.IntendedUse, string(p.RiskTier), p.ValidationStatus,
			invIntArg(p.NextReviewAt), invIntArg(p.RetiredAt), p.RetiredReason, p.UpdatedBy, p.UpdatedAt)
		if err != nil {
			if c.d.IsUnique(err) {
				// Another transaction created the row first.
				return &steward.Error{Code: steward.CodePreconditionFailed, Err: errRaced,
					Message: "the profile of the model was changed by someone else at the same time; read it again and retry"}
			}
			return err
		}
		p.Revision = 1
		return nil
	}
	res, err := c.exec(ctx, `UPDATE model_profiles SET business_unit = ?, intended_use = ?, risk_tier = ?, validation_status = ?,
		next_review_at = ?, retired_at = ?, retired_reason = ?, updated_by = ?, updated_at = ?, revision = ?
		WHERE workspace = ? AND model_id = ? AND revision = ?`,
		p.BusinessUnit, p.IntendedUse, string(p.RiskTier), p.ValidationStatus, invIntArg(p.NextReviewAt), invIntArg(p.RetiredAt),
		p.RetiredReason, p.UpdatedBy, p.UpdatedAt, prevRevision+1, steward.WorkspaceFrom(ctx), p.ModelID, prevRevision)
	if err != nil {
		return err
	}
	if err := one(res, "the profile of the model"); err != nil {
		return err
	}
	p.Revision = prevRevision + 1
	return nil
}

// inProduction and hasApprovedCard are the attention facts of a model m.
const (
	inProduction    = `EXISTS (SELECT 1 FROM model_versions pv WHERE pv.model_id = m.id AND pv.stage = 'Production')`
	hasApprovedCard = `EXISTS (SELECT 1 FROM model_cards ac WHERE ac.model_id = m.id AND ac.status = 'approved')`
	profileStatus   = `COALESCE(pr.validation_status, 'not_validated')`
	reviewPassed    = `(pr.next_review_at IS NOT NULL AND pr.next_review_at < ?)`
	// prodUnsigned: a Production version whose current artifacts no
	// signed-off review covers (sign-offs are bound to the digest).
	prodUnsigned = `EXISTS (SELECT 1 FROM model_versions uv WHERE uv.model_id = m.id AND uv.stage = 'Production' AND NOT EXISTS (
		SELECT 1 FROM validation_reviews vr WHERE vr.version_id = uv.id AND vr.status = 'signed_off' AND vr.manifest_digest = uv.manifest_digest))`
)

const inventorySelect = `SELECT m.id, m.name, COALESCE(p.name, ''), m.kind, m.owner,
	COALESCE(pr.business_unit, ''), COALESCE(pr.intended_use, ''), COALESCE(pr.risk_tier, ''), ` + profileStatus + `,
	pr.next_review_at, pr.retired_at, COALESCE(pr.retired_reason, ''), COALESCE(pr.updated_by, ''), COALESCE(pr.updated_at, 0),
	COALESCE(pr.revision, 0),
	CASE WHEN ` + inProduction + ` THEN 1 ELSE 0 END, CASE WHEN ` + hasApprovedCard + ` THEN 1 ELSE 0 END,
	CASE WHEN ` + prodUnsigned + ` THEN 1 ELSE 0 END
	FROM models m LEFT JOIN projects p ON p.id = m.project_id LEFT JOIN model_profiles pr ON pr.model_id = m.id`

func (c conn) ListInventory(ctx context.Context, f governance.InventoryFilter, page steward.PageRequest) ([]*governance.InventoryEntry, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := strings.Join([]string{"inventory", f.RiskTier, f.ValidationStatus, f.Owner, f.BusinessUnit, f.Kind, f.Project, f.NameLike,
		invFlag(f.Overdue), invFlag(f.Attention), f.ModelID, f.Name}, "|")
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	q, args := inventorySelect+` WHERE m.workspace = ?`, []any{steward.WorkspaceFrom(ctx)}
	vis, vargs := visibleModels(ctx)
	q, args = q+vis, append(args, vargs...)
	add := func(cond string, a ...any) { q, args = q+` AND `+cond, append(args, a...) }
	switch f.RiskTier {
	case "":
	case governance.TierUnclassified:
		add(`COALESCE(pr.risk_tier, '') = ''`)
	default:
		add(`pr.risk_tier = ?`, f.RiskTier)
	}
	switch f.ValidationStatus {
	case "":
	case governance.ValidationExpired:
		add(`pr.validation_status = 'validated' AND `+reviewPassed, f.Now)
	case governance.ValidationValidated:
		add(`pr.validation_status = 'validated' AND NOT `+reviewPassed, f.Now)
	default:
		add(profileStatus+` = ?`, f.ValidationStatus)
	}
	if f.Owner != "" {
		add(`m.owner = ?`, f.Owner)
	}
	if f.BusinessUnit != "" {
		add(`pr.business_unit = ?`, f.BusinessUnit)
	}
	if f.Kind != "" {
		add(`m.kind = ?`, f.Kind)
	}
	if f.Project != "" {
		add(`p.name = ?`, f.Project)
	}
	if f.NameLike != "" {
		cond, cargs, err := c.modelNameContains(ctx, f.NameLike)
		if err != nil {
			return nil, "", err
		}
		add(cond, cargs...)
	}
	if f.ModelID != "" {
		add(`m.id = ?`, f.ModelID)
	}
	if f.Name != "" {
		add(`m.name = ?`, f.Name)
	}
	if f.Overdue {
		add(`pr.retired_at IS NULL AND `+reviewPassed, f.Now)
	}
	if f.Attention {
		// The same reasons InventoryEntry.derive names, as SQL, so pages
		// are cut after the filter.
		add(`pr.retired_at IS NULL AND (`+reviewPassed+` OR (`+inProduction+` AND (NOT `+hasApprovedCard+
			` OR `+profileStatus+` <> 'validated')) OR `+prodUnsigned+`)`, f.Now)
	}
	if after != nil {
		add(`m.name > ?`, after[0])
	}
	var out []*governance.InventoryEntry
	err = c.eachRow(ctx, func(s scanner) error {
		e := &governance.InventoryEntry{}
		var next, retired sql.NullInt64
		var prod, card, unsigned int
		if err := s.Scan(&e.ModelID, &e.Model, &e.Project, &e.Kind, &e.Owner, &e.BusinessUnit, &e.IntendedUse, &e.RiskTier,
			&e.ValidationStatus, &next, &retired, &e.RetiredReason, &e.UpdatedBy, &e.UpdatedAt, &e.Revision, &prod, &card, &unsigned); err != nil {
			return err
		}
		e.ProductionUnsigned = unsigned == 1
		e.NextReviewAt, e.RetiredAt = invNullInt(next), invNullInt(retired)
		e.InProduction, e.ApprovedCard = prod == 1, card == 1
		out = append(out, e)
		return nil
	}, q+` ORDER BY m.name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, out[limit-1].Model)
	}
	return out, next, nil
}

func invFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
