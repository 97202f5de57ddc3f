package sqlstore

import (
	"context"
	"database/sql"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// ValidationStateOf looks at the newest signed-off review of the version
// whose digest is digest; a sign-off of other artifacts only makes the
// state stale.
func (c conn) ValidationStateOf(ctx context.Context, versionID, digest string) (*governance.ValidationState, error) {
	ws := steward.WorkspaceFrom(ctx)
	st := &governance.ValidationState{}
	var otherSignOffs int
	err := c.row(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'signed_off' AND manifest_digest <> ? THEN 1 ELSE 0 END), 0)
		FROM validation_reviews WHERE workspace = ? AND version_id = ?`, digest, ws, versionID).Scan(&st.ReviewsCount, &otherSignOffs)
	if err != nil {
		return nil, err
	}
	err = c.row(ctx, `SELECT r.id, r.signed_off_by,
		(SELECT COUNT(*) FROM validation_findings f WHERE f.review_id = r.id AND f.severity = 'high' AND f.status = 'open')
		FROM validation_reviews r WHERE r.workspace = ? AND r.version_id = ? AND r.status = 'signed_off' AND r.manifest_digest = ?
		ORDER BY r.signed_off_at DESC, r.id LIMIT 1`, ws, versionID, digest).Scan(&st.ReviewID, &st.SignedOffBy, &st.OpenHigh)
	switch {
	case err == sql.ErrNoRows:
		st.DigestStale = otherSignOffs > 0
	case err != nil:
		return nil, err
	default:
		st.SignedOff = true
	}
	return st, nil
}

const reviewSelect = `SELECT r.id, r.model_id, m.name, r.version_id, v.version, r.status, r.summary, r.created_by, r.created_at,
	r.updated_at, r.signed_off_by, r.signed_off_at, r.manifest_digest, r.revision
	FROM validation_reviews r JOIN models m ON m.id = r.model_id JOIN model_versions v ON v.id = r.version_id`

func scanReview(s scanner) (*governance.Review, error) {
	rv := &governance.Review{Findings: []*governance.Finding{}}
	var signed sql.NullInt64
	err := s.Scan(&rv.ID, &rv.ModelID, &rv.ModelName, &rv.VersionID, &rv.Version, &rv.Status, &rv.Summary, &rv.CreatedBy, &rv.CreatedAt,
		&rv.UpdatedAt, &rv.SignedOffBy, &signed, &rv.ManifestDigest, &rv.Revision)
	rv.SignedOffAt = invNullInt(signed)
	return rv, err
}

func (c conn) GetReview(ctx context.Context, id string) (*governance.Review, error) {
	rv, err := scanReview(c.row(ctx, reviewSelect+` WHERE r.workspace = ? AND r.id = ?`, steward.WorkspaceFrom(ctx), id))
	if err != nil {
		return nil, notFound(err, "validation review %q does not exist", id)
	}
	return rv, c.fillFindings(ctx, []*governance.Review{rv})
}

func (c conn) ListReviews(ctx context.Context, versionID string) ([]*governance.Review, error) {
	var out []*governance.Review
	err := c.eachRow(ctx, func(s scanner) error {
		rv, err := scanReview(s)
		out = append(out, rv)
		return err
	}, reviewSelect+` WHERE r.workspace = ? AND r.version_id = ? ORDER BY r.created_at DESC, r.id`, steward.WorkspaceFrom(ctx), versionID)
	if err != nil {
		return nil, err
	}
	return out, c.fillFindings(ctx, out)
}

// fillFindings loads the findings of reviews in one query, oldest first.
func (c conn) fillFindings(ctx context.Context, rvs []*governance.Review) error {
	if len(rvs) == 0 {
		return nil
	}
	byID := make(map[string]*governance.Review, len(rvs))
	ids := make([]any, len(rvs))
	for i, rv := range rvs {
		byID[rv.ID], ids[i] = rv, rv.ID
	}
	return c.eachRow(ctx, func(s scanner) error {
		f := &governance.Finding{}
		if err := s.Scan(&f.ID, &f.ReviewID, &f.Severity, &f.Title, &f.Description, &f.Status, &f.Justification,
			&f.CreatedBy, &f.CreatedAt, &f.UpdatedBy, &f.UpdatedAt, &f.Revision); err != nil {
			return err
		}
		byID[f.ReviewID].Findings = append(byID[f.ReviewID].Findings, f)
		return nil
	}, `SELECT id, review_id, severity, title, description, status, justification, created_by, created_at, updated_by, updated_at, revision
		FROM validation_findings WHERE review_id IN (`+placeholders(len(ids))+`) ORDER BY review_id, seq, created_at, id`, ids...)
}

func (c conn) CreateReview(ctx context.Context, rv *governance.Review) error {
	rv.Revision = 1
	_, err := c.exec(ctx, `INSERT INTO validation_reviews (id, workspace, model_id, version_id, status, summary, created_by, created_at,
		updated_at, signed_off_by, signed_off_at, manifest_digest, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		rv.ID, steward.WorkspaceFrom(ctx), rv.ModelID, rv.VersionID, rv.Status, rv.Summary, rv.CreatedBy, rv.CreatedAt,
		rv.UpdatedAt, rv.SignedOffBy, invIntArg(rv.SignedOffAt), rv.ManifestDigest)
	return err
}

func (c conn) UpdateReview(ctx context.Context, rv *governance.Review, prevRevision int64) error {
	res, err := c.exec(ctx, `UPDATE validation_reviews SET status = ?, summary = ?, updated_at = ?, signed_off_by = ?, signed_off_at = ?,
		manifest_digest = ?, revision = ? WHERE workspace = ? AND id = ? AND revision = ?`,
		rv.Status, rv.Summary, rv.UpdatedAt, rv.SignedOffBy, invIntArg(rv.SignedOffAt), rv.ManifestDigest, prevRevision+1,
		steward.WorkspaceFrom(ctx), rv.ID, prevRevision)
	if err != nil {
		return err
	}
	if err := one(res, "validation review "+rv.ID); err != nil {
		return err
	}
	rv.Revision = prevRevision + 1
	return nil
}

func (c conn) CreateFinding(ctx context.Context, f *governance.Finding) error {
	f.Revision = 1
	_, err := c.exec(ctx, `INSERT INTO validation_findings (id, review_id, workspace, severity, title, description, status, justification,
		created_by, created_at, updated_by, updated_at, revision, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1,
		(SELECT COALESCE(MAX(seq), 0) + 1 FROM validation_findings WHERE review_id = ?))`,
		f.ID, f.ReviewID, steward.WorkspaceFrom(ctx), f.Severity, f.Title, f.Description, f.Status, f.Justification,
		f.CreatedBy, f.CreatedAt, f.UpdatedBy, f.UpdatedAt, f.ReviewID)
	if err != nil && c.d.IsUnique(err) {
		// A concurrent addition took the number: retry the transaction.
		return &steward.Error{Code: steward.CodePreconditionFailed, Err: errRaced,
			Message: "review " + f.ReviewID + " was changed by someone else at the same time; read it again and retry"}
	}
	return err
}

func (c conn) UpdateFinding(ctx context.Context, f *governance.Finding, prevRevision int64) error {
	res, err := c.exec(ctx, `UPDATE validation_findings SET severity = ?, title = ?, description = ?, status = ?, justification = ?,
		updated_by = ?, updated_at = ?, revision = ? WHERE workspace = ? AND id = ? AND revision = ?`,
		f.Severity, f.Title, f.Description, f.Status, f.Justification, f.UpdatedBy, f.UpdatedAt, prevRevision+1,
		steward.WorkspaceFrom(ctx), f.ID, prevRevision)
	if err != nil {
		return err
	}
	if err := one(res, "finding "+f.ID); err != nil {
		return err
	}
	f.Revision = prevRevision + 1
	return nil
}
