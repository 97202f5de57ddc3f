package governance

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// ValidationReader reads validation reviews.
type ValidationReader interface {
	// ValidationStateOf says whether the version (id) has a signed-off
	// review for the artifacts with manifest digest, and how many high
	// findings of that review are open.
	ValidationStateOf(ctx context.Context, versionID, digest string) (*ValidationState, error)
	// GetReview returns a review of the workspace in ctx with its findings
	// (oldest first); CodeNotFound if there is none.
	GetReview(ctx context.Context, id string) (*Review, error)
	// ListReviews returns the reviews of a version with their findings,
	// newest first.
	ListReviews(ctx context.Context, versionID string) ([]*Review, error)
}

// ValidationWriter writes them.
type ValidationWriter interface {
	CreateReview(ctx context.Context, r *Review) error
	// UpdateReview writes status, summary, updated_at and the sign-off
	// fields if the stored revision is prevRevision; sets r.Revision.
	UpdateReview(ctx context.Context, r *Review, prevRevision int64) error
	CreateFinding(ctx context.Context, f *Finding) error
	// UpdateFinding writes severity, title, description, status,
	// justification, updated_by/at if the stored revision is prevRevision;
	// sets f.Revision.
	UpdateFinding(ctx context.Context, f *Finding, prevRevision int64) error
}

// Limits on review text (bytes).
const (
	MaxFindingTitle = 512
	MaxReviewText   = 64 << 10
)

// ReviewCreate opens a review.
type ReviewCreate struct {
	Summary string `json:"summary"`
}

// FindingCreate adds a finding to a review.
type FindingCreate struct {
	Severity    string `json:"severity"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// FindingUpdate changes a finding; nil fields stay. Accepting a finding
// needs a justification: why the risk is tolerable.
type FindingUpdate struct {
	Status        *string `json:"status"`
	Justification *string `json:"justification"`
	Severity      *string `json:"severity"`
	Title         *string `json:"title"`
	Description   *string `json:"description"`
}

// SignOff closes a review; the summary replaces the review's if given.
type SignOff struct {
	Summary *string `json:"summary"`
}

func checkSeverity(s string) error {
	switch s {
	case SeverityHigh, SeverityMedium, SeverityLow:
		return nil
	}
	return steward.Errorf(steward.CodeInvalid, "severity %q is not one of high, medium, low", s).WithDetail("field", "severity")
}

func checkFindingStatus(s string) error {
	switch s {
	case FindingOpen, FindingRemediated, FindingAccepted:
		return nil
	}
	return steward.Errorf(steward.CodeInvalid, "status %q is not one of open, remediated, accepted", s).WithDetail("field", "status")
}

func checkTitle(t string) error {
	if strings.TrimSpace(t) == "" {
		return steward.Errorf(steward.CodeInvalid, "title is required: say in a line what is wrong").WithDetail("field", "title")
	}
	return steward.ValidateValue("title", t, MaxFindingTitle)
}

// allowReview loads a review and checks perm on its model; a caller who may
// not read the model gets the review's not-found error.
func (s *Service) allowReview(ctx context.Context, perm steward.Permission, id string) (*Review, error) {
	missing := fmt.Sprintf("validation review %q does not exist", id)
	rv, err := s.store.GetReview(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.authz.Authorize(ctx, perm, steward.Resource{Type: "model", Name: rv.ModelName, Workspace: steward.WorkspaceFrom(ctx), Missing: missing})
	return rv, err
}

// versionIn reads a model version inside a transaction.
func versionIn(ctx context.Context, r Repo, model string, version int64) (*registry.Model, *registry.Version, error) {
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return nil, nil, err
	}
	v, err := r.GetVersion(ctx, model, version)
	return m, v, err
}

// OpenReview starts a validation review of a model version.
func (s *Service) OpenReview(ctx context.Context, model string, version int64, in ReviewCreate) (*Review, error) {
	if err := s.allowModel(ctx, steward.PermModelValidate, model); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("summary", in.Summary, MaxReviewText); err != nil {
		return nil, err
	}
	var out *Review
	err := s.store.Update(ctx, func(r Repo) error {
		m, v, err := versionIn(ctx, r, model, version)
		if err != nil {
			return err
		}
		now := s.millis()
		rv := &Review{ID: steward.NewID(), ModelID: m.ID, ModelName: m.Name, VersionID: v.ID, Version: v.Version, Status: ReviewOpen,
			Summary: in.Summary, CreatedBy: actor(ctx), CreatedAt: now, UpdatedAt: now, Findings: []*Finding{}, Revision: 1}
		if err := r.CreateReview(ctx, rv); err != nil {
			return err
		}
		if err := s.setValidationStatus(ctx, r, m.ID, ValidationInProgress); err != nil {
			return err
		}
		out = rv
		return s.emit(ctx, r, "validation.review.create", "validation_review", rv.ID, nil, rv)
	})
	return out, err
}

// GetReview returns a review with its findings.
func (s *Service) GetReview(ctx context.Context, id string) (*Review, error) {
	return s.allowReview(ctx, steward.PermModelRead, id)
}

// ListReviews returns the reviews of a model version, newest first.
func (s *Service) ListReviews(ctx context.Context, model string, version int64) ([]*Review, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, model); err != nil {
		return nil, err
	}
	v, err := s.registry.GetVersion(ctx, model, version)
	if err != nil {
		return nil, err
	}
	return s.store.ListReviews(ctx, v.ID)
}

// AddFinding records an issue the validator found.
func (s *Service) AddFinding(ctx context.Context, reviewID string, in FindingCreate) (*Finding, error) {
	if err := checkSeverity(in.Severity); err != nil {
		return nil, err
	}
	if err := checkTitle(in.Title); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("description", in.Description, MaxReviewText); err != nil {
		return nil, err
	}
	if _, err := s.allowReview(ctx, steward.PermModelValidate, reviewID); err != nil {
		return nil, err
	}
	var out *Finding
	err := s.store.Update(ctx, func(r Repo) error {
		rv, err := r.GetReview(ctx, reviewID)
		if err != nil {
			return err
		}
		now := s.millis()
		f := &Finding{ID: steward.NewID(), ReviewID: rv.ID, Severity: in.Severity, Title: in.Title, Description: in.Description,
			Status: FindingOpen, CreatedBy: actor(ctx), CreatedAt: now, UpdatedBy: actor(ctx), UpdatedAt: now, Revision: 1}
		if err := r.CreateFinding(ctx, f); err != nil {
			return err
		}
		rv.Findings = append(rv.Findings, f)
		if err := s.touchReview(ctx, r, rv); err != nil {
			return err
		}
		if err := s.reviewChanged(ctx, r, rv); err != nil {
			return err
		}
		out = f
		return s.emit(ctx, r, "validation.finding.create", "validation_finding", f.ID, nil, f)
	})
	return out, err
}

// UpdateFinding changes a finding's status (remediated, accepted with a
// justification, or open again) or its text.
func (s *Service) UpdateFinding(ctx context.Context, reviewID, findingID string, in FindingUpdate, ifRevision int64) (*Finding, error) {
	if in.Status == nil && in.Justification == nil && in.Severity == nil && in.Title == nil && in.Description == nil {
		return nil, steward.Errorf(steward.CodeInvalid, "nothing to change: set at least one of status, justification, severity, title, description")
	}
	if in.Status != nil {
		if err := checkFindingStatus(*in.Status); err != nil {
			return nil, err
		}
	}
	if in.Severity != nil {
		if err := checkSeverity(*in.Severity); err != nil {
			return nil, err
		}
	}
	if in.Title != nil {
		if err := checkTitle(*in.Title); err != nil {
			return nil, err
		}
	}
	for field, v := range map[string]*string{"justification": in.Justification, "description": in.Description} {
		if v != nil {
			if err := steward.ValidateValue(field, *v, MaxReviewText); err != nil {
				return nil, err
			}
		}
	}
	if _, err := s.allowReview(ctx, steward.PermModelValidate, reviewID); err != nil {
		return nil, err
	}
	var out *Finding
	err := s.store.Update(ctx, func(r Repo) error {
		rv, err := r.GetReview(ctx, reviewID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rv.Findings, func(f *Finding) bool { return f.ID == findingID })
		if i < 0 {
			return steward.Errorf(steward.CodeNotFound, "review %s has no finding %q", reviewID, findingID)
		}
		cur := rv.Findings[i]
		if ifRevision != 0 && ifRevision != cur.Revision {
			return steward.Errorf(steward.CodePreconditionFailed,
				"finding %s was changed since you read it (now at revision %d, you sent %d): read it again and retry", cur.ID, cur.Revision, ifRevision).
				WithDetail("revision", cur.Revision)
		}
		next := *cur
		if in.Severity != nil {
			next.Severity = *in.Severity
		}
		if in.Title != nil {
			next.Title = *in.Title
		}
		if in.Description != nil {
			next.Description = *in.Description
		}
		if in.Justification != nil {
			next.Justification = *in.Justification
		}
		if in.Status != nil {
			next.Status = *in.Status
			if next.Status == FindingOpen && in.Justification == nil {
				next.Justification = "" // re-opened: the old acceptance no longer stands
			}
		}
		if next.Status == FindingAccepted && strings.TrimSpace(next.Justification) == "" {
			return steward.Errorf(steward.CodeInvalid,
				"accepting finding %s needs a justification: say why the risk is acceptable (field justification)", cur.ID).
				WithDetail("field", "justification")
		}
		next.UpdatedBy, next.UpdatedAt = actor(ctx), s.millis()
		if err := r.UpdateFinding(ctx, &next, cur.Revision); err != nil {
			return err
		}
		rv.Findings[i] = &next
		if err := s.touchReview(ctx, r, rv); err != nil {
			return err
		}
		if err := s.reviewChanged(ctx, r, rv); err != nil {
			return err
		}
		out = &next
		return s.emit(ctx, r, "validation.finding.update", "validation_finding", next.ID, cur, &next)
	})
	return out, err
}

// SignOff closes a review: the validator vouches for the version's
// artifacts as they are now (their manifest digest is recorded; if the
// artifacts change, the sign-off no longer counts). It is refused while a
// high finding is open, and to anyone who authored the version, admins
// included.
func (s *Service) SignOff(ctx context.Context, reviewID string, in SignOff, ifRevision int64) (*Review, error) {
	if in.Summary != nil {
		if err := steward.ValidateValue("summary", *in.Summary, MaxReviewText); err != nil {
			return nil, err
		}
	}
	if _, err := s.allowReview(ctx, steward.PermModelValidate, reviewID); err != nil {
		return nil, err
	}
	var out *Review
	err := s.store.Update(ctx, func(r Repo) error {
		rv, err := r.GetReview(ctx, reviewID)
		if err != nil {
			return err
		}
		if ifRevision != 0 && ifRevision != rv.Revision {
			return steward.Errorf(steward.CodePreconditionFailed,
				"review %s was changed since you read it (now at revision %d, you sent %d): read it again and retry", rv.ID, rv.Revision, ifRevision).
				WithDetail("revision", rv.Revision)
		}
		if rv.Status == ReviewSignedOff {
			return steward.Errorf(steward.CodeConflict, "review %s was already signed off by %s; to vouch for changed artifacts, open a new review",
				rv.ID, rv.SignedOffBy)
		}
		_, v, err := versionIn(ctx, r, rv.ModelName, rv.Version)
		if err != nil {
			return err
		}
		authors, err := s.authorsOf(ctx, r, v)
		if err != nil {
			return err
		}
		if err := auth.RequireIndependent(ctx, "sign off", authors...); err != nil {
			return err
		}
		var blocking []string
		for _, f := range rv.Findings {
			if f.Severity == SeverityHigh && f.Status == FindingOpen {
				blocking = append(blocking, fmt.Sprintf("%s (%q)", f.ID, f.Title))
			}
		}
		if len(blocking) > 0 {
			return steward.Errorf(steward.CodeConflict,
				"review %s has %d open high finding(s): %s; remediate them, or accept them with a justification, before signing off",
				rv.ID, len(blocking), strings.Join(blocking, ", ")).WithDetail("open_high", len(blocking))
		}
		before := *rv
		now := s.millis()
		rv.Status, rv.SignedOffBy, rv.SignedOffAt, rv.ManifestDigest, rv.UpdatedAt = ReviewSignedOff, actor(ctx), &now, v.ManifestDigest, now
		if in.Summary != nil {
			rv.Summary = *in.Summary
		}
		if err := r.UpdateReview(ctx, rv, before.Revision); err != nil {
			return err
		}
		if err := s.reviewChanged(ctx, r, rv); err != nil {
			return err
		}
		out = rv
		return s.emit(ctx, r, "validation.signoff", "validation_review", rv.ID, &before, rv)
	})
	return out, err
}

// authorsOf is who authored a version for the independence rule: what the
// store's VersionAuthors says (creator, run, card editors), and at least the
// version's creator and its run's user, which this transaction can read
// itself, so the rule never rests on one query alone.
func (s *Service) authorsOf(ctx context.Context, r Repo, v *registry.Version) ([]string, error) {
	authors, err := r.VersionAuthors(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	authors = append(authors, v.CreatedBy)
	if v.RunID != "" {
		run, err := r.GetRunInfo(ctx, v.RunID)
		switch {
		case err == nil:
			authors = append(authors, run.UserID)
		case !steward.IsCode(err, steward.CodeNotFound):
			return nil, err
		}
	}
	return authors, nil
}

// touchReview bumps the review's revision when one of its findings
// changes, so a sign-off racing a new or re-opened finding loses the race
// (its conditional update fails and the transaction is retried with the
// finding in view) instead of signing off past it.
func (s *Service) touchReview(ctx context.Context, r Repo, rv *Review) error {
	rv.UpdatedAt = s.millis()
	return r.UpdateReview(ctx, rv, rv.Revision)
}

// reviewChanged brings the model's validation status in line with the
// review that just changed: open → in_validation; signed off with findings
// still open (any severity) → findings_open; signed off, none open →
// validated. The newest change decides for the model.
func (s *Service) reviewChanged(ctx context.Context, r Repo, rv *Review) error {
	status := ValidationInProgress
	if rv.Status == ReviewSignedOff {
		status = ValidationValidated
		for _, f := range rv.Findings {
			if f.Status == FindingOpen {
				status = ValidationFindingsOpen
			}
		}
	}
	return s.setValidationStatus(ctx, r, rv.ModelID, status)
}
