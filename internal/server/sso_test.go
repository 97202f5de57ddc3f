package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/oidctest"
)

// These tests run single sign-on end to end: a real OpenID provider
// (oidctest, built on zitadel's certified op package), a Steward server
// configured against it, and a "browser" made of net/http and a cookie jar.

const (
	ssoWebClient     = "steward-web"
	ssoWebSecret     = "steward-web-secret"
	ssoAdminPassword = "admin-password-for-sso-tests"
	ssoCallbackPath  = "/auth/callback"
)

// ssoEnv is a running Steward with an identity provider and a bootstrap
// administrator (admin / ssoAdminPassword) holding an admin token.
type ssoEnv struct {
	t          *testing.T
	p          *oidctest.Provider
	srv        *Server
	url        string // the server's base URL, also its PublicURL
	adminToken string
}

// newSSOEnv starts the provider and the server. The listener comes first so
// the provider can register the server's callback as its web client's only
// redirect URI, and the server's PublicURL can name the same port. mutate may
// change the configuration (workload identities, no OIDC at all, ...).
func newSSOEnv(t *testing.T, mutate func(*config.Config, *oidctest.Provider)) *ssoEnv {
	t.Helper()
	return newSSOEnvWith(t, nil, mutate)
}

// newSSOEnvWith is newSSOEnv with a hook to change the web client the
// provider registers (faulty ID tokens, another redirect URI).
func newSSOEnvWith(t *testing.T, client func(*oidctest.Client), mutate func(*config.Config, *oidctest.Provider)) *ssoEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	web := oidctest.Client{ID: ssoWebClient, Secret: ssoWebSecret, RedirectURIs: []string{base + ssoCallbackPath}}
	if client != nil {
		client(&web)
	}
	p := oidctest.Start(t, oidctest.WithClient(web))
	cfg := config.Config{
		Home: t.TempDir(), Listen: "127.0.0.1:0", MaxArtifactSize: 1 << 30, LogFormat: "text", LogLevel: "error",
		PublicURL: base, SessionTTL: time.Hour,
		OIDCIssuer: p.Issuer(), OIDCClientID: ssoWebClient, OIDCClientSecret: ssoWebSecret,
		OIDCCLIClientID: oidctest.CLIClientID, OIDCGroupsClaim: "groups",
		BootstrapAdmin: "admin", BootstrapAdminPassword: ssoAdminPassword,
	}
	if mutate != nil {
		mutate(&cfg, p)
	}
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.Handler()}}
	ts.Start()
	t.Cleanup(ts.Close)
	e := &ssoEnv{t: t, p: p, srv: s, url: base}

	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+ssoAdminPassword))
	var tok struct {
		Token string `json:"token"`
	}
	e.mustJSON(http.StatusCreated, &tok, "POST", "/api/v1/tokens", basic, `{"name":"sso-test-admin","scope":"admin"}`)
	if !auth.LooksLikeToken(tok.Token) {
		t.Fatalf("admin token %q does not look like a Steward token", tok.Token)
	}
	e.adminToken = "Bearer " + tok.Token
	return e
}

// request sends one request with an optional Authorization header value
// (a "Bearer …" or "Basic …" string) through c (nil: a client without jar).
func (e *ssoEnv) request(c *http.Client, method, path, authz, body string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	target := path
	if strings.HasPrefix(path, "/") {
		target = e.url + path
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// mustJSON sends a request that must answer want, and decodes the body into out.
func (e *ssoEnv) mustJSON(want int, out any, method, path, authz, body string) {
	e.t.Helper()
	resp, b := e.request(nil, method, path, authz, body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %s, want %d: %s", method, path, resp.Status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, b)
		}
	}
}

// expectStatus sends a request and checks its status (and, for errors, the
// API's error code).
func (e *ssoEnv) expectStatus(c *http.Client, want int, code, method, path, authz, body string, hdr ...string) string {
	e.t.Helper()
	resp, b := e.request(c, method, path, authz, body, hdr...)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %s, want %d: %s", method, path, resp.Status, want, b)
	}
	if code != "" {
		var eb struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(b), &eb); err != nil || eb.Error.Code != code {
			e.t.Fatalf("%s %s: body %s, want error code %q", method, path, b, code)
		}
		return eb.Error.Message
	}
	return b
}

// ssoMe is GET /api/v1/me.
type ssoMe struct {
	Principal struct {
		ID         string   `json:"id"`
		Kind       string   `json:"kind"`
		AuthMethod string   `json:"auth_method"`
		Groups     []string `json:"groups"`
		TokenID    string   `json:"token_id"`
	} `json:"principal"`
	Scope   string `json:"scope"`
	Account *struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		DisplayName string `json:"display_name"`
		Email       string `json:"email"`
		OIDCIssuer  string `json:"oidc_issuer"`
		OIDCSubject string `json:"oidc_subject"`
	} `json:"account"`
	Bindings []struct {
		Subject string `json:"subject"`
		Role    string `json:"role"`
		Scope   string `json:"scope"`
		Name    string `json:"name"`
	} `json:"bindings"`
	CSRF string `json:"csrf_token"`
}

// me is GET /api/v1/me through c with authz and extra headers (a cookie).
func (e *ssoEnv) me(c *http.Client, authz string, hdr ...string) ssoMe {
	e.t.Helper()
	resp, b := e.request(c, "GET", "/api/v1/me", authz, "", hdr...)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /api/v1/me: %s: %s", resp.Status, b)
	}
	var m ssoMe
	if err := json.Unmarshal([]byte(b), &m); err != nil {
		e.t.Fatalf("GET /api/v1/me: %v\n%s", err, b)
	}
	return m
}

// browser is a client with a cookie jar that stops before the server's
// callback, so a test can look at what the provider sent back and at the
// callback's own answer (its Set-Cookie headers) before following on.
func (e *ssoEnv) browser() *http.Client {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == ssoCallbackPath {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// noFollow shares c's jar but never follows a redirect.
func noFollow(c *http.Client) *http.Client {
	return &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// toProvider starts a login at the server and follows it to the provider's
// login page.
func (e *ssoEnv) toProvider(c *http.Client, next string) *http.Response {
	e.t.Helper()
	path := "/auth/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	page, err := c.Get(e.url + path)
	if err != nil {
		e.t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Request.URL.String(), e.p.Issuer()) {
		e.t.Fatalf("GET %s: %s at %s, want the provider's login page", path, page.Status, page.Request.URL)
	}
	return page
}

// toCallback signs in at the provider as form and returns the callback URL
// the provider redirected the browser to (not yet visited).
func (e *ssoEnv) toCallback(c *http.Client, next string, form oidctest.LoginForm) *url.URL {
	e.t.Helper()
	page := e.toProvider(c, next)
	resp, err := e.p.SubmitLogin(context.Background(), c, page, form)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Path != ssoCallbackPath {
		e.t.Fatalf("provider login: %s, want a redirect to %s (%v)", resp.Status, ssoCallbackPath, err)
	}
	return loc
}

// signIn runs a whole web login as form with browser c and returns the
// session cookie the callback set.
func (e *ssoEnv) signIn(c *http.Client, form oidctest.LoginForm) *http.Cookie {
	e.t.Helper()
	loc := e.toCallback(c, "", form)
	resp, body := e.request(noFollow(c), "GET", loc.String(), "", "")
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("callback: %s, want 303: %s", resp.Status, body)
	}
	c2 := sessionCookieOf(resp)
	if c2 == nil {
		e.t.Fatalf("callback set no %s cookie; Set-Cookie: %q", auth.SessionCookie, resp.Header.Values("Set-Cookie"))
	}
	return c2
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == auth.SessionCookie && c.Value != "" {
			return c
		}
	}
	return nil
}

func formOf(u oidctest.User) oidctest.LoginForm {
	return oidctest.LoginForm{Username: u.Username, Password: u.Password}
}

// withCookie is a request header list that sends exactly one cookie.
func withCookie(c *http.Cookie) []string { return []string{"Cookie", c.Name + "=" + c.Value} }

// TestSSOWebLogin is the web login end to end: sign-in through the
// provider's form, the session cookie's attributes, the provisioned account
// and its groups, the home page, CSRF-protected logout and what a session
// is worth afterwards.
func TestSSOWebLogin(t *testing.T) {
	e := newSSOEnv(t, nil)
	alice := oidctest.Alice()
	aliceID := alice.Email // the account is named by the verified email

	// No account before the first sign-in; anonymous requests are refused.
	e.expectStatus(nil, http.StatusNotFound, "not_found", "GET", "/api/v1/accounts/"+aliceID, e.adminToken, "")
	e.expectStatus(nil, http.StatusUnauthorized, "unauthenticated", "GET", "/api/v1/me", "", "")

	b := e.browser()
	loc := e.toCallback(b, "/api/v1/me", formOf(alice))

	// The callback: 303 to where the login started, and the session cookie.
	resp, body := e.request(noFollow(b), "GET", loc.String(), "", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/api/v1/me" {
		t.Fatalf("callback: %s to %q, want 303 to /api/v1/me: %s", resp.Status, resp.Header.Get("Location"), body)
	}
	sc := sessionCookieOf(resp)
	if sc == nil {
		t.Fatalf("no session cookie; Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || sc.Path != "/" || sc.MaxAge != int(time.Hour.Seconds()) {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, not Secure (http PublicURL), Path=/, Max-Age=3600", sc)
	}
	if !auth.LooksLikeToken(sc.Value) {
		t.Errorf("session cookie value has not the shape of a Steward token")
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("callback Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}

	// Following the redirect with the jar: /api/v1/me as alice.
	resp, body = e.request(b, "GET", resp.Header.Get("Location"), "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/me after login: %s: %s", resp.Status, body)
	}
	var me ssoMe
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	if me.Principal.ID != aliceID || me.Principal.Kind != "user" || me.Principal.AuthMethod != "session" {
		t.Errorf("principal = %+v, want user %s signed in by session", me.Principal, aliceID)
	}
	if !slices.Equal(me.Principal.Groups, alice.Groups) {
		t.Errorf("groups = %v, want %v from the provider's groups claim", me.Principal.Groups, alice.Groups)
	}
	if me.Account == nil || me.Account.OIDCIssuer != e.p.Issuer() || me.Account.OIDCSubject != alice.Subject ||
		me.Account.Email != alice.Email || me.Account.DisplayName != alice.Name {
		t.Errorf("account = %+v, want the provisioned account of %s at %s", me.Account, alice.Subject, e.p.Issuer())
	}
	if len(me.Bindings) != 0 {
		t.Errorf("a new account has bindings %+v; first sign-in must grant nothing", me.Bindings)
	}
	if me.CSRF == "" || me.CSRF != auth.CSRFToken(sc.Value) {
		t.Errorf("csrf_token = %q, want the session's", me.CSRF)
	}
	// Provisioned: the admin sees the account.
	var acct struct {
		ID          string `json:"id"`
		OIDCSubject string `json:"oidc_subject"`
	}
	e.mustJSON(http.StatusOK, &acct, "GET", "/api/v1/accounts/"+url.PathEscape(aliceID), e.adminToken, "")
	if acct.ID != aliceID || acct.OIDCSubject != alice.Subject {
		t.Errorf("account = %+v", acct)
	}
	// A new account has no rights: admin routes are refused.
	e.expectStatus(b, http.StatusForbidden, "permission_denied", "GET", "/api/v1/accounts", "", "")

	// The home page names the principal and carries the logout form's CSRF token.
	resp, home := e.request(b, "GET", "/", "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(home, `id="principal">`+aliceID+`<`) {
		t.Fatalf("home page: %s, want it to show %s:\n%s", resp.Status, aliceID, home)
	}
	m := regexp.MustCompile(`name="csrf_token" value="([0-9a-f]+)"`).FindStringSubmatch(home)
	if m == nil || m[1] != me.CSRF {
		t.Fatalf("home page csrf_token = %v, want %q", m, me.CSRF)
	}
	csrf := m[1]
	// Without the session the home page offers sign-in.
	if _, anon := e.request(nil, "GET", "/", "", ""); !strings.Contains(anon, `href="/auth/login"`) || strings.Contains(anon, "Signed in") {
		t.Errorf("home page without a session:\n%s", anon)
	}

	// A second sign-in finds the same account (keyed on issuer + subject).
	b2 := e.browser()
	sc2 := e.signIn(b2, formOf(alice))
	if sc2.Value == sc.Value {
		t.Error("a second sign-in reused the first session")
	}
	if got := e.me(nil, "", withCookie(sc2)...); got.Principal.ID != aliceID {
		t.Errorf("second sign-in is %q, want %q", got.Principal.ID, aliceID)
	}

	t.Run("tampered session cookie is 401", func(t *testing.T) {
		last := sc.Value[len(sc.Value)-1]
		repl := byte('A')
		if last == 'A' {
			repl = 'B'
		}
		for name, v := range map[string]string{
			"secret changed": sc.Value[:len(sc.Value)-1] + string(repl),
			"garbage":        "not-a-session",
			"id of another":  "stw_0000000000000000_" + sc.Value[len("stw_0000000000000000_"):],
		} {
			resp, body := e.request(nil, "GET", "/api/v1/me", "", "", "Cookie", auth.SessionCookie+"="+v)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "sign in again") {
				t.Errorf("%s: %s: %s, want 401 asking to sign in again", name, resp.Status, body)
			}
			if strings.Contains(body, v) {
				t.Errorf("%s: the answer echoes the cookie", name)
			}
		}
		// The home page shows nobody signed in, not an error.
		resp, home := e.request(nil, "GET", "/", "", "", "Cookie", auth.SessionCookie+"="+sc.Value[:len(sc.Value)-1]+string(repl))
		if resp.StatusCode != http.StatusOK || strings.Contains(home, `id="principal"`) {
			t.Errorf("home page with a tampered cookie: %s\n%s", resp.Status, home)
		}
	})

	t.Run("logout needs the CSRF token", func(t *testing.T) {
		form := func(v string) string { return url.Values{"csrf_token": {v}}.Encode() }
		const ct = "application/x-www-form-urlencoded"
		for name, body := range map[string]string{"no token": "", "wrong token": form(strings.Repeat("0", len(csrf)))} {
			resp, got := e.request(noFollow(b), "POST", "/auth/logout", "", body, "Content-Type", ct)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(got, "CSRF") {
				t.Fatalf("%s: logout %s, want 403 naming the CSRF token: %s", name, resp.Status, got)
			}
		}
		// The session survived the refused logouts.
		e.me(b, "")

		resp, _ := e.request(noFollow(b), "POST", "/auth/logout", "", form(csrf), "Content-Type", ct)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("logout: %s to %q, want 303 to /", resp.Status, resp.Header.Get("Location"))
		}
		var cleared *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == auth.SessionCookie {
				cleared = c
			}
		}
		if cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" || !cleared.HttpOnly {
			t.Errorf("logout cookie = %+v, want the session cookie deleted", cleared)
		}
		// The session itself is revoked, not just forgotten by this browser.
		resp, body := e.request(nil, "GET", "/api/v1/me", "", "", withCookie(sc)...)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the logged-out session still works: %s: %s", resp.Status, body)
		}
		e.expectStatus(b, http.StatusUnauthorized, "unauthenticated", "GET", "/api/v1/me", "", "")
		// The other browser's session is unaffected.
		if got := e.me(nil, "", withCookie(sc2)...); got.Principal.ID != aliceID {
			t.Errorf("other session = %q", got.Principal.ID)
		}
	})
}

// loginFailures lists the audit records of failed web logins.
func (e *ssoEnv) loginFailures() []map[string]any {
	e.t.Helper()
	var out struct {
		Events []struct {
			Action   string          `json:"action"`
			ActorID  string          `json:"actor_id"`
			ObjectID string          `json:"object_id"`
			RemoteIP string          `json:"remote_ip"`
			After    json.RawMessage `json:"after"`
		} `json:"events"`
	}
	e.mustJSON(http.StatusOK, &out, "GET", "/api/v1/events?action=auth.login_failed", e.adminToken, "")
	var recs []map[string]any
	for _, ev := range out.Events {
		var after map[string]any
		_ = json.Unmarshal(ev.After, &after)
		recs = append(recs, map[string]any{"action": ev.Action, "actor": ev.ActorID, "route": ev.ObjectID,
			"ip": ev.RemoteIP, "status": after["status"], "reason": after["reason"]})
	}
	return recs
}

// assertLoginFailed checks the callback answered 401 mentioning want, and
// that the failure was audited.
func (e *ssoEnv) assertLoginFailed(resp *http.Response, body, want string) {
	e.t.Helper()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) || !strings.Contains(body, want) {
		e.t.Fatalf("callback: %s: %s, want 401 unauthenticated mentioning %q", resp.Status, body, want)
	}
	for _, leak := range []string{"eyJ", e.p.Issuer(), "oidc:", "oauth2:"} {
		if strings.Contains(body, leak) {
			e.t.Errorf("the answer reveals %q: %s", leak, body)
		}
	}
	if sessionCookieOf(resp) != nil {
		e.t.Error("a failed login set a session cookie")
	}
	for _, r := range e.loginFailures() {
		if reason, _ := r["reason"].(string); strings.Contains(reason, want) {
			if r["route"] != "GET /auth/callback" || r["status"] != float64(401) || r["ip"] != "127.0.0.1" || r["actor"] != "unknown" {
				e.t.Errorf("audit record = %v", r)
			}
			return
		}
	}
	e.t.Errorf("no auth.login_failed audit record mentioning %q; have %v", want, e.loginFailures())
}

// TestSSOCallbackRefused sends the callback what an attacker or a broken
// provider would: every case is a 401 with an audit record, never a session.
func TestSSOCallbackRefused(t *testing.T) {
	e := newSSOEnv(t, nil)
	alice := formOf(oidctest.Alice())

	t.Run("wrong state", func(t *testing.T) {
		b := e.browser()
		loc := e.toCallback(b, "", alice)
		q := loc.Query()
		q.Set("state", "forged-"+q.Get("state"))
		loc.RawQuery = q.Encode()
		resp, body := e.request(noFollow(b), "GET", loc.String(), "", "")
		e.assertLoginFailed(resp, body, "state mismatch")
	})
	t.Run("no login in progress", func(t *testing.T) {
		loc := e.toCallback(e.browser(), "", alice)
		resp, body := e.request(nil, "GET", loc.String(), "", "") // another browser: no login-state cookie
		e.assertLoginFailed(resp, body, "no login is in progress")
	})
	t.Run("code replayed", func(t *testing.T) {
		b := e.browser()
		loc := e.toCallback(b, "", alice)
		c := e.signInAt(b, loc)
		if c == nil {
			t.Fatal("first use of the code failed")
		}
		// The same browser starts a new login (fresh state cookie) and an
		// attacker splices in the used code with the new state.
		loc2 := e.toCallback(b, "", alice)
		q := loc2.Query()
		q.Set("code", loc.Query().Get("code"))
		loc2.RawQuery = q.Encode()
		resp, body := e.request(noFollow(b), "GET", loc2.String(), "", "")
		e.assertLoginFailed(resp, body, "rejected the authorization code")
	})
	t.Run("denied at the provider", func(t *testing.T) {
		b := e.browser()
		page := e.toProvider(b, "")
		resp, err := e.p.SubmitLogin(context.Background(), b, page, oidctest.LoginForm{Deny: true})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatal(err)
		}
		resp, body := e.request(noFollow(b), "GET", loc.String(), "", "")
		e.assertLoginFailed(resp, body, "refused the login (access_denied)")
	})
}

// TestSSOCallbackProviderDown: when the provider cannot be reached to
// redeem the code, the callback answers 503 and its audit record says 503,
// not 401 (nobody was refused).
func TestSSOCallbackProviderDown(t *testing.T) {
	e := newSSOEnv(t, nil)
	b := e.browser()
	loc := e.toCallback(b, "", formOf(oidctest.Alice()))
	e.p.Stop()
	resp, body := e.request(noFollow(b), "GET", loc.String(), "", "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached") {
		t.Fatalf("callback: %s: %s, want 503 saying the provider cannot be reached", resp.Status, body)
	}
	if sessionCookieOf(resp) != nil {
		t.Error("a failed login set a session cookie")
	}
	recs := e.loginFailures()
	if len(recs) != 1 || recs[0]["status"] != float64(http.StatusServiceUnavailable) || recs[0]["route"] != "GET /auth/callback" {
		t.Fatalf("audit records = %v, want one with status 503", recs)
	}
}

// signInAt visits the callback URL loc with browser b and returns the
// session cookie, or nil when the callback refused.
func (e *ssoEnv) signInAt(b *http.Client, loc *url.URL) *http.Cookie {
	e.t.Helper()
	resp, _ := e.request(noFollow(b), "GET", loc.String(), "", "")
	if resp.StatusCode != http.StatusSeeOther {
		return nil
	}
	return sessionCookieOf(resp)
}

// TestSSOBadIDTokens has the provider corrupt the ID tokens it issues to
// the web client; the callback must refuse each one.
func TestSSOBadIDTokens(t *testing.T) {
	for _, tt := range []struct {
		name   string
		client func(*oidctest.Client)
		want   string
	}{
		{"wrong audience", func(c *oidctest.Client) {
			c.IDTokenFault = oidctest.IDTokenFault{Claims: map[string]any{"aud": "another-app"}}
		}, "issued to another application"},
		{"wrong nonce", func(c *oidctest.Client) {
			c.IDTokenFault = oidctest.IDTokenFault{Claims: map[string]any{"nonce": "not-this-login"}}
		}, "nonce mismatch"},
		{"signed by another key", func(c *oidctest.Client) {
			c.IDTokenFault = oidctest.IDTokenFault{ForeignKey: true}
		}, "could not be verified"},
		{"expired", func(c *oidctest.Client) { c.IDTokenLifetime = -time.Minute }, "expired"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newSSOEnvWith(t, tt.client, nil)
			b := e.browser()
			loc := e.toCallback(b, "", formOf(oidctest.Alice()))
			resp, body := e.request(noFollow(b), "GET", loc.String(), "", "")
			e.assertLoginFailed(resp, body, tt.want)
			// Nobody was provisioned from a token that failed verification.
			e.expectStatus(nil, http.StatusNotFound, "not_found", "GET", "/api/v1/accounts/"+oidctest.Alice().Email, e.adminToken, "")
		})
	}
}

// TestSSOGroupBindings shows roles bound to a group named in the provider's
// groups claim give its members rights, and nobody else.
func TestSSOGroupBindings(t *testing.T) {
	e := newSSOEnv(t, nil)
	for _, m := range []string{"fraud-detector", "churn"} {
		e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/models", e.adminToken, `{"name":"`+m+`"}`)
	}
	alice, bob := e.browser(), e.browser()
	e.signIn(alice, formOf(oidctest.Alice())) // groups ml-engineers, validators
	e.signIn(bob, formOf(oidctest.Bob()))     // group viewers
	csrf := e.me(alice, "").CSRF

	listed := func(c *http.Client) []string {
		t.Helper()
		var out struct {
			Models []struct {
				Name string `json:"name"`
			} `json:"models"`
		}
		resp, body := e.request(c, "GET", "/api/v1/models", "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list models: %s: %s", resp.Status, body)
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range out.Models {
			names = append(names, m.Name)
		}
		return names
	}

	// Before any binding: nothing is visible, and a model one may not read
	// looks exactly like a missing one.
	e.expectStatus(alice, http.StatusNotFound, "not_found", "GET", "/api/v1/models/fraud-detector", "", "")
	if names := listed(alice); len(names) != 0 {
		t.Fatalf("alice lists %v before any binding", names)
	}

	e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/role-bindings", e.adminToken,
		`{"subject":"group:ml-engineers","role":"developer","scope":"model","name":"fraud-detector"}`)

	e.expectStatus(alice, http.StatusOK, "", "GET", "/api/v1/models/fraud-detector", "", "")
	e.expectStatus(alice, http.StatusNotFound, "not_found", "GET", "/api/v1/models/churn", "", "")
	if names := listed(alice); !slices.Equal(names, []string{"fraud-detector"}) {
		t.Fatalf("alice lists %v, want only fraud-detector", names)
	}
	// developer includes model.write: with the session and its CSRF token.
	resp, body := e.request(alice, "PATCH", "/api/v1/models/fraud-detector", "", `{"description":"edited by alice"}`, "X-CSRF-Token", csrf)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "edited by alice") {
		t.Fatalf("PATCH as a developer: %s: %s", resp.Status, body)
	}
	e.expectStatus(alice, http.StatusForbidden, "permission_denied", "PATCH", "/api/v1/models/fraud-detector", "", `{"description":"no csrf"}`)
	// ... but not model.manage.
	e.expectStatus(alice, http.StatusForbidden, "permission_denied", "DELETE", "/api/v1/models/fraud-detector", "", "", "X-CSRF-Token", csrf)
	if me := e.me(alice, ""); len(me.Bindings) != 1 || me.Bindings[0].Subject != "group:ml-engineers" || me.Bindings[0].Role != "developer" {
		t.Errorf("alice's bindings = %+v, want the ml-engineers binding", me.Bindings)
	}

	// bob is not in ml-engineers.
	e.expectStatus(bob, http.StatusNotFound, "not_found", "GET", "/api/v1/models/fraud-detector", "", "")
	e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/role-bindings", e.adminToken,
		`{"subject":"group:viewers","role":"viewer","scope":"workspace"}`)
	if names := listed(bob); !slices.Equal(names, []string{"churn", "fraud-detector"}) {
		t.Fatalf("bob lists %v, want both models through group viewers", names)
	}
	e.expectStatus(bob, http.StatusForbidden, "permission_denied", "PATCH", "/api/v1/models/churn", "", `{"description":"x"}`,
		"X-CSRF-Token", e.me(bob, "").CSRF)
}

// TestSSOExchangeIDToken is POST /api/v1/auth/token with ID tokens the
// provider signed (Mint uses its published key) and with bad ones.
func TestSSOExchangeIDToken(t *testing.T) {
	e := newSSOEnv(t, nil)
	stranger := oidctest.Start(t)
	alice := oidctest.Alice()
	idClaims := map[string]any{"email": alice.Email, "email_verified": true, "name": alice.Name, "groups": alice.Groups}
	mint := func(p *oidctest.Provider, spec oidctest.TokenSpec) string {
		t.Helper()
		if spec.Subject == "" {
			spec.Subject = alice.Subject
		}
		if spec.Audience == nil {
			spec.Audience = []string{oidctest.CLIClientID}
		}
		if spec.Claims == nil {
			spec.Claims = idClaims
		}
		raw, err := p.Mint(spec)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	exchange := func(raw string) (*http.Response, string) {
		body, _ := json.Marshal(map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
			"subject_token": raw, "subject_token_type": "urn:ietf:params:oauth:token-type:id_token"})
		return e.request(nil, "POST", "/api/v1/auth/token", "", string(body))
	}

	t.Run("valid", func(t *testing.T) {
		resp, body := exchange(mint(e.p, oidctest.TokenSpec{}))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("exchange: %s: %s", resp.Status, body)
		}
		var out struct {
			AccessToken string  `json:"access_token"`
			TokenType   string  `json:"token_type"`
			ExpiresIn   float64 `json:"expires_in"`
			Principal   string  `json:"principal"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if !auth.LooksLikeToken(out.AccessToken) || out.TokenType != "Bearer" || out.Principal != alice.Email ||
			out.ExpiresIn <= 0 || out.ExpiresIn > 3600 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("exchange = %s (Cache-Control %q)", body, resp.Header.Get("Cache-Control"))
		}
		me := e.me(nil, "Bearer "+out.AccessToken)
		if me.Principal.ID != alice.Email || me.Principal.AuthMethod != "oidc" || !slices.Equal(me.Principal.Groups, alice.Groups) {
			t.Errorf("exchanged token is %+v", me.Principal)
		}
	})
	t.Run("form encoded, as OAuth clients send it", func(t *testing.T) {
		form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {mint(e.p, oidctest.TokenSpec{})}}
		resp, body := e.request(nil, "POST", "/api/v1/auth/token", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("exchange: %s: %s", resp.Status, body)
		}
	})

	b64 := base64.RawURLEncoding.EncodeToString
	for _, tt := range []struct {
		name, raw, want string
	}{
		{"expired", mint(e.p, oidctest.TokenSpec{TTL: -time.Minute}), "expired"},
		{"wrong audience", mint(e.p, oidctest.TokenSpec{Audience: []string{"another-app"}}), "another application"},
		{"several audiences, azp not ours", mint(e.p, oidctest.TokenSpec{Audience: []string{oidctest.CLIClientID, "another-app"},
			Claims: map[string]any{"azp": "another-app", "email": alice.Email}}), "another application"},
		{"signed by another key", mint(e.p, oidctest.TokenSpec{ForeignKey: true}), "could not be verified"},
		{"another provider", mint(stranger, oidctest.TokenSpec{}), "could not be verified"},
		{"another provider under our issuer's name", mint(stranger, oidctest.TokenSpec{Issuer: e.p.Issuer()}), "could not be verified"},
		{"unsigned", b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"iss":"`+e.p.Issuer()+`","aud":"`+oidctest.CLIClientID+
			`","sub":"u-1001","exp":9999999999,"iat":1}`)) + ".", "could not be verified"},
		{"malformed", "not.a.jwt", "could not be verified"},
		{"huge", strings.Repeat("a", 20<<10), "malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := exchange(tt.raw)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) || !strings.Contains(body, tt.want) {
				t.Fatalf("exchange: %s: %s, want 401 mentioning %q", resp.Status, body, tt.want)
			}
			if strings.Contains(body, "eyJ") || strings.Contains(body, "access_token") {
				t.Errorf("answer leaks a token: %s", body)
			}
		})
	}
	t.Run("not a token exchange", func(t *testing.T) {
		e.expectStatus(nil, http.StatusBadRequest, "invalid_argument", "POST", "/api/v1/auth/token", "",
			`{"grant_type":"client_credentials","subject_token":"x"}`)
	})
	// None of the refused tokens provisioned anybody; the valid ones made one account.
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
	if !slices.Equal(ids, []string{"admin", alice.Email}) {
		t.Errorf("accounts = %v, want admin and %s", ids, alice.Email)
	}
}

// TestSSOSecureCookies runs the login with an https PublicURL (TLS ends at a
// proxy in front of Steward): the login-state cookie gets the __Secure-
// prefix and both it and the session cookie carry Secure; logout's deletion
// too. The test's browser talks plain HTTP to the server, so it carries the
// cookies by hand, as a proxy would pass them through.
func TestSSOSecureCookies(t *testing.T) {
	const public = "https://steward.example.test"
	e := newSSOEnvWith(t,
		func(c *oidctest.Client) { c.RedirectURIs = []string{public + ssoCallbackPath} },
		func(c *config.Config, _ *oidctest.Provider) { c.PublicURL = public })

	resp, body := e.request(noFollow(&http.Client{}), "GET", "/auth/login", "", "")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %s: %s", resp.Status, body)
	}
	var state *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Secure-steward_oidc_login" {
			state = c
		}
	}
	if state == nil || !state.Secure || !state.HttpOnly || state.SameSite != http.SameSiteLaxMode || state.Path != ssoCallbackPath {
		t.Fatalf("login-state cookie = %+v; Set-Cookie %q", state, resp.Header.Values("Set-Cookie"))
	}
	authURL, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	if got := authURL.Query().Get("redirect_uri"); got != public+ssoCallbackPath {
		t.Fatalf("redirect_uri = %q, want the public URL's callback", got)
	}

	b := e.browser()
	page, err := b.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	resp, err = e.p.SubmitLogin(context.Background(), b, page, formOf(oidctest.Alice()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), public+ssoCallbackPath+"?") {
		t.Fatalf("provider redirected to %v (%v), want %s", loc, err, public+ssoCallbackPath)
	}

	direct := noFollow(&http.Client{})
	resp, body = e.request(direct, "GET", ssoCallbackPath+"?"+loc.RawQuery, "", "", "Cookie", state.Name+"="+state.Value)
	sc := sessionCookieOf(resp)
	if resp.StatusCode != http.StatusSeeOther || sc == nil {
		t.Fatalf("callback: %s: %s", resp.Status, body)
	}
	if !sc.Secure || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie = %+v, want Secure, HttpOnly, SameSite=Lax", sc)
	}
	me := e.me(nil, "", withCookie(sc)...)
	if me.Principal.ID != oidctest.Alice().Email {
		t.Fatalf("signed in as %q", me.Principal.ID)
	}
	resp, _ = e.request(direct, "POST", "/auth/logout", "", url.Values{"csrf_token": {me.CSRF}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", sc.Name+"="+sc.Value)
	cleared := anySessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || cleared == nil || !cleared.Secure || cleared.MaxAge >= 0 {
		t.Errorf("logout: %s, cookie %+v, want the deletion to be Secure too", resp.Status, cleared)
	}
}

func anySessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == auth.SessionCookie {
			return c
		}
	}
	return nil
}
