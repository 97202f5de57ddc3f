package client

import (
	"context"
	"net/url"
)

// Token describes an API token (never its secret).
type Token struct {
	ID          string   `json:"id"`
	PrincipalID string   `json:"principal_id"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Scope       string   `json:"scope"`
	Groups      []string `json:"groups,omitempty"`
	AuthMethod  string   `json:"auth_method"`
	CreatedAt   int64    `json:"created_at"`
	ExpiresAt   int64    `json:"expires_at"`
	LastUsedAt  int64    `json:"last_used_at"`
	RevokedAt   int64    `json:"revoked_at"`
}

// TokenCreate asks for a new token. Principal defaults to the caller; Scope
// is read, write (default) or admin; ExpiresIn is a duration such as "720h"
// ("" = 90 days, "0" = never).
type TokenCreate struct {
	Principal string `json:"principal,omitempty"`
	Name      string `json:"name,omitempty"`
	Scope     string `json:"scope,omitempty"`
	ExpiresIn string `json:"expires_in,omitempty"`
}

// NewToken is a created token: Secret is shown only this once.
type NewToken struct {
	Secret string `json:"token"`
	Info   Token  `json:"info"`
}

// CreateToken issues an API token.
func (c *Client) CreateToken(ctx context.Context, in TokenCreate) (*NewToken, error) {
	var out NewToken
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("tokens"), in: in, out: &out})
	return &out, err
}

// ListTokens lists a principal's tokens ("" = the caller's).
func (c *Client) ListTokens(ctx context.Context, principal string) ([]*Token, error) {
	q := url.Values{}
	setIf(q, "principal", principal)
	var out struct {
		Tokens []*Token `json:"tokens"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("tokens"), query: q, out: &out})
	return out.Tokens, err
}

// RevokeToken revokes a token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("tokens", id)})
	return err
}

// Account is a person or a service account.
type Account struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	OIDCIssuer  string `json:"oidc_issuer,omitempty"`
	Disabled    bool   `json:"disabled"`
	CreatedBy   string `json:"created_by"`
	CreatedAt   int64  `json:"created_at"`
}

// AccountCreate creates an account; Kind is user (default) or
// service_account.
type AccountCreate struct {
	ID          string `json:"id"`
	Kind        string `json:"kind,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Email       string `json:"email,omitempty"`
	Password    string `json:"password,omitempty"`
}

// AccountUpdate changes the non-nil fields.
type AccountUpdate struct {
	DisplayName *string `json:"display_name,omitempty"`
	Email       *string `json:"email,omitempty"`
	Password    *string `json:"password,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty"`
}

// CreateAccount creates an account (admin).
func (c *Client) CreateAccount(ctx context.Context, in AccountCreate) (*Account, error) {
	var out Account
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("accounts"), in: in, out: &out})
	return &out, err
}

// ListAccounts lists every account (admin).
func (c *Client) ListAccounts(ctx context.Context) ([]*Account, error) {
	var out struct {
		Accounts []*Account `json:"accounts"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("accounts"), out: &out})
	return out.Accounts, err
}

// UpdateAccount changes an account.
func (c *Client) UpdateAccount(ctx context.Context, id string, in AccountUpdate) (*Account, error) {
	var out Account
	_, err := c.call(ctx, &request{method: "PATCH", path: apiPath("accounts", id), in: in, out: &out})
	return &out, err
}

// SetGroupMember adds or removes an account from a local group (admin).
func (c *Client) SetGroupMember(ctx context.Context, group, account string, member bool) error {
	m := "PUT"
	if !member {
		m = "DELETE"
	}
	_, err := c.call(ctx, &request{method: m, path: apiPath("groups", group, "members", account)})
	return err
}

// Binding gives a subject a role at a scope.
type Binding struct {
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Role      string `json:"role"`
	Scope     string `json:"scope"`
	Workspace string `json:"workspace,omitempty"`
	Name      string `json:"name,omitempty"`
	CreatedBy string `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
}

// CreateBinding binds a role (admin). Scope is global, workspace, project
// or model; Name the project or model.
func (c *Client) CreateBinding(ctx context.Context, b Binding) (*Binding, error) {
	var out Binding
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("role-bindings"), in: b, out: &out})
	return &out, err
}

// ListBindings lists role bindings (admin); filter by subject.
func (c *Client) ListBindings(ctx context.Context, subject string) ([]*Binding, error) {
	q := url.Values{}
	setIf(q, "subject", subject)
	var out struct {
		Bindings []*Binding `json:"role_bindings"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("role-bindings"), query: q, out: &out})
	return out.Bindings, err
}

// DeleteBinding removes a role binding (admin).
func (c *Client) DeleteBinding(ctx context.Context, id string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("role-bindings", id)})
	return err
}

// Grant is a model grant: read, write or manage for a subject.
type Grant struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Access  string `json:"access"`
	Role    string `json:"role"`
}

// GrantModel gives subject (user:<id> or group:<name>) access to a model.
func (c *Client) GrantModel(ctx context.Context, model, subject, access string) (*Grant, error) {
	var out Grant
	in := map[string]string{"subject": subject, "access": access}
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("models", model, "grants"), in: in, out: &out})
	return &out, err
}

// ListModelGrants lists a model's grants.
func (c *Client) ListModelGrants(ctx context.Context, model string) ([]*Grant, error) {
	var out struct {
		Grants []*Grant `json:"grants"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "grants"), out: &out})
	return out.Grants, err
}

// RevokeModelGrant removes a grant from a model.
func (c *Client) RevokeModelGrant(ctx context.Context, model, id string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("models", model, "grants", id)})
	return err
}

// Whoami is the caller as the server sees it.
type Whoami struct {
	Principal struct {
		ID         string   `json:"id"`
		Kind       string   `json:"kind"`
		AuthMethod string   `json:"auth_method"`
		Groups     []string `json:"groups"`
		TokenID    string   `json:"token_id"`
	} `json:"principal"`
	Scope    string     `json:"scope"`
	Account  *Account   `json:"account"`
	Bindings []*Binding `json:"bindings"`
}

// Me returns the caller's identity and role bindings.
func (c *Client) Me(ctx context.Context) (*Whoami, error) {
	var out Whoami
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("me"), out: &out})
	return &out, err
}

// AuthConfig says how to sign in to the server.
type AuthConfig struct {
	OIDC *struct {
		Issuer      string   `json:"issuer"`
		CLIClientID string   `json:"cli_client_id"`
		Scopes      []string `json:"scopes"`
	} `json:"oidc"`
	TokenExchange bool `json:"token_exchange"`
}

// AuthConfig fetches the server's sign-in configuration (no credentials
// needed).
func (c *Client) AuthConfig(ctx context.Context) (*AuthConfig, error) {
	var out AuthConfig
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("auth", "config"), out: &out})
	return &out, err
}

// ExchangeResult is a token obtained by token exchange.
type ExchangeResult struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Principal   string `json:"principal"`
}

// ExchangeToken swaps an identity provider's token (an ID token, or a CI
// job's OIDC token) for a short-lived Steward token (RFC 8693).
func (c *Client) ExchangeToken(ctx context.Context, subjectToken, subjectTokenType string) (*ExchangeResult, error) {
	in := map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token": subjectToken, "subject_token_type": subjectTokenType}
	var out ExchangeResult
	_, err := c.call(ctx, &request{method: "POST", path: apiPath("auth", "token"), in: in, out: &out})
	return &out, err
}

// Role is one row of the server's policy table.
type Role struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
}

// Roles returns the server's policy table.
func (c *Client) Roles(ctx context.Context) ([]*Role, error) {
	var out struct {
		Roles []*Role `json:"roles"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("roles"), out: &out})
	return out.Roles, err
}
