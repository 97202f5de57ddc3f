package auth

import (
	"context"
	"slices"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// AccountCreate is the input of CreateAccount.
type AccountCreate struct {
	ID          string                `json:"id"`
	Kind        steward.PrincipalKind `json:"kind"` // user (default) or service_account
	DisplayName string                `json:"display_name"`
	Email       string                `json:"email"`
	Password    string                `json:"password"` // people only; empty = no password login
}

func validateAccount(in *AccountCreate) error {
	if err := validateAccountID(in.ID); err != nil {
		return err
	}
	if in.Kind == "" {
		in.Kind = steward.PrincipalUser
	}
	if in.Kind != steward.PrincipalUser && in.Kind != steward.PrincipalService {
		return steward.Errorf(steward.CodeInvalid, "kind %q is not one of user, service_account", in.Kind).WithDetail("field", "kind")
	}
	if in.Kind == steward.PrincipalService && in.Password != "" {
		return steward.Errorf(steward.CodeInvalid, "service accounts sign in with tokens only; leave password empty").WithDetail("field", "password")
	}
	if in.ID == steward.Anonymous.ID || in.ID == steward.System.ID || in.ID == "token" {
		return steward.Errorf(steward.CodeInvalid, "id %q is reserved", in.ID).WithDetail("field", "id")
	}
	for _, f := range []struct{ name, v string }{{"display_name", in.DisplayName}, {"email", in.Email}} {
		if err := steward.ValidateValue(f.name, f.v, 256); err != nil {
			return err
		}
	}
	return nil
}

// CreateAccount creates a person or a service account (identity.manage).
func (s *Service) CreateAccount(ctx context.Context, in AccountCreate) (*Account, error) {
	if err := validateAccount(&in); err != nil {
		return nil, err
	}
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return nil, err
	}
	return s.createAccount(ctx, in, "", "")
}

func (s *Service) createAccount(ctx context.Context, in AccountCreate, issuer, subject string) (*Account, error) {
	p, _ := steward.PrincipalFrom(ctx)
	now := s.millis()
	a := &Account{ID: in.ID, Kind: in.Kind, DisplayName: in.DisplayName, Email: in.Email, OIDCIssuer: issuer, OIDCSubject: subject,
		CreatedBy: p.ID, CreatedAt: now, UpdatedAt: now}
	if in.Password != "" {
		h, err := HashPassword(in.Password)
		if err != nil {
			return nil, err
		}
		a.PasswordHash = h
	}
	err := s.update(ctx, func(r Repo) error {
		if err := r.CreateAccount(ctx, a); err != nil {
			return err
		}
		return s.emit(ctx, r, "account.create", "account", a.ID, nil, a)
	})
	return a, err
}

// GetAccount returns an account: one's own, or anyone's with identity.manage.
func (s *Service) GetAccount(ctx context.Context, id string) (*Account, error) {
	if err := s.selfOrAdmin(ctx, id); err != nil {
		return nil, err
	}
	return s.store.GetAccount(ctx, id)
}

// ListAccounts lists every account (identity.manage).
func (s *Service) ListAccounts(ctx context.Context) ([]*Account, error) {
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return nil, err
	}
	return s.store.ListAccounts(ctx)
}

// AccountUpdate is a partial update; nil fields are left alone.
type AccountUpdate struct {
	DisplayName *string `json:"display_name"`
	Email       *string `json:"email"`
	Password    *string `json:"password"`
	Disabled    *bool   `json:"disabled"`
}

// UpdateAccount changes an account. People may change their own name, email
// and password; disabling needs identity.manage.
func (s *Service) UpdateAccount(ctx context.Context, id string, in AccountUpdate) (*Account, error) {
	if in.Disabled != nil {
		if err := s.require(ctx, steward.PermIdentityManage); err != nil {
			return nil, err
		}
	} else if err := s.selfOrAdmin(ctx, id); err != nil {
		return nil, err
	}
	var hash string
	if in.Password != nil {
		h, err := HashPassword(*in.Password)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	var out *Account
	err := s.update(ctx, func(r Repo) error {
		cur, err := r.GetAccount(ctx, id)
		if err != nil {
			return err
		}
		next := *cur
		if in.DisplayName != nil {
			next.DisplayName = *in.DisplayName
		}
		if in.Email != nil {
			next.Email = *in.Email
		}
		if in.Password != nil {
			if next.Kind == steward.PrincipalService {
				return steward.Errorf(steward.CodeInvalid, "service accounts sign in with tokens only; they have no password").WithDetail("field", "password")
			}
			next.PasswordHash = hash
		}
		if in.Disabled != nil {
			next.Disabled = *in.Disabled
		}
		if err := steward.ValidateValue("display_name", next.DisplayName, 256); err != nil {
			return err
		}
		if err := steward.ValidateValue("email", next.Email, 256); err != nil {
			return err
		}
		next.UpdatedAt = s.millis()
		if err := r.UpdateAccount(ctx, &next); err != nil {
			return err
		}
		out = &next
		return s.emit(ctx, r, "account.update", "account", id, cur, &next)
	})
	return out, err
}

// TokenCreate is the input of CreateToken.
type TokenCreate struct {
	Principal string `json:"principal"` // default: the caller
	Name      string `json:"name"`
	Scope     string `json:"scope"`      // read, write or admin; default write
	ExpiresIn string `json:"expires_in"` // Go duration, e.g. "720h"; empty = 90 days, "0" = never
}

// WorkloadIdentityMethod is the AuthMethod of tokens a workload obtained
// by exchanging its OIDC token (SignIn with a ServiceAccount).
const WorkloadIdentityMethod = "workload_identity"

// MaxTokenLifetime caps what a token creator may ask for.
const MaxTokenLifetime = 366 * 24 * time.Hour

// CreateToken issues an API token and returns its secret, which is never
// shown again. A person creates tokens for themselves; tokens for others
// (service accounts) need identity.manage. A token's scope cannot exceed the
// scope of the credential that creates it.
func (s *Service) CreateToken(ctx context.Context, in TokenCreate) (string, *Token, error) {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return "", nil, steward.Errorf(steward.CodeUnauthenticated, "sign in first: no credentials were presented")
	}
	if p.AuthMethod == WorkloadIdentityMethod {
		// The exchanged token is short-lived on purpose; a token it
		// created would outlive it (or never expire).
		return "", nil, steward.Errorf(steward.CodePermissionDenied, "a token obtained by workload identity cannot create tokens; exchange the workload's own token again when needed")
	}
	if in.Principal == "" {
		in.Principal = p.ID
	}
	if in.Scope == "" {
		in.Scope = "write"
	}
	scope, err := steward.ParseLevel(in.Scope)
	if err != nil {
		return "", nil, err
	}
	if err := steward.ValidateValue("name", in.Name, 256); err != nil {
		return "", nil, err
	}
	ttl := 90 * 24 * time.Hour
	if in.ExpiresIn != "" {
		if ttl, err = time.ParseDuration(in.ExpiresIn); err != nil || ttl < 0 || ttl > MaxTokenLifetime {
			return "", nil, steward.Errorf(steward.CodeInvalid, "expires_in %q must be a duration such as 720h, at most %s, or 0 for no expiry", in.ExpiresIn, MaxTokenLifetime).WithDetail("field", "expires_in")
		}
	}
	if in.Principal != p.ID || p.Superuser {
		if err := s.require(ctx, steward.PermIdentityManage); err != nil {
			return "", nil, err
		}
	} else if err := s.Authorize(ctx, steward.PermAuthenticated, steward.Resource{}); err != nil {
		return "", nil, err
	}
	if scope > p.Cap() {
		return "", nil, steward.Errorf(steward.CodePermissionDenied, "a %s-scoped credential cannot create a %s-scoped token", p.Cap(), scope)
	}
	return s.issue(ctx, in.Principal, TokenAPI, in.Name, scope, ttl, nil, "token")
}

// issue writes a new token for principal and returns its secret.
func (s *Service) issue(ctx context.Context, principal string, kind TokenKind, name string, scope steward.Level, ttl time.Duration, groups []string, method string) (string, *Token, error) {
	raw, id, hash := newToken()
	now := s.millis()
	t := &Token{ID: id, PrincipalID: principal, Name: name, Kind: kind, Hash: hash, Scope: scope, Groups: groups,
		AuthMethod: method, CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now + ttl.Milliseconds()
	}
	err := s.update(ctx, func(r Repo) error {
		acct, err := r.GetAccount(ctx, principal)
		if err != nil {
			return err
		}
		if acct.Disabled {
			return steward.Errorf(steward.CodeConflict, "account %q is disabled", principal)
		}
		if err := r.CreateToken(ctx, t); err != nil {
			return err
		}
		return s.emit(ctx, r, "token.create", "token", id, nil, t)
	})
	if err != nil {
		return "", nil, err
	}
	return raw, t, nil
}

// ListTokens lists a principal's tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, principal string) ([]*Token, error) {
	if principal == "" {
		p, _ := steward.PrincipalFrom(ctx)
		principal = p.ID
	}
	if err := s.selfOrAdmin(ctx, principal); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, principal)
}

// RevokeToken revokes a token by id: one's own, or anyone's with
// identity.manage. It takes effect on this replica at once and on others
// within CacheTTL.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	t, err := s.store.GetToken(ctx, id)
	if err != nil {
		return err
	}
	if err := s.selfOrAdmin(ctx, t.PrincipalID); err != nil {
		if steward.IsCode(err, steward.CodePermissionDenied) {
			return steward.Errorf(steward.CodeNotFound, "token %q does not exist", id)
		}
		return err
	}
	return s.update(ctx, func(r Repo) error {
		cur, err := r.GetToken(ctx, id)
		if err != nil {
			return err
		}
		if cur.RevokedAt != 0 {
			return nil
		}
		if err := r.RevokeToken(ctx, id, s.millis()); err != nil {
			return err
		}
		return s.emit(ctx, r, "token.revoke", "token", id, cur, nil)
	})
}

// SetGroupMember adds (member true) or removes a principal from a local
// group (identity.manage). Groups exist while they have members.
func (s *Service) SetGroupMember(ctx context.Context, group, principal string, member bool) error {
	if err := steward.ValidateName("group", group); err != nil {
		return err
	}
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return err
	}
	return s.update(ctx, func(r Repo) error {
		if _, err := r.GetAccount(ctx, principal); err != nil {
			return err
		}
		groups, err := r.GroupsOf(ctx, principal)
		if err != nil {
			return err
		}
		if slices.Contains(groups, group) == member {
			return nil
		}
		rec := map[string]string{"group": group, "principal": principal}
		if member {
			if err := r.AddGroupMember(ctx, group, principal); err != nil {
				return err
			}
			return s.emit(ctx, r, "group.add_member", "group", group, nil, rec)
		}
		if err := r.RemoveGroupMember(ctx, group, principal); err != nil {
			return err
		}
		return s.emit(ctx, r, "group.remove_member", "group", group, rec, nil)
	})
}

// ListGroups returns local groups and their members (identity.manage).
func (s *Service) ListGroups(ctx context.Context) (map[string][]string, error) {
	if err := s.require(ctx, steward.PermIdentityManage); err != nil {
		return nil, err
	}
	return s.store.ListGroups(ctx)
}

// Whoami describes the caller: account (when it has one), groups, and the
// roles bound to it.
type Whoami struct {
	Principal steward.Principal `json:"principal"`
	Scope     string            `json:"scope"`
	Account   *Account          `json:"account,omitempty"`
	Bindings  []*Binding        `json:"bindings"`
}

// Who returns the caller's identity and bindings.
func (s *Service) Who(ctx context.Context) (*Whoami, error) {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return nil, steward.Errorf(steward.CodeUnauthenticated, "sign in first: no credentials were presented")
	}
	w := &Whoami{Principal: p, Scope: p.Cap().String(), Bindings: []*Binding{}}
	if p.Superuser {
		return w, nil
	}
	var err error
	if w.Account, err = s.store.GetAccount(ctx, p.ID); err != nil && !steward.IsCode(err, steward.CodeNotFound) {
		return nil, err
	}
	bs, err := s.bindingsOf(ctx, p)
	if err != nil {
		return nil, err
	}
	w.Bindings = append(w.Bindings, bs...)
	return w, nil
}
