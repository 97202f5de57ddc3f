package auth

import (
	"context"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// Account is a principal Steward knows: a person (local password or an
// identity provider) or a service account (tokens only).
type Account struct {
	ID          string                `json:"id"` // login name, unique across people and service accounts
	Kind        steward.PrincipalKind `json:"kind"`
	DisplayName string                `json:"display_name"`
	Email       string                `json:"email"`
	// PasswordHash is an argon2id PHC string; empty when the account cannot
	// log in with a password.
	PasswordHash string `json:"-"`
	OIDCIssuer   string `json:"oidc_issuer,omitempty"`
	OIDCSubject  string `json:"oidc_subject,omitempty"`
	Disabled     bool   `json:"disabled"`
	CreatedBy    string `json:"created_by"`
	CreatedAt    int64  `json:"created_at"`
	UpdatedAt    int64  `json:"updated_at"`
}

// HasPassword reports whether the account can log in with a password.
func (a *Account) HasPassword() bool { return a.PasswordHash != "" }

// Token is a stored credential: an API token, a web session or a
// short-lived exchanged token. The secret is never stored, only its SHA-256.
type Token struct {
	ID          string        `json:"id"` // public part, shown in lists and the audit log
	PrincipalID string        `json:"principal_id"`
	Name        string        `json:"name"`
	Kind        TokenKind     `json:"kind"`
	Hash        string        `json:"-"` // hex SHA-256 of the secret
	Scope       steward.Level `json:"-"`
	// Groups an identity provider asserted when the token was issued.
	Groups     []string `json:"groups,omitempty"`
	AuthMethod string   `json:"auth_method"`
	CreatedAt  int64    `json:"created_at"`
	ExpiresAt  int64    `json:"expires_at"` // ms; 0 = never
	LastUsedAt int64    `json:"last_used_at"`
	RevokedAt  int64    `json:"revoked_at"`
}

// TokenKind tells the uses of a token apart.
type TokenKind string

const (
	TokenAPI      TokenKind = "api"      // created by a person for scripts and CI
	TokenSession  TokenKind = "session"  // web UI session cookie
	TokenExchange TokenKind = "exchange" // short-lived, from an OIDC or workload token
)

// Binding gives a subject (a principal or a group) a role at a scope.
type Binding struct {
	ID        string `json:"id"`
	Subject   string `json:"subject"` // "user:alice" (people and service accounts) or "group:risk"
	Role      Role   `json:"role"`
	ScopeKind string `json:"scope"`               // "global", "workspace", "project", "model"
	Workspace string `json:"workspace,omitempty"` // empty for global
	ScopeName string `json:"name,omitempty"`      // project or model name
	CreatedBy string `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
}

// Scope kinds of a binding.
const (
	ScopeGlobal    = "global"
	ScopeWorkspace = "workspace"
	ScopeProject   = "project"
	ScopeModel     = "model"
)

// ModelInfo is what the authorizer needs to know about a model to apply
// project bindings and implicit ownership.
type ModelInfo struct {
	Project string
	Owner   string
}

// Reader reads identity data.
type Reader interface {
	GetAccount(ctx context.Context, id string) (*Account, error)
	GetAccountByOIDC(ctx context.Context, issuer, subject string) (*Account, error)
	ListAccounts(ctx context.Context) ([]*Account, error)
	CountAccounts(ctx context.Context) (int, error)
	GetToken(ctx context.Context, id string) (*Token, error)
	ListTokens(ctx context.Context, principalID string) ([]*Token, error)
	GroupsOf(ctx context.Context, principalID string) ([]string, error)
	ListGroups(ctx context.Context) (map[string][]string, error)
	// BindingsFor returns every binding whose subject is one of subjects.
	BindingsFor(ctx context.Context, subjects []string) ([]*Binding, error)
	ListBindings(ctx context.Context, f BindingFilter) ([]*Binding, error)
	// ModelInfo returns a model's project and owner in the workspace of ctx.
	ModelInfo(ctx context.Context, name string) (ModelInfo, error)
}

// BindingFilter selects bindings to list; empty fields match all.
type BindingFilter struct {
	Subject   string
	ScopeKind string
	Workspace string
	ScopeName string
}

// Repo is read/write access inside one transaction.
type Repo interface {
	Reader
	events.Appender
	CreateAccount(ctx context.Context, a *Account) error
	UpdateAccount(ctx context.Context, a *Account) error
	CreateToken(ctx context.Context, t *Token) error
	RevokeToken(ctx context.Context, id string, at int64) error
	AddGroupMember(ctx context.Context, group, principalID string) error
	RemoveGroupMember(ctx context.Context, group, principalID string) error
	CreateBinding(ctx context.Context, b *Binding) error
	DeleteBinding(ctx context.Context, id string) error
}

// Store is the identity store: reads outside transactions, writes in one.
type Store interface {
	Reader
	Update(ctx context.Context, fn func(Repo) error) error
	// TouchToken records a token's last use. It is bookkeeping, not a
	// change anyone made, so it writes no event.
	TouchToken(ctx context.Context, id string, at int64) error
}
