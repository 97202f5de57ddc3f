package oidctest

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The provider's own pages: the login step of an authorization request and
// the verification page of the device flow. The op package leaves both to
// the provider; they are plain forms so a test's http.Client can fill them in.
const pageHTML = `<!doctype html>
<title>oidctest {{.Title}}</title>
<h1>{{.Title}}</h1>
{{if .Problem}}<p role="alert">{{.Problem}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}{{if .AskCode}}<label>Code <input name="user_code" value="{{.UserCode}}"></label>
{{end}}<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button name="action" value="approve">Sign in</button>
<button name="action" value="deny">Deny</button>
</form>
`

type pageData struct {
	Title, Action, Problem, UserCode string
	AskCode                          bool
	Hidden                           map[string]string
}

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = p.page.Execute(w, d) // the client went away; nothing to do
}

func parsePage() (*template.Template, error) { return template.New("page").Parse(pageHTML) }

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get(authRequestParam)
	if _, ok := p.store.authRequest(id); !ok {
		http.Error(w, "unknown or finished authorization request", http.StatusBadRequest)
		return
	}
	p.render(w, http.StatusOK, pageData{Title: "Sign in", Action: loginPath, Hidden: map[string]string{authRequestParam: id}})
}

func (p *Provider) loginSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue(authRequestParam)
	req, ok := p.store.authRequest(id)
	if !ok {
		http.Error(w, "unknown or finished authorization request", http.StatusBadRequest)
		return
	}
	ctx := op.ContextWithIssuer(r.Context(), p.issuer)
	if r.PostFormValue("action") == "deny" {
		// The op package sends the client back with error=access_denied and
		// its state, as RFC 6749 §4.1.2.1 asks.
		op.AuthRequestError(w, r.WithContext(ctx), req, oidc.ErrAccessDenied().WithDescription("the user denied the request"), p.op)
		return
	}
	u, ok := p.store.checkPassword(r.PostFormValue("username"), r.PostFormValue("password"))
	if !ok {
		p.render(w, http.StatusUnauthorized, pageData{Title: "Sign in", Action: loginPath,
			Problem: "Wrong username or password.", Hidden: map[string]string{authRequestParam: id}})
		return
	}
	if err := p.store.completeLogin(id, u); err != nil {
		http.Error(w, "unknown or finished authorization request", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(ctx, id), http.StatusSeeOther)
}

func (p *Provider) devicePage(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, pageData{Title: "Connect a device", Action: devicePath, AskCode: true,
		UserCode: r.URL.Query().Get("user_code")})
}

func (p *Provider) deviceSubmit(w http.ResponseWriter, r *http.Request) {
	code := r.PostFormValue("user_code")
	if r.PostFormValue("action") == "deny" {
		if err := p.store.decideDevice(code, User{}, false); err != nil {
			http.Error(w, "unknown, expired or used code", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "Device denied.\n")
		return
	}
	u, ok := p.store.checkPassword(r.PostFormValue("username"), r.PostFormValue("password"))
	if !ok {
		p.render(w, http.StatusUnauthorized, pageData{Title: "Connect a device", Action: devicePath, AskCode: true,
			UserCode: code, Problem: "Wrong username or password."})
		return
	}
	if err := p.store.decideDevice(code, u, true); err != nil {
		http.Error(w, "unknown, expired or used code", http.StatusBadRequest)
		return
	}
	_, _ = io.WriteString(w, "Device connected. You can close this window.\n")
}

// LoginForm is what a person types into the provider's pages.
type LoginForm struct {
	Username, Password string
	Deny               bool // press "Deny" instead of signing in
}

func (f LoginForm) values() url.Values {
	action := "approve"
	if f.Deny {
		action = "deny"
	}
	return url.Values{"username": {f.Username}, "password": {f.Password}, "action": {action}}
}

// SubmitLogin fills in the login page the way a browser would and returns
// the response at the end of the redirects that follow. page is the
// response c ended on after following an authorization request, i.e. the
// login page; with a cookie jar in c the redirects carry the relying
// party's cookies back to its callback.
func (p *Provider) SubmitLogin(ctx context.Context, c *http.Client, page *http.Response, f LoginForm) (*http.Response, error) {
	if page == nil || page.Request == nil || page.Request.URL.Path != loginPath {
		return nil, errors.New("oidctest: SubmitLogin needs the response that landed on the login page")
	}
	form := f.values()
	form.Set(authRequestParam, page.Request.URL.Query().Get(authRequestParam))
	return postForm(ctx, c, p.issuer+loginPath, form)
}

// SubmitDevice fills in the device verification page at verificationURI
// (as DeviceAuth returned it) for userCode.
func (p *Provider) SubmitDevice(ctx context.Context, c *http.Client, verificationURI, userCode string, f LoginForm) error {
	form := f.values()
	form.Set("user_code", userCode)
	resp, err := postForm(ctx, c, verificationURI, form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("oidctest: device page: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// ApproveDevice approves the device authorization of userCode as username,
// without going through the verification page.
func (p *Provider) ApproveDevice(userCode, username string) error {
	u, ok := p.store.user(username)
	if !ok {
		return fmt.Errorf("oidctest: no user %q", username)
	}
	return p.store.decideDevice(userCode, u, true)
}

// DenyDevice denies the device authorization of userCode.
func (p *Provider) DenyDevice(userCode string) error {
	return p.store.decideDevice(userCode, User{}, false)
}

func postForm(ctx context.Context, c *http.Client, target string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("oidctest: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oidctest: post %s: %w", target, err)
	}
	return resp, nil
}
