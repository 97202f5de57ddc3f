package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// validateAccountID keeps account ids usable everywhere they appear: in
// basic-auth user names (no ':'), subjects ("user:<id>"), URLs and logs.
func validateAccountID(id string) error {
	if id == "" || len(id) > 128 {
		return steward.Errorf(steward.CodeInvalid, "id must be 1-128 characters, got %d", len(id)).WithDetail("field", "id")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '@' || r == '+') {
			return steward.Errorf(steward.CodeInvalid, "id %q contains %q: use letters, digits and . _ - @ +", id, r).WithDetail("field", "id")
		}
	}
	return nil
}

// Bootstrap creates the first administrator: an account with a global admin
// binding and, when password is empty, an admin-scoped token valid for ttl
// that is returned once. It refuses when an administrator already exists, so
// it cannot be used to take over an installation.
func (s *Service) Bootstrap(ctx context.Context, id, password string, ttl time.Duration) (string, error) {
	if err := validateAccountID(id); err != nil {
		return "", err
	}
	ctx = steward.WithPrincipal(ctx, steward.System)
	admins, err := s.store.ListBindings(ctx, BindingFilter{ScopeKind: ScopeGlobal})
	if err != nil {
		return "", err
	}
	for _, b := range admins {
		if b.Role == RoleAdmin {
			return "", steward.Errorf(steward.CodeAlreadyExists, "an administrator already exists (%s); ask them for an account, or sign in as them", b.Subject)
		}
	}
	if _, err := s.store.GetAccount(ctx, id); steward.IsCode(err, steward.CodeNotFound) {
		if _, err := s.createAccount(ctx, AccountCreate{ID: id, Kind: steward.PrincipalUser, DisplayName: "Administrator", Password: password}, "", ""); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	} else if password != "" {
		if _, err := s.UpdateAccount(ctx, id, AccountUpdate{Password: &password}); err != nil {
			return "", err
		}
	}
	if _, err := s.CreateBinding(ctx, BindingCreate{Subject: "user:" + id, Role: string(RoleAdmin), ScopeKind: ScopeGlobal}); err != nil {
		return "", err
	}
	if password != "" {
		return "", nil
	}
	raw, _, err := s.issue(ctx, id, TokenAPI, "bootstrap", steward.LevelAdmin, ttl, nil, "token")
	return raw, err
}

// HasAdmin reports whether any administrator exists.
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	bs, err := s.store.ListBindings(ctx, BindingFilter{ScopeKind: ScopeGlobal})
	if err != nil {
		return false, err
	}
	for _, b := range bs {
		if b.Role == RoleAdmin {
			return true, nil
		}
	}
	return false, nil
}

// ExternalIdentity is a person or workload an identity provider vouched for.
type ExternalIdentity struct {
	Issuer, Subject, Email, Name string
	Groups                       []string
	// ServiceAccount, when set, is the account a workload identity maps to
	// (from configuration); people are matched by issuer and subject.
	ServiceAccount string
}

// SignIn turns a verified external identity into a Steward credential: a web
// session (kind TokenSession) or a short-lived token for the CLI or a
// workload (TokenExchange). People are provisioned on first sign-in with no
// roles beyond what their groups are bound to.
func (s *Service) SignIn(ctx context.Context, id ExternalIdentity, kind TokenKind, method string) (string, *Token, error) {
	ctx = steward.WithPrincipal(ctx, steward.System)
	acct, err := s.accountFor(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if acct.Disabled {
		return "", nil, errBadCredentials()
	}
	ttl := s.opt.ExchangeTTL
	if kind == TokenSession {
		ttl = s.opt.SessionTTL
	}
	name := "sign-in via " + id.Issuer
	scope := steward.LevelAdmin
	if acct.Kind == steward.PrincipalService {
		scope = steward.LevelWrite
	}
	ctx = steward.WithPrincipal(ctx, steward.Principal{ID: acct.ID, Kind: acct.Kind, AuthMethod: method})
	return s.issue(ctx, acct.ID, kind, name, scope, ttl, id.Groups, method)
}

func (s *Service) accountFor(ctx context.Context, id ExternalIdentity) (*Account, error) {
	if id.ServiceAccount != "" {
		acct, err := s.store.GetAccount(ctx, id.ServiceAccount)
		if steward.IsCode(err, steward.CodeNotFound) {
			return nil, steward.Errorf(steward.CodeUnauthenticated, "the workload identity maps to service account %q, which does not exist; an admin must create it", id.ServiceAccount)
		}
		return acct, err
	}
	acct, err := s.store.GetAccountByOIDC(ctx, id.Issuer, id.Subject)
	if err == nil || !steward.IsCode(err, steward.CodeNotFound) {
		return acct, err
	}
	name := id.Email
	if validateAccountID(name) != nil {
		h := sha256.Sum256([]byte(id.Issuer + "\x00" + id.Subject))
		name = "oidc-" + hex.EncodeToString(h[:6])
	}
	if _, err := s.store.GetAccount(ctx, name); err == nil {
		// The name belongs to another account (a local one, or another
		// issuer's): never merge identities silently.
		h := sha256.Sum256([]byte(id.Issuer + "\x00" + id.Subject))
		name = name + "+" + hex.EncodeToString(h[:3])
	}
	return s.createAccount(ctx, AccountCreate{ID: name, Kind: steward.PrincipalUser, DisplayName: id.Name, Email: id.Email}, id.Issuer, id.Subject)
}

// SignOut revokes a session token.
func (s *Service) SignOut(ctx context.Context, raw string) error {
	id, _, err := parseToken(raw)
	if err != nil {
		return err
	}
	if _, err := s.AuthenticateToken(ctx, raw); err != nil {
		return err
	}
	return s.RevokeToken(ctx, id)
}
