package oidctest

import (
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a static account of the test provider.
type User struct {
	Subject  string // the "sub" claim; stable, unlike the username
	Username string // what the login form asks for
	Password string
	Email    string
	Name     string
	Groups   []string // emitted as the "groups" claim when the "groups" scope is asked for
}

// Client is a static OAuth client of the test provider.
type Client struct {
	ID string
	// Secret makes the client confidential (client_secret_basic or _post).
	// Empty makes it a public native client: it has no secret, must use
	// PKCE, and may redirect to any port of a registered loopback URI
	// (RFC 8252 §7.3), the way a CLI's local callback does.
	Secret string
	// RedirectURIs are matched exactly (except the loopback port above).
	RedirectURIs []string
	// Device lets the client use the device authorization grant (RFC 8628).
	Device bool
	// Service makes a machine client that uses only the client-credentials
	// grant and receives JWT access tokens: stand-ins for the OIDC tokens a
	// CI system or Kubernetes issues to its workloads.
	Service bool
	// IDTokenLifetime defaults to one hour. A negative value makes the
	// provider issue ID tokens that are already expired (a negative test).
	IDTokenLifetime time.Duration
	// IDTokenFault alters the ID tokens this client receives after the
	// provider has issued them, to play a broken or hostile provider.
	IDTokenFault IDTokenFault
}

// IDTokenFault describes how the provider corrupts a client's ID tokens.
// The library behind the provider issues only correct tokens, so these
// faults are applied to its token endpoint's answer.
type IDTokenFault struct {
	// Claims replace or add claims, e.g. {"aud": "another-app"}.
	Claims map[string]any
	// ForeignKey re-signs the token with a key the provider does not
	// publish, under the key id it does publish.
	ForeignKey bool
}

func (f IDTokenFault) active() bool { return len(f.Claims) > 0 || f.ForeignKey }

// clientAdapter presents a Client to the op package.
type clientAdapter struct {
	c      Client
	issuer string
}

var _ op.Client = (*clientAdapter)(nil)

func (a *clientAdapter) GetID() string                    { return a.c.ID }
func (a *clientAdapter) RedirectURIs() []string           { return a.c.RedirectURIs }
func (a *clientAdapter) PostLogoutRedirectURIs() []string { return nil }

func (a *clientAdapter) ApplicationType() op.ApplicationType {
	if a.c.Secret == "" {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (a *clientAdapter) AuthMethod() oidc.AuthMethod {
	if a.c.Secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (a *clientAdapter) ResponseTypes() []oidc.ResponseType {
	if a.c.Service {
		return nil
	}
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (a *clientAdapter) GrantTypes() []oidc.GrantType {
	if a.c.Service {
		return []oidc.GrantType{oidc.GrantTypeClientCredentials}
	}
	g := []oidc.GrantType{oidc.GrantTypeCode}
	if a.c.Device {
		g = append(g, oidc.GrantTypeDeviceCode)
	}
	return g
}

func (a *clientAdapter) LoginURL(authRequestID string) string {
	return a.issuer + loginPath + "?" + authRequestParam + "=" + authRequestID
}

func (a *clientAdapter) AccessTokenType() op.AccessTokenType {
	if a.c.Service {
		return op.AccessTokenTypeJWT
	}
	return op.AccessTokenTypeBearer
}

func (a *clientAdapter) IDTokenLifetime() time.Duration {
	if a.c.IDTokenLifetime == 0 {
		return time.Hour
	}
	return a.c.IDTokenLifetime
}

func (a *clientAdapter) DevMode() bool { return false }

func (a *clientAdapter) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (a *clientAdapter) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed admits the scopes beyond the standard ones: "groups" for
// people and "aud:<audience>" for service clients choosing their audience.
func (a *clientAdapter) IsScopeAllowed(scope string) bool {
	return scope == ScopeGroups || (a.c.Service && strings.HasPrefix(scope, audienceScopePrefix))
}

// IDTokenUserinfoClaimsAssertion puts email and profile claims into the ID
// token itself, which is where the relying party reads them.
func (a *clientAdapter) IDTokenUserinfoClaimsAssertion() bool { return true }

func (a *clientAdapter) ClockSkew() time.Duration { return 0 }

// authRequest is one authorization request, from /authorize to the token
// exchange.
type authRequest struct {
	id        string
	clientID  string
	redirect  string
	state     string
	nonce     string
	scopes    []string
	respType  oidc.ResponseType
	respMode  oidc.ResponseMode
	challenge *oidc.CodeChallenge
	created   time.Time

	subject  string // set by a successful login
	done     bool
	authTime time.Time
}

var _ op.AuthRequest = (*authRequest)(nil)

func (r *authRequest) GetID() string                         { return r.id }
func (r *authRequest) GetACR() string                        { return "" }
func (r *authRequest) GetAudience() []string                 { return []string{r.clientID} }
func (r *authRequest) GetAuthTime() time.Time                { return r.authTime }
func (r *authRequest) GetClientID() string                   { return r.clientID }
func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return r.challenge }
func (r *authRequest) GetNonce() string                      { return r.nonce }
func (r *authRequest) GetRedirectURI() string                { return r.redirect }
func (r *authRequest) GetResponseType() oidc.ResponseType    { return r.respType }
func (r *authRequest) GetResponseMode() oidc.ResponseMode    { return r.respMode }
func (r *authRequest) GetScopes() []string                   { return r.scopes }
func (r *authRequest) GetState() string                      { return r.state }
func (r *authRequest) GetSubject() string                    { return r.subject }
func (r *authRequest) Done() bool                            { return r.done }

func (r *authRequest) GetAMR() []string {
	if r.done {
		return []string{"pwd"}
	}
	return nil
}

// serviceTokenRequest is the subject of a client-credentials grant.
type serviceTokenRequest struct {
	clientID string
	audience []string
	scopes   []string
}

func (r *serviceTokenRequest) GetSubject() string    { return r.clientID }
func (r *serviceTokenRequest) GetAudience() []string { return r.audience }
func (r *serviceTokenRequest) GetScopes() []string   { return r.scopes }

// audienceFromScopes reads "aud:<value>" scopes, the way a CI system lets a
// job name the audience of its token; without one the audience is the client.
func audienceFromScopes(clientID string, scopes []string) []string {
	var aud []string
	for _, s := range scopes {
		if v, ok := strings.CutPrefix(s, audienceScopePrefix); ok && v != "" && !slices.Contains(aud, v) {
			aud = append(aud, v)
		}
	}
	if len(aud) == 0 {
		aud = []string{clientID}
	}
	return aud
}
