package client

import (
	"context"
	"net/url"
	"strconv"
)

// Threshold is a metric gate: metric Op Value on the version's source run.
type Threshold struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
}

// Policy is the gates of one risk tier.
type Policy struct {
	RiskTier             string      `json:"risk_tier"`
	Stages               []string    `json:"stages"`
	Aliases              []string    `json:"aliases"`
	RequireApprovedCard  bool        `json:"require_approved_card"`
	RequireValidation    bool        `json:"require_validation"`
	MetricThresholds     []Threshold `json:"metric_thresholds"`
	Approvers            int         `json:"approvers"`
	IndependentApprovers bool        `json:"independent_approvers"`
	UpdatedBy            string      `json:"updated_by,omitempty"`
	UpdatedAt            int64       `json:"updated_at,omitempty"`
	Revision             int64       `json:"revision,omitempty"`
	Default              bool        `json:"default,omitempty"`
}

// GateResult is one gate's verdict.
type GateResult struct {
	Gate   string `json:"gate"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Evaluation is the dry run of a move.
type Evaluation struct {
	Model     string       `json:"model"`
	Version   int64        `json:"version"`
	Kind      string       `json:"kind"`
	Target    string       `json:"target"`
	RiskTier  string       `json:"risk_tier"`
	Gated     bool         `json:"gated"`
	Allowed   bool         `json:"allowed"`
	Gates     []GateResult `json:"gates"`
	RequestID string       `json:"request_id,omitempty"`
}

// Decision is one approver's decision.
type Decision struct {
	Approver       string `json:"approver"`
	Decision       string `json:"decision"`
	Comment        string `json:"comment"`
	ManifestDigest string `json:"manifest_digest"`
	CreatedAt      int64  `json:"created_at"`
}

// ApprovalRequest asks for a stage or alias move, bound to a manifest digest.
type ApprovalRequest struct {
	ID             string      `json:"id"`
	Model          string      `json:"model"`
	Version        int64       `json:"version"`
	Kind           string      `json:"kind"`
	Target         string      `json:"target"`
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

// Policies returns the gate policy of every risk tier.
func (c *Client) Policies(ctx context.Context) ([]*Policy, error) {
	var out struct {
		Policies []*Policy `json:"policies"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("policies"), out: &out})
	return out.Policies, err
}

// SetPolicy stores the gate policy of a tier (high, medium, low, none).
func (c *Client) SetPolicy(ctx context.Context, tier string, p Policy) (*Policy, error) {
	var out Policy
	_, err := c.call(ctx, &request{method: "PUT", path: apiPath("policies", tier), in: p, out: &out})
	return &out, err
}

// EvaluateMove is the dry run of moving a version to a stage or an alias
// (exactly one of stage, alias).
func (c *Client) EvaluateMove(ctx context.Context, model string, version int64, stage, alias string) (*Evaluation, error) {
	q := url.Values{}
	if stage != "" {
		q.Set("stage", stage)
	}
	if alias != "" {
		q.Set("alias", alias)
	}
	var out Evaluation
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "versions", itoa(version), "gates"), query: q, out: &out})
	return &out, err
}

// RequestApproval opens an approval request for a move.
func (c *Client) RequestApproval(ctx context.Context, model string, version int64, stage, alias, justification string) (*ApprovalRequest, error) {
	in := map[string]string{"justification": justification}
	if stage != "" {
		in["stage"] = stage
	}
	if alias != "" {
		in["alias"] = alias
	}
	var out ApprovalRequest
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("models", model, "versions", itoa(version), "approval-requests"), in: in, out: &out})
	return &out, err
}

// ApprovalRequests lists requests (model and status may be empty).
func (c *Client) ApprovalRequests(ctx context.Context, model, status string, limit int) ([]*ApprovalRequest, error) {
	q := url.Values{}
	if model != "" {
		q.Set("model", model)
	}
	if status != "" {
		q.Set("status", status)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Requests []*ApprovalRequest `json:"requests"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("approval-requests"), query: q, out: &out})
	return out.Requests, err
}

// ApprovalRequest returns one request.
func (c *Client) ApprovalRequest(ctx context.Context, id string) (*ApprovalRequest, error) {
	var out ApprovalRequest
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("approval-requests", id), out: &out})
	return &out, err
}

// DecideApproval approves (verb "approve") or rejects ("reject") a request,
// or withdraws it ("withdraw").
func (c *Client) DecideApproval(ctx context.Context, id, verb, comment string) (*ApprovalRequest, error) {
	var out ApprovalRequest
	r := &request{method: "POST", path: apiPath("approval-requests", id, verb), out: &out}
	if verb != "withdraw" {
		r.in = map[string]string{"comment": comment}
	}
	_, err := c.call(ctx, r)
	return &out, err
}

// MoveStage moves a version to a stage with a reason kept in the history.
func (c *Client) MoveStage(ctx context.Context, model string, version int64, stage, reason string, archiveExisting bool) (*Version, error) {
	in := struct {
		Stage           string `json:"stage"`
		ArchiveExisting bool   `json:"archive_existing_versions"`
		Reason          string `json:"reason,omitempty"`
	}{stage, archiveExisting, reason}
	return c.versionCall(ctx, &request{method: "POST", path: apiPath("models", model, "versions", itoa(version), "stage"), in: in})
}

// MoveAlias points alias at a version with a reason kept in the history.
func (c *Client) MoveAlias(ctx context.Context, model, alias string, version int64, reason string) (*Version, error) {
	in := struct {
		Version int64  `json:"version"`
		Reason  string `json:"reason,omitempty"`
	}{version, reason}
	return c.versionCall(ctx, &request{method: "PUT", path: apiPath("models", model, "aliases", alias), in: in})
}

// ReplaceFiles swaps a version's artifacts for files (uploaded first).
func (c *Client) ReplaceFiles(ctx context.Context, model string, version int64, files []File) (*Version, error) {
	return c.versionCall(ctx, &request{method: "PUT", path: apiPath("models", model, "versions", itoa(version), "files"), in: map[string]any{"files": files}})
}
