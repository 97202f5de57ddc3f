package governance

import (
	"encoding/json"
)

// RiskTier is a model's risk classification. "" means not yet classified.
type RiskTier string

const (
	TierHigh   RiskTier = "high"
	TierMedium RiskTier = "medium"
	TierLow    RiskTier = "low"
	TierNone   RiskTier = ""
)

// Validation status values of a model (inventory).
const (
	ValidationNone         = "not_validated"
	ValidationInProgress   = "in_validation"
	ValidationValidated    = "validated"
	ValidationFindingsOpen = "findings_open"
	ValidationExpired      = "expired" // derived at read time: validated but next_review_at has passed
)

// Profile is the inventory facts of one model that the registry does not
// keep (owner and kind are the model's own).
type Profile struct {
	ModelID          string   `json:"model_id"`
	BusinessUnit     string   `json:"business_unit"`
	IntendedUse      string   `json:"intended_use"`
	RiskTier         RiskTier `json:"risk_tier"`
	ValidationStatus string   `json:"validation_status"`
	NextReviewAt     *int64   `json:"next_review_at,omitempty"` // ms
	RetiredAt        *int64   `json:"retired_at,omitempty"`
	RetiredReason    string   `json:"retired_reason,omitempty"`
	UpdatedBy        string   `json:"updated_by"`
	UpdatedAt        int64    `json:"updated_at"`
	Revision         int64    `json:"revision"`
}

// Card statuses.
const (
	CardDraft         = "draft"
	CardPendingReview = "pending_review"
	CardApproved      = "approved"
	CardArchived      = "archived"
)

// Card is one version of a model card. Content is the card document (JSON
// validated by internal/modelcard's schema).
type Card struct {
	ID           string          `json:"id"`
	ModelID      string          `json:"model_id"`
	ModelName    string          `json:"model"`
	CardVersion  int64           `json:"card_version"`
	ModelVersion *int64          `json:"model_version,omitempty"` // the model version it documents, if any
	Status       string          `json:"status"`
	Content      json.RawMessage `json:"content"`
	CreatedBy    string          `json:"created_by"`
	CreatedAt    int64           `json:"created_at"`
	UpdatedBy    string          `json:"updated_by"`
	UpdatedAt    int64           `json:"updated_at"`
	ApprovedBy   string          `json:"approved_by,omitempty"`
	ApprovedAt   *int64          `json:"approved_at,omitempty"`
	Revision     int64           `json:"revision"`
}

// Review statuses.
const (
	ReviewOpen      = "open"
	ReviewSignedOff = "signed_off"
)

// Finding severities and statuses.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"

	FindingOpen       = "open"
	FindingRemediated = "remediated"
	FindingAccepted   = "accepted" // accepted with a justification
)

// Review is a validation review of one model version.
type Review struct {
	ID        string `json:"id"`
	ModelID   string `json:"model_id"`
	ModelName string `json:"model"`
	VersionID string `json:"version_id"`
	Version   int64  `json:"version"`
	Status    string `json:"status"`
	Summary   string `json:"summary"`
	CreatedBy string `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
	// SignedOffBy/At and ManifestDigest are set by the sign-off; the
	// digest is the version's artifacts at that moment.
	SignedOffBy    string     `json:"signed_off_by,omitempty"`
	SignedOffAt    *int64     `json:"signed_off_at,omitempty"`
	ManifestDigest string     `json:"manifest_digest,omitempty"`
	Findings       []*Finding `json:"findings"`
	Revision       int64      `json:"revision"`
}

// Finding is one issue a validator found.
type Finding struct {
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

// ValidationState is what the gates need to know about a version's
// validation: the newest signed-off review whose digest is the version's
// current manifest digest, and how many high findings of it are open.
type ValidationState struct {
	SignedOff    bool   `json:"signed_off"`
	ReviewID     string `json:"review_id,omitempty"`
	SignedOffBy  string `json:"signed_off_by,omitempty"`
	OpenHigh     int    `json:"open_high"`
	DigestStale  bool   `json:"digest_stale"` // a sign-off exists but for other artifacts
	ReviewsCount int    `json:"reviews"`
}

// Move kinds.
const (
	MoveStage = "stage"
	MoveAlias = "alias"
)

// Approval request statuses.
const (
	RequestPending   = "pending"
	RequestApproved  = "approved" // enough approvals; waiting to be applied
	RequestRejected  = "rejected"
	RequestApplied   = "applied"
	RequestWithdrawn = "withdrawn"
)

// Request is an approval request for moving a version to a stage or an
// alias. It is bound to the version's manifest digest when requested.
type Request struct {
	ID             string      `json:"id"`
	ModelID        string      `json:"model_id"`
	ModelName      string      `json:"model"`
	VersionID      string      `json:"version_id"`
	Version        int64       `json:"version"`
	Kind           string      `json:"kind"`   // stage | alias
	Target         string      `json:"target"` // "Production" or "champion"
	ManifestDigest string      `json:"manifest_digest"`
	Justification  string      `json:"justification"`
	Status         string      `json:"status"`
	RequestedBy    string      `json:"requested_by"`
	CreatedAt      int64       `json:"created_at"`
	UpdatedAt      int64       `json:"updated_at"`
	AppliedAt      *int64      `json:"applied_at,omitempty"`
	Decisions      []*Decision `json:"decisions"`
	Revision       int64       `json:"revision"`
}

// Decision is one approver's approve or reject.
type Decision struct {
	Approver       string `json:"approver"`
	Decision       string `json:"decision"` // approve | reject
	Comment        string `json:"comment"`
	ManifestDigest string `json:"manifest_digest"`
	CreatedAt      int64  `json:"created_at"`
}

// Threshold is a metric gate: the version's source-run metric Metric must
// satisfy Op Value (e.g. auc >= 0.80).
type Threshold struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"` // >=, >, <=, <, ==
	Value  float64 `json:"value"`
}

// Policy is the gates of one risk tier, kept as data. Targets says which
// moves it guards; the other fields are the gates.
type Policy struct {
	RiskTier RiskTier `json:"risk_tier"`
	// Stages and Aliases are the targets guarded (e.g. ["Production"],
	// ["champion"]). A move to any other target is not gated.
	Stages  []string `json:"stages"`
	Aliases []string `json:"aliases"`

	RequireApprovedCard bool        `json:"require_approved_card"`
	RequireValidation   bool        `json:"require_validation"` // signed off for these artifacts, no open high findings
	MetricThresholds    []Threshold `json:"metric_thresholds"`
	Approvers           int         `json:"approvers"` // approvals needed (0: no approval request)
	// IndependentApprovers: approvers must differ from the requester and
	// from the version's authors.
	IndependentApprovers bool `json:"independent_approvers"`

	UpdatedBy string `json:"updated_by,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
	Revision  int64  `json:"revision,omitempty"`
	// Default is true when no policy is stored and the built-in one applies.
	Default bool `json:"default,omitempty"`
}

// GateResult is one gate's verdict for a move.
type GateResult struct {
	Gate   string `json:"gate"` // card_approved, validation, metric:auc, approvals, independence
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Evaluation is every gate's verdict for a move (the dry run).
type Evaluation struct {
	Model     string       `json:"model"`
	Version   int64        `json:"version"`
	Kind      string       `json:"kind"`
	Target    string       `json:"target"`
	RiskTier  RiskTier     `json:"risk_tier"`
	Gated     bool         `json:"gated"` // false: the policy does not guard this target
	Allowed   bool         `json:"allowed"`
	Gates     []GateResult `json:"gates"`
	RequestID string       `json:"request_id,omitempty"` // the approved request the move would use
}

// LifecycleMove is one stage or alias move kept in the history.
type LifecycleMove struct {
	Seq        int64  `json:"seq"`
	ModelID    string `json:"model_id"`
	ModelName  string `json:"model"`
	Kind       string `json:"kind"`    // stage | alias
	Target     string `json:"target"`  // stage name or alias name
	Version    *int64 `json:"version"` // nil: alias removed
	VersionID  string `json:"version_id,omitempty"`
	From       string `json:"from"` // previous stage, or previous version of the alias
	Actor      string `json:"actor"`
	Reason     string `json:"reason,omitempty"`
	ApprovalID string `json:"approval_id,omitempty"`
	At         int64  `json:"at"`
}

// Holder says which version held a stage or alias at a moment, and how it
// got there.
type Holder struct {
	Version    int64  `json:"version"`
	Since      int64  `json:"since"`
	Actor      string `json:"actor"`
	Reason     string `json:"reason,omitempty"`
	ApprovalID string `json:"approval_id,omitempty"`
	// Approvers are the approvers of ApprovalID, when there is one.
	Approvers []string `json:"approvers,omitempty"`
}

// State is a model's stages and aliases at one moment.
type State struct {
	Model   string              `json:"model"`
	At      int64               `json:"at"`
	Stages  map[string][]Holder `json:"stages"`  // stage -> versions in it
	Aliases map[string]Holder   `json:"aliases"` // alias -> version
}

// Deployment roles.
const (
	RoleChampion   = "champion"
	RoleChallenger = "challenger"
	RoleShadow     = "shadow"
	RoleCanary     = "canary"
)

// Deployment says where a version runs.
type Deployment struct {
	ID          string  `json:"id"`
	ModelID     string  `json:"model_id"`
	ModelName   string  `json:"model"`
	VersionID   string  `json:"version_id"`
	Version     int64   `json:"version"`
	Environment string  `json:"environment"`
	Endpoint    string  `json:"endpoint"`
	Traffic     float64 `json:"traffic"` // percent 0..100
	Role        string  `json:"role"`
	StartedAt   int64   `json:"started_at"`
	EndedAt     *int64  `json:"ended_at,omitempty"`
	EndReason   string  `json:"end_reason,omitempty"`
	CreatedBy   string  `json:"created_by"`
	Revision    int64   `json:"revision"`
}
