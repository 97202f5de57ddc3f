package steward

import "context"

// PrincipalKind tells people from machines.
type PrincipalKind string

const (
	PrincipalUser    PrincipalKind = "user"
	PrincipalService PrincipalKind = "service_account"
	PrincipalSystem  PrincipalKind = "system" // background jobs and migrations
)

// Principal is who is acting. The HTTP layer (and later the auth layer) puts
// one into the request context; every domain service reads it from there so
// that the actor of a change is never a parameter a caller can forget.
type Principal struct {
	ID         string        `json:"id"`
	Kind       PrincipalKind `json:"kind"`
	AuthMethod string        `json:"auth_method,omitempty"` // "single_user", "token", "session", "basic", "internal"
	// Groups the principal belongs to: local memberships plus the groups an
	// identity provider asserted at login.
	Groups []string `json:"groups,omitempty"`
	// Scope caps what the credential may do, whatever the roles allow:
	// a read-scoped token cannot write. Zero means LevelAdmin (no cap).
	Scope Level `json:"-"`
	// TokenID identifies the credential (never the secret), for the audit log.
	TokenID string `json:"token_id,omitempty"`
	// Superuser is the single-user-mode principal: every permission,
	// nothing to configure. It is never set for a real account.
	Superuser bool `json:"-"`
}

// Cap returns the credential's scope (LevelAdmin when uncapped).
func (p Principal) Cap() Level {
	if p.Scope == 0 {
		return LevelAdmin
	}
	return p.Scope
}

// Anonymous is the principal of local single-user mode: whoever can reach a
// loopback-only server with no accounts is its only user.
var Anonymous = Principal{ID: "anonymous", Kind: PrincipalUser, AuthMethod: "single_user", Superuser: true}

// System is the principal of work Steward does by itself.
var System = Principal{ID: "system", Kind: PrincipalSystem, AuthMethod: "internal", Superuser: true}

// RequestInfo describes where a request came from, recorded with each event.
type RequestInfo struct {
	RequestID string `json:"request_id,omitempty"`
	RemoteIP  string `json:"remote_ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

type ctxKey int

const (
	principalKey ctxKey = iota
	workspaceKey
	requestKey
)

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the acting principal and whether one was set.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey).(Principal)
	return p, ok
}

// DefaultWorkspace is the workspace single users live in without noticing.
const DefaultWorkspace = "default"

// WithWorkspace returns a context scoped to the named workspace. Every store
// query reads the workspace from here, so no query can forget the scope.
func WithWorkspace(ctx context.Context, ws string) context.Context {
	return context.WithValue(ctx, workspaceKey, ws)
}

// WorkspaceFrom returns the workspace of ctx, or DefaultWorkspace.
func WorkspaceFrom(ctx context.Context) string {
	if ws, ok := ctx.Value(workspaceKey).(string); ok && ws != "" {
		return ws
	}
	return DefaultWorkspace
}

// WithRequestInfo returns a context carrying request metadata.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey, ri)
}

// RequestInfoFrom returns the request metadata of ctx (zero if none).
func RequestInfoFrom(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestKey).(RequestInfo)
	return ri
}
