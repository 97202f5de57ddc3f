package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/auth/oidclogin"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/steward"
)

// sso is single sign-on: the web login (authorization code + PKCE), the
// CLI's token exchange, and workload identity. Any part may be off.
type sso struct {
	s         *Server
	rp        *oidclogin.RP
	scopes    []string
	cliClient string
	workload  *oidclogin.WorkloadVerifier
	mappings  []workloadMapping
	secure    bool
}

// workloadMapping maps a workload's (issuer, subject) to a service account.
type workloadMapping struct {
	issuer, audience, account string
	subject                   *regexp.Regexp
}

// parseWorkloadIdentity reads "account=ci-bot;issuer=https://…;audience=steward;subject=repo:org/x:*".
func parseWorkloadIdentity(s string) (workloadMapping, error) {
	fields := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return workloadMapping{}, fmt.Errorf("--workload-identity %q: %q is not key=value", s, part)
		}
		fields[k] = v
	}
	m := workloadMapping{issuer: fields["issuer"], audience: fields["audience"], account: fields["account"]}
	if m.issuer == "" || m.audience == "" || m.account == "" || fields["subject"] == "" {
		return m, fmt.Errorf("--workload-identity %q: account, issuer, audience and subject are all required", s)
	}
	// A glob where * matches anything, '/' and ':' included: CI subjects are
	// paths such as repo:org/app:ref:refs/heads/main.
	m.subject = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(fields["subject"]), `\*`, ".*") + "$")
	return m, nil
}

func (s *Server) setupSSO(ctx context.Context) (*sso, error) {
	cfg := s.cfg
	if cfg.OIDCIssuer == "" && len(cfg.WorkloadIdentities) == 0 {
		return nil, nil
	}
	o := &sso{s: s, cliClient: cfg.OIDCCLIClientID}
	public := strings.TrimRight(cfg.PublicURL, "/")
	if public == "" {
		public = "http://" + cfg.Listen
	}
	o.secure = strings.HasPrefix(public, "https://")
	if cfg.OIDCIssuer != "" {
		if cfg.OIDCClientID == "" {
			return nil, fmt.Errorf("--oidc-issuer needs --oidc-client-id")
		}
		if o.cliClient == "" {
			o.cliClient = cfg.OIDCClientID
		}
		o.scopes = []string{"openid", "email", "profile"}
		if cfg.OIDCGroupsClaim != "" {
			o.scopes = append(o.scopes, "groups")
		}
		// Replicas must open each other's login-state cookies: with a
		// client secret the key derives from it; a public client gets a
		// per-process key (put replicas behind sticky sessions, or use a
		// confidential client).
		key := make([]byte, 32)
		if cfg.OIDCClientSecret != "" {
			h := sha256.Sum256([]byte("steward-login-state\x00" + cfg.OIDCClientSecret))
			key = h[:]
		} else {
			_, _ = rand.Read(key)
		}
		rp, err := oidclogin.New(ctx, oidclogin.Config{
			Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, CLIClientID: o.cliClient,
			RedirectURL: public + "/auth/callback", Scopes: o.scopes, GroupsClaim: cfg.OIDCGroupsClaim,
			CookieKey: key, Secure: o.secure,
			Error: func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, s.log, err) },
		})
		if err != nil {
			return nil, fmt.Errorf("identity provider %s: %w", cfg.OIDCIssuer, err)
		}
		o.rp = rp
	}
	var wcfgs []oidclogin.WorkloadConfig
	for _, w := range cfg.WorkloadIdentities {
		m, err := parseWorkloadIdentity(w)
		if err != nil {
			return nil, err
		}
		o.mappings = append(o.mappings, m)
		wcfgs = append(wcfgs, oidclogin.WorkloadConfig{Issuer: m.issuer, Audience: m.audience})
	}
	if len(wcfgs) > 0 {
		v, err := oidclogin.NewWorkloadVerifier(ctx, wcfgs)
		if err != nil {
			return nil, fmt.Errorf("workload identity: %w", err)
		}
		o.workload = v
	}
	return o, nil
}

// Exchange implements httpapi.TokenExchanger: a workload's token (when its
// issuer is a configured workload issuer) becomes a token of the mapped
// service account; a person's ID token from `steward login` becomes a
// token of their account.
func (o *sso) Exchange(ctx context.Context, subjectToken, _ string) (string, *auth.Token, error) {
	if o.workload != nil {
		iss, sub, claims, err := o.workload.Verify(ctx, subjectToken)
		if err == nil {
			auds := audiencesOf(claims)
			for _, m := range o.mappings {
				// The mapping's audience too: Verify accepts any audience
				// configured for the issuer, and a token requested for
				// one mapping's audience must not match another's account.
				if m.issuer == iss && slices.Contains(auds, m.audience) && m.subject.MatchString(sub) {
					return o.signIn(ctx, auth.ExternalIdentity{Issuer: iss, Subject: sub, ServiceAccount: m.account}, auth.TokenExchange, auth.WorkloadIdentityMethod)
				}
			}
			return "", nil, steward.Errorf(steward.CodePermissionDenied, "workload %q of %s is not mapped to a service account; an admin must add a --workload-identity for it", sub, iss)
		}
		if o.rp == nil {
			return "", nil, err
		}
	}
	if o.rp == nil {
		return "", nil, steward.Errorf(steward.CodeInvalid, "token exchange for people needs --oidc-issuer")
	}
	id, err := o.rp.VerifyIDToken(ctx, subjectToken)
	if err != nil {
		return "", nil, err
	}
	return o.signIn(ctx, externalOf(id), auth.TokenExchange, "oidc")
}

// signIn issues a token for an external identity. Its events
// (account.create, token.create) are recorded in the request's workspace,
// which must therefore exist: sign-in routes are public, and the
// middleware checks the workspace only after authentication.
func (o *sso) signIn(ctx context.Context, id auth.ExternalIdentity, kind auth.TokenKind, method string) (string, *auth.Token, error) {
	if err := o.s.workspaces.check(ctx, steward.WorkspaceFrom(ctx)); err != nil {
		return "", nil, err
	}
	return o.s.auth.SignIn(ctx, id, kind, method)
}

// audiencesOf reads a verified token's "aud" claim: a string or a list.
func audiencesOf(claims map[string]any) []string {
	switch aud := claims["aud"].(type) {
	case string:
		return []string{aud}
	case []any:
		out := make([]string, 0, len(aud))
		for _, a := range aud {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func externalOf(id oidclogin.Identity) auth.ExternalIdentity {
	email := id.Email
	if !id.EmailVerified {
		email = "" // an unverified address must not name an account
	}
	return auth.ExternalIdentity{Issuer: id.Issuer, Subject: id.Subject, Email: email, Name: id.Name, Groups: id.Groups}
}

// LoginConfig implements httpapi.TokenExchanger.
func (o *sso) LoginConfig() map[string]any {
	if o.rp == nil {
		return nil
	}
	return map[string]any{"issuer": o.s.cfg.OIDCIssuer, "cli_client_id": o.cliClient, "scopes": o.scopes, "login_url": "/auth/login"}
}

// callback finishes the web login: it verifies the provider's answer,
// provisions the account on first sign-in, and sets the session cookie.
func (o *sso) callback(w http.ResponseWriter, r *http.Request) {
	id, next, err := o.rp.Callback(w, r)
	if err == nil {
		var raw string
		raw, _, err = o.signIn(r.Context(), externalOf(id), auth.TokenSession, "session")
		if err == nil {
			http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: raw, Path: "/", HttpOnly: true, Secure: o.secure,
				SameSite: http.SameSiteLaxMode, MaxAge: int(o.s.cfg.SessionTTL.Seconds())})
			if next == "" {
				next = "/"
			}
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	// The status recorded is the one answered: 401 for a refused login, 503
	// when the provider could not be reached.
	o.s.recordDenial(r.Context(), steward.Principal{}, "auth.login_failed", "GET /auth/callback",
		httpapi.HTTPStatus(steward.ErrorCode(err)), steward.ErrorMessage(err))
	httpapi.WriteError(w, r, o.s.log, err)
}

// logout ends the web session (a POST with the CSRF token, like every
// state-changing form).
func (o *sso) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.SessionCookie); err == nil {
		if err := o.s.auth.SignOut(r.Context(), c.Value); err != nil && !steward.IsCode(err, steward.CodeUnauthenticated) {
			httpapi.WriteError(w, r, o.s.log, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
