// Package oidclogin is the relying-party side of OpenID Connect single
// sign-on: the web login (authorization code + PKCE, with state, nonce and
// verifier kept in a sealed short-lived cookie), verification of ID tokens a
// CLI obtained by device flow, the CLI's device login itself, and the
// verification of workload identity tokens (CI jobs, Kubernetes service
// accounts). It uses github.com/coreos/go-oidc and golang.org/x/oauth2.
//
// It deliberately owns no session: Callback hands back an Identity and the
// caller (the server's session layer) decides what to do with it.
//
// Every failure a client can cause is a *steward.Error with
// CodeUnauthenticated (or CodeInvalid for a bad request) and a message that
// says what to do without revealing why a token was rejected in detail; the
// cause is kept in Err for the log.
package oidclogin

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/steward-registry/steward/internal/steward"
)

// Identity is who the identity provider says logged in. Key accounts on
// (Issuer, Subject): email addresses change and can be reassigned.
type Identity struct {
	Issuer        string   `json:"issuer"`
	Subject       string   `json:"subject"`
	Email         string   `json:"email,omitempty"`
	EmailVerified bool     `json:"email_verified,omitempty"`
	Name          string   `json:"name,omitempty"`
	Groups        []string `json:"groups,omitempty"`
}

// Config configures the relying party.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string // empty: a public client, which PKCE alone protects
	// CLIClientID is the public client the CLI uses for device login;
	// VerifyIDToken accepts ID tokens issued to it as well as to ClientID.
	CLIClientID string
	// RedirectURL is the callback, e.g. https://steward.example/auth/callback.
	// Its path scopes the login-state cookie.
	RedirectURL string
	// Scopes default to openid, email, profile, plus "groups" when
	// GroupsClaim is set explicitly. "openid" is always added.
	Scopes []string
	// GroupsClaim names the ID-token claim that lists groups; default "groups".
	GroupsClaim string
	// CookieKey (32 bytes or more) seals the login-state cookie.
	CookieKey []byte
	// Secure sets the Secure attribute (and the __Secure- name prefix) on
	// the cookie; false only for http://localhost tests.
	Secure bool
	// HTTPClient talks to the identity provider; default: 10 s timeout.
	HTTPClient *http.Client
	// Error writes the response when Login refuses a request. Default: the
	// message as plain text with 400 (bad request) or 500. The server passes
	// its own error helper so every surface answers alike.
	Error func(w http.ResponseWriter, r *http.Request, err error)
}

// loginStateTTL bounds how long a person may take at the identity provider.
const loginStateTTL = 10 * time.Minute

// RP is a configured relying party. It is safe for concurrent use.
type RP struct {
	issuer      string
	clientIDs   []string // audiences VerifyIDToken accepts
	groupsClaim string
	oauth       oauth2.Config
	verifier    *oidc.IDTokenVerifier
	client      *http.Client
	errorFn     func(http.ResponseWriter, *http.Request, error)

	aead       cipher.AEAD
	cookieName string
	cookiePath string
	secure     bool
	now        func() time.Time
}

// New discovers the provider at cfg.Issuer and returns the relying party.
// Configuration mistakes are CodeInvalid; an unreachable or broken provider
// is CodeUnavailable.
func New(ctx context.Context, cfg Config) (*RP, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "oidc: issuer and client id are required")
	}
	redirect, err := url.Parse(cfg.RedirectURL)
	if err != nil || (redirect.Scheme != "https" && redirect.Scheme != "http") || redirect.Host == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "oidc: redirect URL %q must be an absolute http(s) URL", cfg.RedirectURL)
	}
	if cfg.Secure && redirect.Scheme != "https" {
		return nil, steward.Errorf(steward.CodeInvalid, "oidc: secure cookies need an https redirect URL, got %q", cfg.RedirectURL)
	}
	aead, err := newAEAD(cfg.CookieKey)
	if err != nil {
		return nil, err
	}

	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	provider, err := discover(ctx, client, cfg.Issuer)
	if err != nil {
		return nil, err
	}

	groupsClaim := cfg.GroupsClaim
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email", "profile"}
		if groupsClaim != "" {
			scopes = append(scopes, "groups")
		}
	}
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	if groupsClaim == "" {
		groupsClaim = "groups"
	}
	endpoint := provider.Endpoint()
	if cfg.ClientSecret == "" {
		endpoint.AuthStyle = oauth2.AuthStyleInParams // a public client sends only its id
	}
	clientIDs := []string{cfg.ClientID}
	if cfg.CLIClientID != "" && cfg.CLIClientID != cfg.ClientID {
		clientIDs = append(clientIDs, cfg.CLIClientID)
	}

	name := "steward_oidc_login"
	if cfg.Secure {
		name = "__Secure-" + name // browsers then refuse it from insecure origins
	}
	path := redirect.Path
	if path == "" {
		path = "/"
	}
	errorFn := cfg.Error
	if errorFn == nil {
		errorFn = writeError
	}
	return &RP{
		issuer:      cfg.Issuer,
		clientIDs:   clientIDs,
		groupsClaim: groupsClaim,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: cfg.RedirectURL, Endpoint: endpoint, Scopes: scopes,
		},
		// The audience is checked by checkAudience, which can then say
		// precisely that the token was for another application.
		verifier:   provider.Verifier(&oidc.Config{SkipClientIDCheck: true}),
		client:     client,
		errorFn:    errorFn,
		aead:       aead,
		cookieName: name,
		cookiePath: path,
		secure:     cfg.Secure,
		now:        time.Now,
	}, nil
}

// discover fetches the provider's discovery document through client, or
// the client ctx carries when client is nil. The provider keeps that client
// for fetching its keys later.
func discover(ctx context.Context, client *http.Client, issuer string) (*oidc.Provider, error) {
	if client != nil {
		ctx = oidc.ClientContext(ctx, client)
	}
	p, err := oidc.NewProvider(ctx, issuer)
	if mismatch, ok := errors.AsType[*oidc.IssuerMismatchError](err); ok {
		return nil, &steward.Error{
			Code:    steward.CodeInvalid,
			Message: fmt.Sprintf("oidc: the identity provider at %s calls itself %s; configure exactly that issuer", issuer, mismatch.Discovered),
			Err:     err,
		}
	}
	if err != nil {
		return nil, &steward.Error{
			Code:    steward.CodeUnavailable,
			Message: fmt.Sprintf("oidc: cannot discover the identity provider at %s; check the issuer URL and that it is reachable", issuer),
			Err:     err,
		}
	}
	return p, nil
}

// VerifyIDToken verifies an ID token the CLI obtained (by device flow) and
// returns its identity: signature, issuer, expiry and an audience of
// ClientID or CLIClientID. There is no nonce to check: the CLI received the
// token directly from the provider's token endpoint.
func (rp *RP) VerifyIDToken(ctx context.Context, raw string) (Identity, error) {
	tok, err := verifyToken(ctx, rp.verifier, raw, "login failed: ")
	if err != nil {
		return Identity{}, err
	}
	if err := checkAudience(tok, rp.clientIDs); err != nil {
		return Identity{}, err
	}
	return identity(tok, rp.groupsClaim)
}

// verifyToken checks signature, issuer and expiry, and sorts the failures
// into the two messages a client can act on.
func verifyToken(ctx context.Context, v *oidc.IDTokenVerifier, raw, prefix string) (*oidc.IDToken, error) {
	if raw == "" || len(raw) > maxTokenLen {
		return nil, unauthenticated(prefix+"the token is missing or malformed", nil)
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
			return nil, unauthenticated(prefix+"the token has expired; log in again", err)
		}
		return nil, unauthenticated(prefix+"the token could not be verified", err)
	}
	return tok, nil
}

// maxTokenLen is far above any real ID token and stops work on junk.
const maxTokenLen = 16 << 10

// checkAudience accepts a token whose audience includes one of ours and,
// when it names several audiences, whose authorized party is ours (OpenID
// Connect Core §3.1.3.7, steps 3 to 5).
func checkAudience(tok *oidc.IDToken, accepted []string) error {
	ok := slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(accepted, a) })
	if ok && len(tok.Audience) > 1 {
		var c struct {
			AZP string `json:"azp"`
		}
		ok = tok.Claims(&c) == nil && slices.Contains(accepted, c.AZP)
	}
	if !ok {
		return unauthenticated("login failed: the token was issued to another application",
			fmt.Errorf("audience %q, want one of %q", tok.Audience, accepted))
	}
	return nil
}

// identity reads the claims Steward uses.
func identity(tok *oidc.IDToken, groupsClaim string) (Identity, error) {
	var claims map[string]json.RawMessage
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, unauthenticated("login failed: the token's claims are malformed", err)
	}
	if tok.Subject == "" {
		return Identity{}, unauthenticated("login failed: the token names no subject", nil)
	}
	id := Identity{
		Issuer:        tok.Issuer,
		Subject:       tok.Subject,
		Email:         stringClaim(claims["email"]),
		EmailVerified: boolClaim(claims["email_verified"]),
		Name:          stringClaim(claims["name"]),
		Groups:        stringsClaim(claims[groupsClaim]),
	}
	if id.Name == "" {
		id.Name = stringClaim(claims["preferred_username"])
	}
	return id, nil
}

func stringClaim(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s) // absent or not a string: empty
	return s
}

// boolClaim also takes "true": some providers (AWS Cognito) send strings.
func boolClaim(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	return stringClaim(raw) == "true"
}

// stringsClaim reads a list of strings, or a lone string. Other shapes (some
// providers send objects when a user has too many groups) give no groups:
// fewer permissions, never more.
func stringsClaim(raw json.RawMessage) []string {
	var list []any
	if json.Unmarshal(raw, &list) != nil {
		if s := stringClaim(raw); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func unauthenticated(msg string, cause error) *steward.Error {
	return &steward.Error{Code: steward.CodeUnauthenticated, Message: msg, Err: cause}
}
