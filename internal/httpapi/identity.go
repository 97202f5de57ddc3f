package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/steward"
)

// TokenExchanger swaps an identity provider's token (a person's ID token
// from `steward login`, or a CI job's or Kubernetes workload's token) for a
// short-lived Steward token. The server implements it from its OIDC and
// workload-identity configuration.
type TokenExchanger interface {
	Exchange(ctx context.Context, subjectToken, subjectTokenType string) (string, *auth.Token, error)
	// LoginConfig says how a CLI can sign in (issuer and public client id),
	// or nil when no identity provider is configured.
	LoginConfig() map[string]any
}

func (a *API) identityRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/me", steward.PermAuthenticated, a.me},
		{"GET", "/api/v1/roles", steward.PermAuthenticated, a.roles},
		{"GET", "/api/v1/tokens", steward.PermAuthenticated, a.listTokens},
		{"POST", "/api/v1/tokens", steward.PermAuthenticated, a.createToken},
		{"DELETE", "/api/v1/tokens/{token}", steward.PermAuthenticated, a.revokeToken},
		{"GET", "/api/v1/accounts", steward.PermIdentityManage, a.listAccounts},
		{"POST", "/api/v1/accounts", steward.PermIdentityManage, a.createAccount},
		{"GET", "/api/v1/accounts/{account}", steward.PermAuthenticated, a.getAccount},
		{"PATCH", "/api/v1/accounts/{account}", steward.PermAuthenticated, a.updateAccount},
		{"GET", "/api/v1/groups", steward.PermIdentityManage, a.listGroups},
		{"PUT", "/api/v1/groups/{group}/members/{account}", steward.PermIdentityManage, a.addMember},
		{"DELETE", "/api/v1/groups/{group}/members/{account}", steward.PermIdentityManage, a.removeMember},
		{"GET", "/api/v1/role-bindings", steward.PermIdentityManage, a.listBindings},
		{"POST", "/api/v1/role-bindings", steward.PermIdentityManage, a.createBinding},
		{"DELETE", "/api/v1/role-bindings/{binding}", steward.PermIdentityManage, a.deleteBinding},
		{"GET", "/api/v1/models/{model}/grants", steward.PermModelRead, a.listGrants},
		{"POST", "/api/v1/models/{model}/grants", steward.PermModelManage, a.createGrant},
		{"DELETE", "/api/v1/models/{model}/grants/{grant}", steward.PermModelManage, a.deleteGrant},
		{"POST", "/api/v1/auth/token", steward.PermPublic, a.exchangeToken},
		{"GET", "/api/v1/auth/config", steward.PermPublic, a.authConfig},
	}
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	who, err := a.Auth.Who(r.Context())
	if err != nil {
		return err
	}
	out := map[string]any{"principal": who.Principal, "scope": who.Scope, "account": who.Account, "bindings": who.Bindings}
	if c, err := r.Cookie(auth.SessionCookie); err == nil && who.Principal.AuthMethod == "session" {
		// Scripts of the web UI read the CSRF token here; they cannot read
		// the cookie it is derived from.
		out["csrf_token"] = auth.CSRFToken(c.Value)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) roles(w http.ResponseWriter, r *http.Request) error {
	type role struct {
		Name        auth.Role            `json:"name"`
		Description string               `json:"description"`
		Permissions []steward.Permission `json:"permissions"`
	}
	out := []role{}
	for _, p := range auth.Policy {
		out = append(out, role{p.Role, p.Description, p.Permissions})
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": out})
	return nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.Auth.ListTokens(r.Context(), r.URL.Query().Get("principal"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": tokenViews(ts)})
	return nil
}

// tokenView adds the scope's name (the Token type keeps the level).
type tokenView struct {
	*auth.Token
	Scope string `json:"scope"`
}

func tokenViews(ts []*auth.Token) []tokenView {
	out := make([]tokenView, len(ts))
	for i, t := range ts {
		out[i] = tokenView{t, t.Scope.String()}
	}
	return out
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in auth.TokenCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	raw, t, err := a.Auth.CreateToken(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"token": raw, "info": tokenViews([]*auth.Token{t})[0],
		"note": "store this token now: Steward keeps only its hash and cannot show it again"})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := a.Auth.RevokeToken(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) error {
	as, err := a.Auth.ListAccounts(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": as})
	return nil
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in auth.AccountCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	acct, err := a.Auth.CreateAccount(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/accounts/"+url.PathEscape(acct.ID))
	writeJSON(w, http.StatusCreated, acct)
	return nil
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := a.Auth.GetAccount(r.Context(), r.PathValue("account"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acct)
	return nil
}

func (a *API) updateAccount(w http.ResponseWriter, r *http.Request) error {
	var in auth.AccountUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	acct, err := a.Auth.UpdateAccount(r.Context(), r.PathValue("account"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acct)
	return nil
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request) error {
	gs, err := a.Auth.ListGroups(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": gs})
	return nil
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request) error {
	return a.setMember(w, r, true)
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request) error {
	return a.setMember(w, r, false)
}

func (a *API) setMember(w http.ResponseWriter, r *http.Request, member bool) error {
	if err := a.Auth.SetGroupMember(r.Context(), r.PathValue("group"), r.PathValue("account"), member); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listBindings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	bs, err := a.Auth.ListBindings(r.Context(), auth.BindingFilter{Subject: q.Get("subject"), ScopeKind: q.Get("scope"),
		Workspace: q.Get("workspace"), ScopeName: q.Get("name")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"role_bindings": bs})
	return nil
}

func (a *API) createBinding(w http.ResponseWriter, r *http.Request) error {
	var in auth.BindingCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := a.Auth.CreateBinding(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/role-bindings/"+b.ID)
	writeJSON(w, http.StatusCreated, b)
	return nil
}

func (a *API) deleteBinding(w http.ResponseWriter, r *http.Request) error {
	if err := a.Auth.DeleteBinding(r.Context(), r.PathValue("binding")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listGrants(w http.ResponseWriter, r *http.Request) error {
	gs, err := a.Auth.ListModelGrants(r.Context(), r.PathValue("model"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"grants": gs})
	return nil
}

type grantCreate struct {
	Subject string `json:"subject"`
	Access  string `json:"access"`
}

func (a *API) createGrant(w http.ResponseWriter, r *http.Request) error {
	var in grantCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	g, err := a.Auth.GrantModel(r.Context(), r.PathValue("model"), in.Subject, in.Access)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (a *API) deleteGrant(w http.ResponseWriter, r *http.Request) error {
	if err := a.Auth.RevokeModelGrant(r.Context(), r.PathValue("model"), r.PathValue("grant")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tokenExchangeGrant is RFC 8693's grant type.
const tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

type exchangeRequest struct {
	GrantType        string `json:"grant_type"`
	SubjectToken     string `json:"subject_token"`
	SubjectTokenType string `json:"subject_token_type"`
}

// exchangeToken is RFC 8693 token exchange, accepting JSON or the form
// encoding OAuth clients send.
func (a *API) exchangeToken(w http.ResponseWriter, r *http.Request) error {
	var in exchangeRequest
	if ct := r.Header.Get("Content-Type"); len(ct) >= 33 && ct[:33] == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return steward.Errorf(steward.CodeInvalid, "the form body could not be read: %v", err)
		}
		in = exchangeRequest{r.PostForm.Get("grant_type"), r.PostForm.Get("subject_token"), r.PostForm.Get("subject_token_type")}
	} else if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.GrantType != tokenExchangeGrant {
		return steward.Errorf(steward.CodeInvalid, "grant_type must be %s", tokenExchangeGrant).WithDetail("field", "grant_type")
	}
	if in.SubjectToken == "" {
		return steward.Errorf(steward.CodeInvalid, "subject_token is required: an ID token from your identity provider or a workload's OIDC token").WithDetail("field", "subject_token")
	}
	if a.Exchanger == nil {
		return steward.Errorf(steward.CodeInvalid, "token exchange is not configured on this server (no --oidc-issuer and no --workload-identity)")
	}
	raw, t, err := a.Exchanger.Exchange(r.Context(), in.SubjectToken, in.SubjectTokenType)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": raw, "token_type": "Bearer", "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
		"expires_in": (t.ExpiresAt - t.CreatedAt) / 1000, "principal": t.PrincipalID,
	})
	return nil
}

func (a *API) authConfig(w http.ResponseWriter, r *http.Request) error {
	out := map[string]any{"oidc": nil, "token_exchange": a.Exchanger != nil}
	if a.Exchanger != nil {
		out["oidc"] = a.Exchanger.LoginConfig()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
