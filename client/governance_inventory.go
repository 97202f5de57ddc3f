package client

import (
	"context"
	"io"
	"net/url"
	"strconv"
)

// InventoryEntry is one model in the inventory: the registry's facts and
// the governance profile's.
type InventoryEntry struct {
	ModelID          string   `json:"model_id"`
	Model            string   `json:"model"`
	Project          string   `json:"project,omitempty"`
	Kind             string   `json:"kind"`
	Owner            string   `json:"owner"`
	BusinessUnit     string   `json:"business_unit"`
	IntendedUse      string   `json:"intended_use"`
	RiskTier         string   `json:"risk_tier"`
	ValidationStatus string   `json:"validation_status"`
	NextReviewAt     *int64   `json:"next_review_at,omitempty"`
	ReviewOverdue    bool     `json:"review_overdue"`
	InProduction     bool     `json:"in_production"`
	ApprovedCard     bool     `json:"approved_card"`
	RetiredAt        *int64   `json:"retired_at,omitempty"`
	RetiredReason    string   `json:"retired_reason,omitempty"`
	Attention        []string `json:"attention,omitempty"`
	UpdatedBy        string   `json:"updated_by,omitempty"`
	UpdatedAt        int64    `json:"updated_at,omitempty"`
	Revision         int64    `json:"revision"`
}

// InventoryFilter selects inventory entries; empty fields match all.
type InventoryFilter struct {
	RiskTier         string // high, medium, low, unclassified
	ValidationStatus string // not_validated, in_validation, validated, findings_open, expired
	Owner            string
	BusinessUnit     string
	Kind             string
	Project          string
	Search           string // name substring
	Overdue          bool
	// Attention asks for the models that need attention instead.
	Attention bool
}

func (f InventoryFilter) path() string {
	if f.Attention {
		return apiPath("inventory", "attention")
	}
	return apiPath("inventory")
}

func (f InventoryFilter) values() url.Values {
	q := url.Values{}
	setIf(q, "risk_tier", f.RiskTier)
	setIf(q, "validation_status", f.ValidationStatus)
	setIf(q, "owner", f.Owner)
	setIf(q, "business_unit", f.BusinessUnit)
	setIf(q, "kind", f.Kind)
	setIf(q, "project", f.Project)
	setIf(q, "q", f.Search)
	if f.Overdue {
		q.Set("overdue", "true")
	}
	return q
}

// Inventory returns one page of the inventory, ordered by model name.
func (c *Client) Inventory(ctx context.Context, f InventoryFilter, page ListOptions) ([]*InventoryEntry, string, error) {
	var out struct {
		Models        []*InventoryEntry `json:"models"`
		NextPageToken string            `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: f.path(), query: page.values(f.values()), out: &out})
	return out.Models, out.NextPageToken, err
}

// InventoryCSV streams the CSV export of every model matching f into w.
func (c *Client) InventoryCSV(ctx context.Context, f InventoryFilter, w io.Writer) error {
	q := f.values()
	q.Set("format", "csv")
	resp, err := c.send(ctx, &request{method: "GET", path: f.path(), query: q})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// ModelProfile returns one model's inventory entry.
func (c *Client) ModelProfile(ctx context.Context, model string) (*InventoryEntry, error) {
	var e InventoryEntry
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "profile"), out: &e}); err != nil {
		return nil, err
	}
	return &e, nil
}

// ProfileUpdate changes the non-nil fields of a model's profile. RiskTier
// and NextReviewAt (ms; 0 clears) need the validator's permission.
type ProfileUpdate struct {
	BusinessUnit *string `json:"business_unit,omitempty"`
	IntendedUse  *string `json:"intended_use,omitempty"`
	RiskTier     *string `json:"risk_tier,omitempty"`
	NextReviewAt *int64  `json:"next_review_at,omitempty"`
}

// UpdateModelProfile changes a model's profile; ifMatch > 0 makes it
// conditional on the profile's revision.
func (c *Client) UpdateModelProfile(ctx context.Context, model string, in ProfileUpdate, ifMatch int64) (*InventoryEntry, error) {
	var e InventoryEntry
	if _, err := c.call(ctx, &request{method: "PATCH", path: apiPath("models", model, "profile"), header: ifMatchHeader(ifMatch), in: in, out: &e}); err != nil {
		return nil, err
	}
	return &e, nil
}

// ValidationFinding is an issue a validator found.
type ValidationFinding struct {
	ID            string `json:"id"`
	ReviewID      string `json:"review_id"`
	Severity      string `json:"severity"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
	CreatedBy     string `json:"created_by"`
	CreatedAt     int64  `json:"created_at"`
	UpdatedBy     string `json:"updated_by"`
	UpdatedAt     int64  `json:"updated_at"`
	Revision      int64  `json:"revision"`
}

// ValidationReview is a validation review of a model version.
type ValidationReview struct {
	ID             string               `json:"id"`
	ModelName      string               `json:"model"`
	Version        int64                `json:"version"`
	Status         string               `json:"status"`
	Summary        string               `json:"summary"`
	CreatedBy      string               `json:"created_by"`
	CreatedAt      int64                `json:"created_at"`
	UpdatedAt      int64                `json:"updated_at"`
	SignedOffBy    string               `json:"signed_off_by,omitempty"`
	SignedOffAt    *int64               `json:"signed_off_at,omitempty"`
	ManifestDigest string               `json:"manifest_digest,omitempty"`
	Findings       []*ValidationFinding `json:"findings"`
	Revision       int64                `json:"revision"`
}

// FindingUpdate changes the non-nil fields of a finding.
type FindingUpdate struct {
	Status        *string `json:"status,omitempty"`
	Justification *string `json:"justification,omitempty"`
	Severity      *string `json:"severity,omitempty"`
	Title         *string `json:"title,omitempty"`
	Description   *string `json:"description,omitempty"`
}

func (c *Client) review(ctx context.Context, method, path string, in any) (*ValidationReview, error) {
	var rv ValidationReview
	if _, err := c.call(ctx, &request{method: method, path: path, in: in, out: &rv}); err != nil {
		return nil, err
	}
	return &rv, nil
}

// OpenReview starts a validation review of a model version.
func (c *Client) OpenReview(ctx context.Context, model string, version int64, summary string) (*ValidationReview, error) {
	return c.review(ctx, "POST", apiPath("models", model, "versions", itoa(version), "reviews"), map[string]string{"summary": summary})
}

// GetReview returns a review with its findings.
func (c *Client) GetReview(ctx context.Context, id string) (*ValidationReview, error) {
	return c.review(ctx, "GET", apiPath("reviews", id), nil)
}

// ListReviews returns a version's reviews, newest first.
func (c *Client) ListReviews(ctx context.Context, model string, version int64) ([]*ValidationReview, error) {
	var out struct {
		Reviews []*ValidationReview `json:"reviews"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "versions", itoa(version), "reviews"), out: &out})
	return out.Reviews, err
}

// SignOffReview signs a review off (summary "" keeps the review's).
func (c *Client) SignOffReview(ctx context.Context, id, summary string) (*ValidationReview, error) {
	var in map[string]string
	if summary != "" {
		in = map[string]string{"summary": summary}
	} else {
		in = map[string]string{}
	}
	return c.review(ctx, "POST", apiPath("reviews", id, "signoff"), in)
}

// AddFinding records a finding (severity high, medium or low).
func (c *Client) AddFinding(ctx context.Context, reviewID, severity, title, description string) (*ValidationFinding, error) {
	var f ValidationFinding
	in := map[string]string{"severity": severity, "title": title, "description": description}
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("reviews", reviewID, "findings"), in: in, out: &f}); err != nil {
		return nil, err
	}
	return &f, nil
}

// UpdateFinding changes a finding.
func (c *Client) UpdateFinding(ctx context.Context, reviewID, findingID string, in FindingUpdate) (*ValidationFinding, error) {
	var f ValidationFinding
	if _, err := c.call(ctx, &request{method: "PATCH", path: apiPath("reviews", reviewID, "findings", findingID), in: in, out: &f}); err != nil {
		return nil, err
	}
	return &f, nil
}

// Comment is a note on a model, a version or a card.
type Comment struct {
	ID        string `json:"id"`
	ModelName string `json:"model"`
	Target    string `json:"target"`
	Version   *int64 `json:"version,omitempty"`
	CardID    string `json:"card_id,omitempty"`
	Body      string `json:"body"`
	Author    string `json:"author"`
	CreatedAt int64  `json:"created_at"`
}

// CommentTarget names what a comment is on: a model, or one of its versions
// (Version > 0) or cards (Card: card version number or id).
type CommentTarget struct {
	Model   string
	Version int64
	Card    string
}

func (t CommentTarget) path(more ...string) string {
	segs := []string{"models", t.Model}
	switch {
	case t.Version > 0:
		segs = append(segs, "versions", strconv.FormatInt(t.Version, 10))
	case t.Card != "":
		segs = append(segs, "cards", t.Card)
	}
	return apiPath(append(append(segs, "comments"), more...)...)
}

// AddComment comments on t.
func (c *Client) AddComment(ctx context.Context, t CommentTarget, body string) (*Comment, error) {
	var out Comment
	if _, err := c.call(ctx, &request{method: "POST", path: t.path(), in: map[string]string{"body": body}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListComments returns one page of the comments on t, oldest first.
func (c *Client) ListComments(ctx context.Context, t CommentTarget, page ListOptions) ([]*Comment, string, error) {
	var out struct {
		Comments      []*Comment `json:"comments"`
		NextPageToken string     `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: t.path(), query: page.values(nil), out: &out})
	return out.Comments, out.NextPageToken, err
}

// DeleteComment deletes a comment on t.
func (c *Client) DeleteComment(ctx context.Context, t CommentTarget, id string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: t.path(id)})
	return err
}
