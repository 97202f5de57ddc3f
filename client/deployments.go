package client

import (
	"context"
	"net/url"
	"strconv"
)

// ModelDeployment says where a model version runs (or ran).
type ModelDeployment struct {
	ID          string  `json:"id"`
	ModelID     string  `json:"model_id"`
	ModelName   string  `json:"model"`
	VersionID   string  `json:"version_id"`
	Version     int64   `json:"version"`
	Environment string  `json:"environment"`
	Endpoint    string  `json:"endpoint"`
	Traffic     float64 `json:"traffic"` // percent of live requests
	Role        string  `json:"role"`    // champion, challenger, shadow, canary
	StartedAt   int64   `json:"started_at"`
	EndedAt     *int64  `json:"ended_at,omitempty"` // nil while live
	EndReason   string  `json:"end_reason,omitempty"`
	CreatedBy   string  `json:"created_by"`
	Revision    int64   `json:"revision"`
}

// ModelDeploymentCreate is the body of CreateDeployment. Environment
// defaults to production and Role to champion; Traffic nil means 100 for a
// champion and 0 for a shadow (required for the other roles).
type ModelDeploymentCreate struct {
	Version     int64    `json:"version"`
	Environment string   `json:"environment,omitempty"`
	Endpoint    string   `json:"endpoint,omitempty"`
	Traffic     *float64 `json:"traffic,omitempty"`
	Role        string   `json:"role,omitempty"`
}

// RollbackResult says what a rollback moved.
type RollbackResult struct {
	Model              string             `json:"model"`
	Environment        string             `json:"environment"`
	From               int64              `json:"from"`
	To                 int64              `json:"to"`
	ApprovalID         string             `json:"approval_id,omitempty"`
	Reason             string             `json:"reason"`
	AliasesMoved       []string           `json:"aliases_moved"`
	DeploymentsEnded   []*ModelDeployment `json:"deployments_ended"`
	DeploymentsStarted []*ModelDeployment `json:"deployments_started"`
}

// VersionRetirement is a version taken out of service for good.
type VersionRetirement struct {
	VersionID string `json:"version_id"`
	Model     string `json:"model"`
	Version   int64  `json:"version"`
	Reason    string `json:"reason"`
	RetiredBy string `json:"retired_by"`
	RetiredAt int64  `json:"retired_at"`
}

// RetireResult says what retiring a version or a model did.
type RetireResult struct {
	Model            string               `json:"model"`
	Reason           string               `json:"reason"`
	Versions         []*VersionRetirement `json:"versions"`
	AliasesRemoved   []string             `json:"aliases_removed"` // alias@version
	DeploymentsEnded []*ModelDeployment   `json:"deployments_ended"`
	RetiredAt        *int64               `json:"retired_at,omitempty"` // set when the model was retired
}

type reasonIn struct {
	Reason string `json:"reason"`
}

// ListDeployments lists a model's deployments, newest first; environment ""
// means all, live only those not ended.
func (c *Client) ListDeployments(ctx context.Context, model, environment string, live bool) ([]*ModelDeployment, error) {
	q := url.Values{}
	setIf(q, "environment", environment)
	if live {
		q.Set("live", "true")
	}
	var out struct {
		Deployments []*ModelDeployment `json:"deployments"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "deployments"), query: q, out: &out})
	return out.Deployments, err
}

// GetDeployment returns one deployment of a model.
func (c *Client) GetDeployment(ctx context.Context, model, id string) (*ModelDeployment, error) {
	return callOut[ModelDeployment](ctx, c, &request{method: "GET", path: apiPath("models", model, "deployments", id)})
}

// CreateDeployment records that a version of model runs somewhere.
func (c *Client) CreateDeployment(ctx context.Context, model string, in ModelDeploymentCreate) (*ModelDeployment, error) {
	return callOut[ModelDeployment](ctx, c, &request{method: "POST", path: apiPath("models", model, "deployments"), in: in})
}

// EndDeployment ends a live deployment with a reason.
func (c *Client) EndDeployment(ctx context.Context, model, id, reason string) (*ModelDeployment, error) {
	return callOut[ModelDeployment](ctx, c, &request{method: "POST", path: apiPath("models", model, "deployments", id, "end"), in: reasonIn{reason}})
}

// Rollback returns model's Production to the version that held it before
// the current one, swapping the champion deployment in environment ("" =
// production).
func (c *Client) Rollback(ctx context.Context, model, environment, reason string) (*RollbackResult, error) {
	in := map[string]string{"environment": environment, "reason": reason}
	return callOut[RollbackResult](ctx, c, &request{method: "POST", path: apiPath("models", model, "rollback"), in: in})
}

// RetireVersion retires one version with a reason.
func (c *Client) RetireVersion(ctx context.Context, model string, version int64, reason string) (*RetireResult, error) {
	return callOut[RetireResult](ctx, c, &request{method: "POST", path: apiPath("models", model, "versions", strconv.FormatInt(version, 10), "retire"), in: reasonIn{reason}})
}

// RetireModel retires a model and every version of it with a reason.
func (c *Client) RetireModel(ctx context.Context, model, reason string) (*RetireResult, error) {
	return callOut[RetireResult](ctx, c, &request{method: "POST", path: apiPath("models", model, "retire"), in: reasonIn{reason}})
}

// callOut performs r and decodes its JSON answer into a new T.
func callOut[T any](ctx context.Context, c *Client, r *request) (*T, error) {
	var out T
	r.out = &out
	if _, err := c.call(ctx, r); err != nil {
		return nil, err
	}
	return &out, nil
}
