// Package oidctest starts a real OpenID Connect provider for tests: the
// OpenID-certified github.com/zitadel/oidc/v3 op package over a small
// in-memory storage with static users and clients. Tests drive it over HTTP
// the way a browser, a CLI or a CI job would, so the relying-party code under
// test meets real discovery, JWKS, PKCE, nonce and token-endpoint behaviour
// rather than our own reading of the specs.
//
// Only tests may import this package (and so zitadel).
package oidctest

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	// ScopeGroups asks for the "groups" claim, as Dex and Keycloak do.
	ScopeGroups = "groups"

	// CLIClientID is the built-in public client: authorization code + PKCE
	// with a loopback redirect (any port of LoopbackRedirectURI), and the
	// device authorization grant.
	CLIClientID         = "steward-cli"
	LoopbackRedirectURI = "http://127.0.0.1/auth/callback"

	// ServiceClientID and ServiceClientSecret are the built-in machine
	// client whose client-credentials tokens play workload identity tokens.
	ServiceClientID     = "steward-ci"
	ServiceClientSecret = "steward-ci-secret"

	audienceScopePrefix = "aud:"

	loginPath        = "/login"
	devicePath       = "/device"
	authRequestParam = "authRequestID"
)

// Alice and Bob are the built-in users.
func Alice() User {
	return User{Subject: "u-1001", Username: "alice", Password: "alice-password",
		Email: "alice@example.test", Name: "Alice Liddell", Groups: []string{"ml-engineers", "validators"}}
}

func Bob() User {
	return User{Subject: "u-1002", Username: "bob", Password: "bob-password",
		Email: "bob@example.test", Name: "Bob Builder", Groups: []string{"viewers"}}
}

// Option configures Start.
type Option func(*config)

type config struct {
	users        []User
	clients      []Client
	pollInterval time.Duration
}

// WithUser adds a user (or replaces a built-in one with the same username).
func WithUser(u User) Option { return func(c *config) { c.users = append(c.users, u) } }

// WithClient adds a client (or replaces a built-in one with the same id).
func WithClient(cl Client) Option { return func(c *config) { c.clients = append(c.clients, cl) } }

// WithDevicePollInterval sets the polling interval the device endpoint
// announces; whole seconds, one at least (the default).
func WithDevicePollInterval(d time.Duration) Option {
	return func(c *config) { c.pollInterval = d }
}

// Provider is a running test provider.
type Provider struct {
	issuer string
	op     *op.Provider
	store  *storage
	page   *template.Template
	srv    *httptest.Server
}

// Start runs a provider on 127.0.0.1:0 over plain HTTP until the test ends.
func Start(t testing.TB, opts ...Option) *Provider {
	t.Helper()
	cfg := config{
		users:        []User{Alice(), Bob()},
		pollInterval: time.Second,
		clients: []Client{
			{ID: CLIClientID, RedirectURIs: []string{LoopbackRedirectURI}, Device: true},
			{ID: ServiceClientID, Secret: ServiceClientSecret, Service: true},
		},
	}
	for _, o := range opts {
		o(&cfg)
	}

	// The listener exists before the provider so the issuer can name its port.
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()

	signing, err := newSigningKey(randomID())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := newSigningKey(signing.id)
	if err != nil {
		t.Fatal(err)
	}
	st := &storage{
		issuer: issuer, signing: signing, foreign: foreign,
		users: map[string]User{}, clients: map[string]Client{},
		requests: map[string]*authRequest{}, codes: map[string]string{},
		tokens: map[string]accessToken{}, devices: map[string]*deviceEntry{}, userCodes: map[string]string{},
	}
	for _, u := range cfg.users {
		st.users[u.Username] = u
	}
	for _, c := range cfg.clients {
		st.clients[c.ID] = c
	}

	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		t.Fatal(err)
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:       cryptoKey,
		CodeMethodS256:  true,
		AuthMethodPost:  true,
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, ScopeGroups},
		SupportedClaims: append(append([]string{}, op.DefaultSupportedClaims...), ScopeGroups),
		DeviceAuthorization: op.DeviceAuthorizationConfig{
			Lifetime:     5 * time.Minute,
			PollInterval: max(cfg.pollInterval, time.Second),
			UserFormPath: devicePath,
			UserCode:     op.UserCodeBase20,
		},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		srv.Close()
		t.Fatalf("oidctest: new provider: %v", err)
	}

	page, err := parsePage()
	if err != nil {
		srv.Close()
		t.Fatalf("oidctest: login page: %v", err)
	}
	p := &Provider{issuer: issuer, op: provider, store: st, page: page, srv: srv}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+loginPath, p.loginPage)
	mux.HandleFunc("POST "+loginPath, p.loginSubmit)
	mux.HandleFunc("GET "+devicePath, p.devicePage)
	mux.HandleFunc("POST "+devicePath, p.deviceSubmit)
	mux.Handle("/", p.faults(provider))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

// Stop shuts the provider down before the test ends: the relying party
// then finds it unreachable.
func (p *Provider) Stop() { p.srv.Close() }

// Issuer is the provider's issuer URL, e.g. http://127.0.0.1:41234.
func (p *Provider) Issuer() string { return p.issuer }

// TokenURL is the token endpoint, for grants a test runs by hand.
func (p *Provider) TokenURL() string { return p.op.TokenEndpoint().Absolute(p.issuer) }

// AuthURL is the authorization endpoint.
func (p *Provider) AuthURL() string { return p.op.AuthorizationEndpoint().Absolute(p.issuer) }

// User returns the user with that username (zero if none).
func (p *Provider) User(username string) User {
	u, _ := p.store.user(username)
	return u
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
