package oidctest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/steward-registry/steward/internal/oidctest"
)

const (
	webClientID = "steward-web"
	webSecret   = "web-secret"
	webCallback = "http://127.0.0.1:1/auth/callback" // never dialled: the client stops at the redirect
)

func start(t *testing.T) *oidctest.Provider {
	t.Helper()
	return oidctest.Start(t, oidctest.WithClient(oidctest.Client{
		ID: webClientID, Secret: webSecret, RedirectURIs: []string{webCallback},
	}))
}

// browser is a client with a cookie jar that stops at the redirect to the
// relying party's callback, so the test sees the code the provider issued.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/auth/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// authorize runs the browser half of the code flow as alice and returns
// the callback's query (code and state, or error).
func authorize(t *testing.T, p *oidctest.Provider, authURL string) url.Values {
	t.Helper()
	ctx := context.Background()
	c := browser(t)
	page, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Fatalf("authorize: got %s at %s, want the login page", page.Status, page.Request.URL)
	}
	alice := oidctest.Alice()
	resp, err := p.SubmitLogin(ctx, c, page, oidctest.LoginForm{Username: alice.Username, Password: alice.Password})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("login: %s, no redirect to the callback: %v", resp.Status, err)
	}
	return loc.Query()
}

func oauthConfig(p *oidctest.Provider, id, secret, redirect string) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if secret == "" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID: id, ClientSecret: secret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), AuthStyle: style},
		Scopes:   []string{"openid", "email", "profile", oidctest.ScopeGroups},
	}
}

func TestDiscovery(t *testing.T) {
	p := start(t)
	resp, err := http.Get(p.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer        string   `json:"issuer"`
		JWKS          string   `json:"jwks_uri"`
		Device        string   `json:"device_authorization_endpoint"`
		PKCE          []string `json:"code_challenge_methods_supported"`
		Scopes        []string `json:"scopes_supported"`
		GrantsAllowed []string `json:"grant_types_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != p.Issuer() || doc.JWKS == "" || doc.Device == "" {
		t.Errorf("discovery = %+v", doc)
	}
	if !slices.Contains(doc.PKCE, "S256") || !slices.Contains(doc.Scopes, "groups") {
		t.Errorf("discovery = %+v, want S256 and the groups scope", doc)
	}
	for _, g := range []string{"authorization_code", "urn:ietf:params:oauth:grant-type:device_code", "client_credentials"} {
		if !slices.Contains(doc.GrantsAllowed, g) {
			t.Errorf("grant_types_supported = %v, missing %s", doc.GrantsAllowed, g)
		}
	}
}

// TestPKCEEnforced shows the provider, not our client code, refuses a code
// redeemed without the right verifier, for public and confidential clients.
func TestPKCEEnforced(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	cli := oauthConfig(p, oidctest.CLIClientID, "", "http://127.0.0.1:8123/auth/callback")
	web := oauthConfig(p, webClientID, webSecret, webCallback)

	tests := []struct {
		name      string
		cfg       *oauth2.Config
		challenge bool   // send an S256 code_challenge
		verifier  string // "" none, "right", or a wrong one
		wantErr   string // OAuth error code, "" for success
	}{
		{"public, right verifier", cli, true, "right", ""},
		{"public, no verifier", cli, true, "", "invalid_request"},
		{"public, wrong verifier", cli, true, oauth2.GenerateVerifier(), "invalid_grant"},
		{"public, no PKCE at all", cli, false, "", "invalid_request"},
		{"confidential, right verifier", web, true, "right", ""},
		{"confidential, no verifier", web, true, "", "invalid_request"},
		{"confidential, wrong verifier", web, true, oauth2.GenerateVerifier(), "invalid_grant"},
		{"confidential, verifier without challenge", web, false, "right", "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verifier := oauth2.GenerateVerifier()
			opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("nonce", "n-"+verifier[:8])}
			if tt.challenge {
				opts = append(opts, oauth2.S256ChallengeOption(verifier))
			}
			q := authorize(t, p, tt.cfg.AuthCodeURL("st", opts...))
			if q.Get("state") != "st" || q.Get("code") == "" {
				t.Fatalf("callback query = %v", q)
			}
			var exOpts []oauth2.AuthCodeOption
			switch tt.verifier {
			case "":
			case "right":
				exOpts = append(exOpts, oauth2.VerifierOption(verifier))
			default:
				exOpts = append(exOpts, oauth2.VerifierOption(tt.verifier))
			}
			tok, err := tt.cfg.Exchange(ctx, q.Get("code"), exOpts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("exchange: %v", err)
				}
				if idt, _ := tok.Extra("id_token").(string); idt == "" {
					t.Fatal("no id_token in the token response")
				}
				// A code is single-use: the replay fails at the provider.
				_, err = tt.cfg.Exchange(ctx, q.Get("code"), exOpts...)
				assertOAuthError(t, err, "invalid_grant")
				return
			}
			assertOAuthError(t, err, tt.wantErr)
		})
	}
}

func assertOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want OAuth error %s", err, code)
	}
	if re.ErrorCode != code {
		t.Fatalf("error = %s (%s), want %s", re.ErrorCode, re.ErrorDescription, code)
	}
}

func TestLoginPage(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	cfg := oauthConfig(p, webClientID, webSecret, webCallback)
	authURL := cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	t.Run("wrong password stays on the page", func(t *testing.T) {
		c := browser(t)
		page, err := c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		page.Body.Close()
		resp, err := p.SubmitLogin(ctx, c, page, oidctest.LoginForm{Username: "alice", Password: "nope"})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status = %s, want 401", resp.Status)
		}
	})
	t.Run("deny sends access_denied with the state", func(t *testing.T) {
		c := browser(t)
		page, err := c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		page.Body.Close()
		resp, err := p.SubmitLogin(ctx, c, page, oidctest.LoginForm{Deny: true})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("status %s: %v", resp.Status, err)
		}
		if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != "st" {
			t.Fatalf("callback query = %v", q)
		}
	})
	t.Run("unregistered redirect is refused", func(t *testing.T) {
		bad := oauthConfig(p, webClientID, webSecret, "http://127.0.0.1:1/elsewhere")
		resp, err := browser(t).Get(bad.AuthCodeURL("st"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(resp.Request.URL.Path, "elsewhere") {
			t.Fatalf("status = %s at %s, want 400 at the provider", resp.Status, resp.Request.URL)
		}
	})
}

func TestDeviceFlowDenied(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	cfg := oauthConfig(p, oidctest.CLIClientID, "", "")
	cfg.Endpoint.DeviceAuthURL = p.Issuer() + "/device_authorization"
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.DenyDevice(da.UserCode); err != nil {
		t.Fatal(err)
	}
	_, err = cfg.DeviceAccessToken(ctx, da)
	assertOAuthError(t, err, "access_denied")
	if err := p.ApproveDevice(da.UserCode, "alice"); err == nil {
		t.Fatal("a used user code was approved again")
	}
}
