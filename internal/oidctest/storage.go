package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// accessTokenLifetime is short: nothing in the tests needs long-lived tokens.
const accessTokenLifetime = 5 * time.Minute

// errNotFound is what the storage answers for unknown ids and codes; the op
// package turns it into the matching OAuth error (invalid_grant, ...).
var errNotFound = errors.New("oidctest: not found")

// storage is a minimal in-memory op.Storage: static users and clients,
// authorization requests, codes, access tokens and device authorizations.
// Refresh tokens, JWT-profile grants and introspection are not supported.
type storage struct {
	issuer  string
	signing *signingKey
	foreign *signingKey // same key id, unpublished: for IDTokenFault.ForeignKey and Mint

	mu        sync.Mutex
	users     map[string]User // by username
	clients   map[string]Client
	requests  map[string]*authRequest
	codes     map[string]string // code → request id
	tokens    map[string]accessToken
	devices   map[string]*deviceEntry // device code → entry
	userCodes map[string]string       // user code → device code
}

type accessToken struct {
	subject  string
	clientID string
	scopes   []string
	expires  time.Time
}

type deviceEntry struct {
	userCode string
	state    op.DeviceAuthorizationState
}

var (
	_ op.Storage                    = (*storage)(nil)
	_ op.ClientCredentialsStorage   = (*storage)(nil)
	_ op.DeviceAuthorizationStorage = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest  = (*storage)(nil)
)

// signingKey is an RSA key usable both to sign (op.SigningKey) and, through
// publicKey, to be published in the JWKS (op.Key).
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newSigningKey(id string) (*signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	return &signingKey{id: id, key: k}, nil
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

func (s *storage) user(username string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[username]
	return u, ok
}

func (s *storage) userBySubject(sub string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Subject == sub {
			return u, true
		}
	}
	return User{}, false
}

func (s *storage) client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

// checkPassword compares in constant time, as a real provider would.
func (s *storage) checkPassword(username, password string) (User, bool) {
	u, ok := s.user(username)
	if !ok || subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) != 1 {
		return User{}, false
	}
	return u, true
}

// completeLogin marks an authorization request as authenticated by u.
func (s *storage) completeLogin(id string, u User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	r.subject, r.done, r.authTime = u.Subject, true, time.Now()
	return nil
}

func (s *storage) authRequest(id string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	return r, ok
}

// --- op.AuthStorage ---

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	var challenge *oidc.CodeChallenge
	if req.CodeChallenge != "" {
		challenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}
	}
	r := &authRequest{
		id:        randomID(),
		clientID:  req.ClientID,
		redirect:  req.RedirectURI,
		state:     req.State,
		nonce:     req.Nonce,
		scopes:    slices.Clone(req.Scopes),
		respType:  req.ResponseType,
		respMode:  req.ResponseMode,
		challenge: challenge,
		created:   time.Now(),
		subject:   userID,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.id] = r
	return r, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	if r, ok := s.authRequest(id); ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[s.codes[code]]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.requests[id]; !ok {
		return errNotFound
	}
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs when a code is redeemed; dropping the request and
// its codes makes every code single-use, so a replayed callback fails here.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	id := randomID()
	exp := time.Now().Add(accessTokenLifetime)
	t := accessToken{subject: req.GetSubject(), scopes: req.GetScopes(), expires: exp}
	switch r := req.(type) {
	case *authRequest:
		t.clientID = r.clientID
	case *op.DeviceAuthorizationState:
		t.clientID = r.ClientID
	case *serviceTokenRequest:
		t.clientID = r.clientID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = t
	return id, exp, nil
}

var errUnsupported = errors.New("oidctest: not supported by the test provider")

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errUnsupported
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errUnsupported
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tokenOrID)
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.signing, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.signing}}, nil
}

// --- op.OPStorage ---

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.client(id)
	if !ok {
		return nil, fmt.Errorf("client %q: %w", id, errNotFound)
	}
	return &clientAdapter{c: c, issuer: s.issuer}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.client(id)
	if !ok || c.Secret == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return errors.New("oidctest: invalid client credentials")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in op; SetUserinfoFromRequest does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(ui, req.GetSubject(), scopes)
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("oidctest: token invalid or expired")
	}
	return s.setUserinfo(ui, t.subject, t.scopes)
}

func (s *storage) setUserinfo(ui *oidc.UserInfo, subject string, scopes []string) error {
	ui.Subject = subject
	u, ok := s.userBySubject(subject)
	if !ok {
		return nil // a service client: nothing beyond sub
	}
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeEmail:
			ui.Email, ui.EmailVerified = u.Email, true
		case oidc.ScopeProfile:
			ui.Name, ui.PreferredUsername = u.Name, u.Username
		case ScopeGroups:
			ui.AppendClaims(ScopeGroups, slices.Clone(u.Groups))
		}
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errUnsupported
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnsupported
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errUnsupported
}

func (s *storage) Health(context.Context) error { return nil }

// --- op.ClientCredentialsStorage ---

func (s *storage) ClientCredentials(_ context.Context, id, secret string) (op.Client, error) {
	c, ok := s.client(id)
	if !ok || !c.Service || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil, errors.New("oidctest: invalid client credentials")
	}
	return &clientAdapter{c: c, issuer: s.issuer}, nil
}

func (s *storage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	return &serviceTokenRequest{clientID: id, audience: audienceFromScopes(id, scopes), scopes: scopes}, nil
}

// --- op.DeviceAuthorizationStorage ---

func (s *storage) StoreDeviceAuthorization(_ context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Purge finished and expired entries so user codes stay unique and few.
	for dc, e := range s.devices {
		if time.Now().After(e.state.Expires) {
			delete(s.userCodes, e.userCode)
			delete(s.devices, dc)
		}
	}
	if _, taken := s.userCodes[userCode]; taken {
		return op.ErrDuplicateUserCode
	}
	s.devices[deviceCode] = &deviceEntry{
		userCode: userCode,
		state:    op.DeviceAuthorizationState{ClientID: clientID, Scopes: scopes, Expires: expires},
	}
	s.userCodes[userCode] = deviceCode
	return nil
}

// GetDeviceAuthorizatonState (sic, the op interface's spelling) hands out a
// completed authorization once: the entry is dropped when it is redeemed.
func (s *storage) GetDeviceAuthorizatonState(_ context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.devices[deviceCode]
	if !ok || e.state.ClientID != clientID {
		return nil, errNotFound
	}
	st := e.state
	if st.Done || st.Denied {
		delete(s.devices, deviceCode)
		delete(s.userCodes, e.userCode)
	}
	return &st, nil
}

// decideDevice approves (as u) or denies the device authorization of userCode.
func (s *storage) decideDevice(userCode string, u User, approve bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.devices[s.userCodes[userCode]]
	if !ok || time.Now().After(e.state.Expires) {
		return fmt.Errorf("user code %q: %w", userCode, errNotFound)
	}
	if e.state.Done || e.state.Denied {
		return fmt.Errorf("user code %q was already used", userCode)
	}
	if !approve {
		e.state.Denied = true
		return nil
	}
	e.state.Done, e.state.Subject, e.state.AMR, e.state.AuthTime = true, u.Subject, []string{"pwd"}, time.Now()
	return nil
}
