package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/oidctest"
)

// TestWorkloadIdentity: a CI job exchanges the OIDC token its platform
// issued (here: a real client-credentials grant at oidctest, or a token the
// provider signs for a CI-style subject) for a short-lived Steward token of
// the service account a --workload-identity maps it to.
func TestWorkloadIdentity(t *testing.T) {
	ctx := context.Background()
	e := newSSOEnv(t, func(c *config.Config, p *oidctest.Provider) {
		// A CI-only installation: no web login, only workload identities.
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, c.OIDCCLIClientID = "", "", "", ""
		c.WorkloadIdentities = []string{
			"account=ci-bot;issuer=" + p.Issuer() + ";audience=steward;subject=steward-*",
			"account=ci-bot;issuer=" + p.Issuer() + ";audience=steward;subject=repo:org/app:ref:refs/heads/*",
			"account=ghost-bot;issuer=" + p.Issuer() + ";audience=steward;subject=repo:org/ghost:*",
		}
	})
	stranger := oidctest.Start(t)

	// The admin creates the service account and gives it rights on one model.
	e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/accounts", e.adminToken, `{"id":"ci-bot","kind":"service_account"}`)
	for _, m := range []string{"fraud", "other"} {
		e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/models", e.adminToken, `{"name":"`+m+`"}`)
	}
	e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/role-bindings", e.adminToken,
		`{"subject":"user:ci-bot","role":"developer","scope":"model","name":"fraud"}`)

	type exchanged struct {
		AccessToken string  `json:"access_token"`
		TokenType   string  `json:"token_type"`
		ExpiresIn   float64 `json:"expires_in"`
		Principal   string  `json:"principal"`
	}
	exchange := func(raw string) (*http.Response, string) {
		body, _ := json.Marshal(map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
			"subject_token": raw, "subject_token_type": "urn:ietf:params:oauth:token-type:jwt"})
		return e.request(nil, "POST", "/api/v1/auth/token", "", string(body))
	}
	mustExchange := func(raw string) exchanged {
		t.Helper()
		resp, body := exchange(raw)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("exchange: %s: %s", resp.Status, body)
		}
		var out exchanged
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	mint := func(p *oidctest.Provider, spec oidctest.TokenSpec) string {
		t.Helper()
		if spec.Audience == nil {
			spec.Audience = []string{"steward"}
		}
		raw, err := p.Mint(spec)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}

	// A real client-credentials token, audience "steward", subject steward-ci.
	raw, err := e.p.WorkloadToken(ctx, "steward")
	if err != nil {
		t.Fatal(err)
	}
	out := mustExchange(raw)
	if out.Principal != "ci-bot" || out.TokenType != "Bearer" || !auth.LooksLikeToken(out.AccessToken) {
		t.Fatalf("exchange = %+v", out)
	}
	if out.ExpiresIn <= 0 || out.ExpiresIn > 3600 {
		t.Errorf("expires_in = %v, want a short-lived token (at most an hour)", out.ExpiresIn)
	}
	bot := "Bearer " + out.AccessToken

	t.Run("acts as ci-bot with ci-bot's bindings", func(t *testing.T) {
		me := e.me(nil, bot)
		if me.Principal.ID != "ci-bot" || me.Principal.Kind != "service_account" || me.Principal.AuthMethod != "workload_identity" {
			t.Errorf("principal = %+v", me.Principal)
		}
		if me.Scope != "write" {
			t.Errorf("scope = %q, want write (exchanged service tokens cannot administer)", me.Scope)
		}
		if len(me.Bindings) != 1 || me.Bindings[0].Subject != "user:ci-bot" || me.Bindings[0].Name != "fraud" {
			t.Errorf("bindings = %+v", me.Bindings)
		}
		e.expectStatus(nil, http.StatusOK, "", "GET", "/api/v1/models/fraud", bot, "")
		e.expectStatus(nil, http.StatusOK, "", "PATCH", "/api/v1/models/fraud", bot, `{"description":"set by CI"}`)
		e.expectStatus(nil, http.StatusNotFound, "not_found", "GET", "/api/v1/models/other", bot, "")
		e.expectStatus(nil, http.StatusForbidden, "permission_denied", "DELETE", "/api/v1/models/fraud", bot, "")
		e.expectStatus(nil, http.StatusForbidden, "permission_denied", "GET", "/api/v1/accounts", bot, "")
		e.expectStatus(nil, http.StatusForbidden, "permission_denied", "POST", "/api/v1/tokens", bot, `{"name":"escalate","scope":"admin"}`)
		// Nor a token of its own scope: it would outlive the short-lived
		// exchange (expires_in 0 is "never").
		for _, in := range []string{`{"name":"persist","scope":"write","expires_in":"0"}`, `{"name":"persist","scope":"read"}`} {
			e.expectStatus(nil, http.StatusForbidden, "permission_denied", "POST", "/api/v1/tokens", bot, in)
		}

		// Stored as an exchange token that expires within the hour.
		var toks struct {
			Tokens []struct {
				Kind       string `json:"kind"`
				AuthMethod string `json:"auth_method"`
				CreatedAt  int64  `json:"created_at"`
				ExpiresAt  int64  `json:"expires_at"`
			} `json:"tokens"`
		}
		e.mustJSON(http.StatusOK, &toks, "GET", "/api/v1/tokens?principal=ci-bot", e.adminToken, "")
		if len(toks.Tokens) != 1 || toks.Tokens[0].Kind != "exchange" || toks.Tokens[0].AuthMethod != "workload_identity" ||
			toks.Tokens[0].ExpiresAt == 0 || toks.Tokens[0].ExpiresAt-toks.Tokens[0].CreatedAt > time.Hour.Milliseconds() {
			t.Errorf("ci-bot's tokens = %+v", toks.Tokens)
		}
		// The exchange is in the audit log under ci-bot.
		var evs struct {
			Events []struct {
				ActorID    string `json:"actor_id"`
				AuthMethod string `json:"auth_method"`
			} `json:"events"`
		}
		e.mustJSON(http.StatusOK, &evs, "GET", "/api/v1/events?action=token.create&actor=ci-bot", e.adminToken, "")
		if len(evs.Events) == 0 || evs.Events[0].AuthMethod != "workload_identity" {
			t.Errorf("token.create events of ci-bot = %+v", evs.Events)
		}
	})

	t.Run("CI-style subject matched by glob", func(t *testing.T) {
		got := mustExchange(mint(e.p, oidctest.TokenSpec{Subject: "repo:org/app:ref:refs/heads/main"}))
		if got.Principal != "ci-bot" {
			t.Errorf("principal = %q", got.Principal)
		}
	})

	t.Run("unmapped subject is 403", func(t *testing.T) {
		for _, sub := range []string{"repo:evil/app:ref:refs/heads/main", "repo:org/app:ref:refs/tags/v1", "other-steward-ci"} {
			resp, body := exchange(mint(e.p, oidctest.TokenSpec{Subject: sub}))
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"permission_denied"`) || !strings.Contains(body, "not mapped") {
				t.Errorf("%s: %s: %s, want 403 not mapped", sub, resp.Status, body)
			}
		}
	})

	t.Run("service account that does not exist is 401 naming it", func(t *testing.T) {
		resp, body := exchange(mint(e.p, oidctest.TokenSpec{Subject: "repo:org/ghost:ref:refs/heads/main"}))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) || !strings.Contains(body, `\"ghost-bot\"`) {
			t.Errorf("%s: %s, want 401 naming ghost-bot", resp.Status, body)
		}
	})

	otherAud, err := e.p.WorkloadToken(ctx, "someone-else")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, raw, want string }{
		{"wrong audience (real grant)", otherAud, "another audience"},
		{"wrong audience (minted)", mint(e.p, oidctest.TokenSpec{Subject: "steward-ci", Audience: []string{"steward-staging"}}), "another audience"},
		{"expired", mint(e.p, oidctest.TokenSpec{Subject: "steward-ci", TTL: -time.Minute}), "expired"},
		{"signed by another key", mint(e.p, oidctest.TokenSpec{Subject: "steward-ci", ForeignKey: true}), "could not be verified"},
		{"untrusted issuer", mint(stranger, oidctest.TokenSpec{Subject: "steward-ci"}), "not trusted"},
		{"untrusted key under the trusted issuer's name", mint(stranger, oidctest.TokenSpec{Subject: "steward-ci", Issuer: e.p.Issuer()}), "could not be verified"},
		{"a person's ID token", mint(e.p, oidctest.TokenSpec{Subject: oidctest.Alice().Subject, Audience: []string{oidctest.CLIClientID}}), "another audience"},
		{"malformed", "eyJhbGciOiJub25lIn0.e30", "malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := exchange(tt.raw)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) || !strings.Contains(body, tt.want) {
				t.Errorf("%s: %s, want 401 mentioning %q", resp.Status, body, tt.want)
			}
		})
	}

	t.Run("a workspace that does not exist is refused", func(t *testing.T) {
		// The sign-in's events go to the request's workspace; on this
		// public route nothing else checks that it exists.
		raw, err := e.p.WorkloadToken(ctx, "steward")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": raw})
		resp, got := e.request(nil, "POST", "/api/v1/auth/token", "", string(body), "Steward-Workspace", "nope")
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(got, "nope") || strings.Contains(got, "access_token") {
			t.Errorf("exchange in workspace nope: %s: %s, want 404 naming it", resp.Status, got)
		}
		resp, got = e.request(nil, "POST", "/api/v1/auth/token", "", string(body), "Steward-Workspace", "default")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("exchange in workspace default: %s: %s", resp.Status, got)
		}
	})

	t.Run("disabled service account", func(t *testing.T) {
		e.mustJSON(http.StatusOK, nil, "PATCH", "/api/v1/accounts/ci-bot", e.adminToken, `{"disabled":true}`)
		raw, err := e.p.WorkloadToken(ctx, "steward")
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := exchange(raw); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("exchange for a disabled account: %s: %s", resp.Status, body)
		}
		e.expectStatus(nil, http.StatusUnauthorized, "unauthenticated", "GET", "/api/v1/models/fraud", bot, "")
		e.mustJSON(http.StatusOK, nil, "PATCH", "/api/v1/accounts/ci-bot", e.adminToken, `{"disabled":false}`)
		e.expectStatus(nil, http.StatusOK, "", "GET", "/api/v1/models/fraud", bot, "")
	})

	// Nothing above created accounts: workloads never provision.
	var accts struct {
		Accounts []struct {
			ID string `json:"id"`
		} `json:"accounts"`
	}
	e.mustJSON(http.StatusOK, &accts, "GET", "/api/v1/accounts", e.adminToken, "")
	var ids []string
	for _, a := range accts.Accounts {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"admin", "ci-bot"}) {
		t.Errorf("accounts = %v", ids)
	}
}

// TestWorkloadIdentityConfig: mistakes in --workload-identity stop the
// server at start, with a message naming the setting.
func TestWorkloadIdentityConfig(t *testing.T) {
	p := oidctest.Start(t)
	for _, tt := range []struct{ name, value, want string }{
		{"missing subject", "account=ci-bot;issuer=" + p.Issuer() + ";audience=steward", "subject are all required"},
		{"not key=value", "account=ci-bot;issuer", "is not key=value"},
		{"issuer unreachable", "account=ci-bot;issuer=http://127.0.0.1:1;audience=steward;subject=*", "cannot discover"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Config{Home: t.TempDir(), Listen: "127.0.0.1:0", MaxArtifactSize: 1 << 30, LogFormat: "text",
				WorkloadIdentities: []string{tt.value}}
			s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err == nil {
				s.Close()
				t.Fatal("the server started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestWorkloadIdentityAudiences: two mappings trust the same issuer for
// different audiences. A token requested for one audience must only match
// the mapping that names that audience, even when its subject matches the
// other mapping's glob too.
func TestWorkloadIdentityAudiences(t *testing.T) {
	e := newSSOEnv(t, func(c *config.Config, p *oidctest.Provider) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, c.OIDCCLIClientID = "", "", "", ""
		c.WorkloadIdentities = []string{
			"account=prod-deployer;issuer=" + p.Issuer() + ";audience=steward-prod;subject=repo:org/app:ref:refs/heads/main",
			"account=staging-bot;issuer=" + p.Issuer() + ";audience=steward-staging;subject=repo:org/*",
		}
	})
	for _, id := range []string{"prod-deployer", "staging-bot"} {
		e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/accounts", e.adminToken, `{"id":"`+id+`","kind":"service_account"}`)
	}
	const mainBranch = "repo:org/app:ref:refs/heads/main"
	for _, tt := range []struct {
		aud     []string
		sub     string
		want    int
		account string
	}{
		{[]string{"steward-prod"}, mainBranch, http.StatusOK, "prod-deployer"},
		// Same subject, staging audience: staging's mapping, never prod's.
		{[]string{"steward-staging"}, mainBranch, http.StatusOK, "staging-bot"},
		{[]string{"steward-staging"}, "repo:org/app:ref:refs/heads/feature", http.StatusOK, "staging-bot"},
		// Prod audience, a subject only staging's glob matches.
		{[]string{"steward-prod"}, "repo:org/app:ref:refs/heads/feature", http.StatusForbidden, ""},
	} {
		raw, err := e.p.Mint(oidctest.TokenSpec{Subject: tt.sub, Audience: tt.aud})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": raw})
		resp, got := e.request(nil, "POST", "/api/v1/auth/token", "", string(body))
		if resp.StatusCode != tt.want || (tt.account != "" && !strings.Contains(got, `"principal":"`+tt.account+`"`)) {
			t.Errorf("aud %v, sub %s: %s: %s, want %d %s", tt.aud, tt.sub, resp.Status, got, tt.want, tt.account)
		}
	}
}
