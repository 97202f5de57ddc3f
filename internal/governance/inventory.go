package governance

import (
	"context"
	"fmt"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// ProfileReader reads the inventory facts of models, and annotations.
type ProfileReader interface {
	// CommentReader rides here so comments are part of Reader without an
	// edit to store.go; it can move there when the slices are merged.
	CommentReader
	// GetProfile returns the profile of a model by id; a model that has
	// none yet gets a zero profile (ValidationStatus not_validated,
	// Revision 0), not an error.
	GetProfile(ctx context.Context, modelID string) (*Profile, error)
	// ListInventory lists the models of the workspace in ctx that match f,
	// joined with their profiles, ordered by name; it applies the
	// visibility restriction of ctx in SQL so pages are cut after it. The
	// entries carry the stored validation status; Service derives the rest.
	ListInventory(ctx context.Context, f InventoryFilter, page steward.PageRequest) ([]*InventoryEntry, string, error)
}

// ProfileWriter writes them (and annotations; see ProfileReader).
type ProfileWriter interface {
	CommentWriter
	// PutProfile inserts or updates p; prevRevision 0 means "insert".
	// Sets p.Revision to prevRevision+1.
	PutProfile(ctx context.Context, p *Profile, prevRevision int64) error
}

// Limits on profile fields (bytes).
const (
	MaxBusinessUnit = 256
	MaxIntendedUse  = 4096
)

// TierUnclassified selects models with no risk tier in an inventory filter.
const TierUnclassified = "unclassified"

// Reasons a model is on the attention list.
const (
	AttentionReviewOverdue    = "review_overdue"                   // next_review_at has passed
	AttentionNoApprovedCard   = "production_without_approved_card" // a version in Production, no approved card
	AttentionNotValidated     = "production_not_validated"         // in Production, not (or no longer) validated
	AttentionFindingsOpen     = "production_findings_open"         // in Production, signed off with findings open
	AttentionInValidationProd = "production_in_validation"         // in Production while a review is open
	// A version in Production whose current artifacts no validation
	// sign-off covers (e.g. they were replaced after the sign-off).
	AttentionArtifactsUnvalidated = "production_artifacts_not_signed_off"
	productionStage               = string(registry.StageProduction)
	defaultInventoryExportPage    = 1000
)

// InventoryFilter selects inventory entries. Empty fields match all.
type InventoryFilter struct {
	RiskTier         string // high, medium, low, or "unclassified"
	ValidationStatus string // a Validation* value, including expired
	Owner            string
	BusinessUnit     string
	Kind             string
	Project          string
	NameLike         string // case-insensitive substring of the name
	// Overdue keeps models whose next review date has passed (retired
	// models excepted).
	Overdue bool
	// Attention keeps models that need someone: review overdue, or a
	// version in Production without an approved card or without a valid
	// validation.
	Attention bool
	// ModelID and Name keep one model (the profile of one model).
	ModelID string
	Name    string
	// Now is the moment "overdue" and "expired" are judged at (ms); the
	// service sets it.
	Now int64
}

// InventoryEntry is one model as the inventory shows it: the registry's
// facts (name, kind, owner, project) and the profile's.
type InventoryEntry struct {
	ModelID      string   `json:"model_id"`
	Model        string   `json:"model"`
	Project      string   `json:"project,omitempty"`
	Kind         string   `json:"kind"`
	Owner        string   `json:"owner"`
	BusinessUnit string   `json:"business_unit"`
	IntendedUse  string   `json:"intended_use"`
	RiskTier     RiskTier `json:"risk_tier"`
	// ValidationStatus is the stored status, except that a validated model
	// whose next review date has passed reads as expired.
	ValidationStatus string `json:"validation_status"`
	NextReviewAt     *int64 `json:"next_review_at,omitempty"`
	ReviewOverdue    bool   `json:"review_overdue"`
	// InProduction: a version of the model is in stage Production.
	InProduction bool `json:"in_production"`
	// ApprovedCard: the model has an approved model card version.
	ApprovedCard bool `json:"approved_card"`
	// ProductionUnsigned: a version in Production has no validation
	// sign-off for its current manifest digest.
	ProductionUnsigned bool     `json:"production_unsigned,omitempty"`
	RetiredAt          *int64   `json:"retired_at,omitempty"`
	RetiredReason      string   `json:"retired_reason,omitempty"`
	Attention          []string `json:"attention,omitempty"`
	UpdatedBy          string   `json:"updated_by,omitempty"`
	UpdatedAt          int64    `json:"updated_at,omitempty"`
	// Revision is the profile's (0: never set); If-Match on a profile
	// update compares with it.
	Revision int64 `json:"revision"`
}

// derive fills the read-time fields: expiry, overdue and attention reasons.
func (e *InventoryEntry) derive(now int64) {
	retired := e.RetiredAt != nil
	e.ReviewOverdue = !retired && e.NextReviewAt != nil && *e.NextReviewAt < now
	if e.ValidationStatus == ValidationValidated && e.NextReviewAt != nil && *e.NextReviewAt < now {
		e.ValidationStatus = ValidationExpired
	}
	e.Attention = nil
	if retired {
		return
	}
	if e.ReviewOverdue {
		e.Attention = append(e.Attention, AttentionReviewOverdue)
	}
	if !e.InProduction {
		return
	}
	if !e.ApprovedCard {
		e.Attention = append(e.Attention, AttentionNoApprovedCard)
	}
	// Signed off once, but not for the artifacts now in Production (the
	// other statuses have their own reason already).
	if e.ProductionUnsigned && (e.ValidationStatus == ValidationValidated || e.ValidationStatus == ValidationFindingsOpen || e.ValidationStatus == ValidationExpired) {
		e.Attention = append(e.Attention, AttentionArtifactsUnvalidated)
	}
	switch e.ValidationStatus {
	case ValidationFindingsOpen:
		e.Attention = append(e.Attention, AttentionFindingsOpen)
	case ValidationInProgress:
		e.Attention = append(e.Attention, AttentionInValidationProd)
	case ValidationNone, ValidationExpired:
		e.Attention = append(e.Attention, AttentionNotValidated)
	}
}

// ProfileUpdate is a partial update of a model's profile: nil fields stay.
type ProfileUpdate struct {
	BusinessUnit *string `json:"business_unit"`
	IntendedUse  *string `json:"intended_use"`
	// RiskTier and NextReviewAt are the model-risk function's to set (they
	// decide which gates apply and when the model is due): model.validate.
	RiskTier *string `json:"risk_tier"`
	// NextReviewAt is ms since the epoch; 0 clears the date.
	NextReviewAt *int64 `json:"next_review_at"`
}

// ParseRiskTier validates a risk tier; "" means unclassified.
func ParseRiskTier(s string) (RiskTier, error) {
	switch RiskTier(s) {
	case TierHigh, TierMedium, TierLow, TierNone:
		return RiskTier(s), nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "risk_tier %q is not one of high, medium, low (or \"\" for unclassified)", s).
		WithDetail("field", "risk_tier")
}

var validationStatuses = []string{ValidationNone, ValidationInProgress, ValidationValidated, ValidationFindingsOpen, ValidationExpired}

func checkFilter(f InventoryFilter) error {
	if f.RiskTier != "" && f.RiskTier != TierUnclassified {
		if _, err := ParseRiskTier(f.RiskTier); err != nil {
			return steward.Errorf(steward.CodeInvalid, "risk_tier %q is not one of high, medium, low, unclassified", f.RiskTier).
				WithDetail("field", "risk_tier")
		}
	}
	if f.ValidationStatus != "" {
		ok := false
		for _, s := range validationStatuses {
			ok = ok || s == f.ValidationStatus
		}
		if !ok {
			return steward.Errorf(steward.CodeInvalid, "validation_status %q is not one of not_validated, in_validation, validated, findings_open, expired",
				f.ValidationStatus).WithDetail("field", "validation_status")
		}
	}
	if f.Kind != "" {
		if _, err := registry.ParseKind(f.Kind); err != nil {
			return err
		}
	}
	return nil
}

// Inventory lists the models the caller may read with their inventory
// facts, filtered in SQL and ordered by name.
func (s *Service) Inventory(ctx context.Context, f InventoryFilter, page steward.PageRequest) ([]*InventoryEntry, string, error) {
	ctx, err := s.authz.Visible(ctx, steward.PermModelRead)
	if err != nil {
		return nil, "", err
	}
	if err := checkFilter(f); err != nil {
		return nil, "", err
	}
	f.ModelID, f.Name, f.Now = "", "", s.millis()
	es, next, err := s.store.ListInventory(ctx, f, page)
	if err != nil {
		return nil, "", err
	}
	for _, e := range es {
		e.derive(f.Now)
	}
	return es, next, nil
}

// AllInventory walks every page of Inventory (for exports) and calls fn for
// each entry in name order.
func (s *Service) AllInventory(ctx context.Context, f InventoryFilter, fn func(*InventoryEntry) error) error {
	page := steward.PageRequest{Size: defaultInventoryExportPage}
	for {
		es, next, err := s.Inventory(ctx, f, page)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.Token = next
	}
}

// Profile returns one model's inventory entry.
func (s *Service) Profile(ctx context.Context, model string) (*InventoryEntry, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, model); err != nil {
		return nil, err
	}
	return s.entry(ctx, s.store, InventoryFilter{Name: model})
}

// entry reads the one inventory entry f selects.
func (s *Service) entry(ctx context.Context, r ProfileReader, f InventoryFilter) (*InventoryEntry, error) {
	now := s.millis()
	f.Now = now
	es, _, err := r.ListInventory(ctx, f, steward.PageRequest{Size: 1})
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, steward.Errorf(steward.CodeNotFound, "registered model %q does not exist", f.Name+f.ModelID)
	}
	es[0].derive(now)
	return es[0], nil
}

// UpdateProfile changes the fields of in that are set. Business unit and
// intended use are the developers' (model.write); the risk tier and the
// next review date are the model-risk function's (model.validate), so a
// developer cannot lower the tier to escape the gates of a higher one.
func (s *Service) UpdateProfile(ctx context.Context, model string, in ProfileUpdate, ifRevision int64) (*InventoryEntry, error) {
	if in.BusinessUnit == nil && in.IntendedUse == nil && in.RiskTier == nil && in.NextReviewAt == nil {
		return nil, steward.Errorf(steward.CodeInvalid, "nothing to change: set at least one of business_unit, intended_use, risk_tier, next_review_at")
	}
	if in.BusinessUnit != nil || in.IntendedUse != nil {
		if err := s.allowModel(ctx, steward.PermModelWrite, model); err != nil {
			return nil, err
		}
	}
	if in.RiskTier != nil || in.NextReviewAt != nil {
		if err := s.allowModel(ctx, steward.PermModelValidate, model); err != nil {
			return nil, classifyDenied(err)
		}
	}
	var tier RiskTier
	if in.RiskTier != nil {
		var err error
		if tier, err = ParseRiskTier(*in.RiskTier); err != nil {
			return nil, err
		}
	}
	if in.BusinessUnit != nil {
		if err := steward.ValidateValue("business_unit", *in.BusinessUnit, MaxBusinessUnit); err != nil {
			return nil, err
		}
	}
	if in.IntendedUse != nil {
		if err := steward.ValidateValue("intended_use", *in.IntendedUse, MaxIntendedUse); err != nil {
			return nil, err
		}
	}
	if in.NextReviewAt != nil && *in.NextReviewAt < 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "next_review_at must be milliseconds since the epoch (0 clears it), got %d", *in.NextReviewAt).
			WithDetail("field", "next_review_at")
	}
	var out *InventoryEntry
	err := s.store.Update(ctx, func(r Repo) error {
		m, err := r.GetModel(ctx, model)
		if err != nil {
			return err
		}
		cur, err := r.GetProfile(ctx, m.ID)
		if err != nil {
			return err
		}
		if ifRevision != 0 && ifRevision != cur.Revision {
			return steward.Errorf(steward.CodePreconditionFailed,
				"the profile of model %s was changed since you read it (now at revision %d, you sent %d): read it again and retry",
				model, cur.Revision, ifRevision).WithDetail("revision", cur.Revision)
		}
		next := *cur
		if in.BusinessUnit != nil {
			next.BusinessUnit = *in.BusinessUnit
		}
		if in.IntendedUse != nil {
			next.IntendedUse = *in.IntendedUse
		}
		if in.RiskTier != nil {
			next.RiskTier = tier
		}
		if in.NextReviewAt != nil {
			next.NextReviewAt = nil
			if *in.NextReviewAt > 0 {
				v := *in.NextReviewAt
				next.NextReviewAt = &v
			}
		}
		next.ModelID, next.UpdatedBy, next.UpdatedAt = m.ID, actor(ctx), s.millis()
		if err := r.PutProfile(ctx, &next, cur.Revision); err != nil {
			return err
		}
		if err := s.emit(ctx, r, "model.profile.update", "model", m.ID, cur, &next); err != nil {
			return err
		}
		out, err = s.entry(ctx, r, InventoryFilter{ModelID: m.ID})
		return err
	})
	return out, err
}

// classifyDenied says why a developer may not set the tier: the message of
// a plain permission error names model.validate, which is right but does
// not say whose job it is.
func classifyDenied(err error) error {
	if !steward.IsCode(err, steward.CodePermissionDenied) {
		return err
	}
	return steward.Errorf(steward.CodePermissionDenied, "%s; risk_tier and next_review_at are set by validators (model.validate), not by the model's developers",
		steward.ErrorMessage(err)).WithDetail("permission", string(steward.PermModelValidate)).WithDetail("field", "risk_tier")
}

// setValidationStatus records a model's validation status in the
// transaction of the review change that decided it, creating the profile
// row if the model has none.
func (s *Service) setValidationStatus(ctx context.Context, r Repo, modelID, status string) error {
	cur, err := r.GetProfile(ctx, modelID)
	if err != nil {
		return err
	}
	if cur.ValidationStatus == status && cur.Revision > 0 {
		return nil
	}
	next := *cur
	next.ModelID, next.ValidationStatus, next.UpdatedBy, next.UpdatedAt = modelID, status, actor(ctx), s.millis()
	if err := r.PutProfile(ctx, &next, cur.Revision); err != nil {
		return fmt.Errorf("record validation status: %w", err)
	}
	return nil
}
