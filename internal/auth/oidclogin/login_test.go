package oidclogin_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth/oidclogin"
	"github.com/steward-registry/steward/internal/oidctest"
	"github.com/steward-registry/steward/internal/steward"
)

const (
	webID     = "steward-web"
	webSecret = "steward-web-secret"
)

func webClient() oidctest.Client { return oidctest.Client{ID: webID, Secret: webSecret} }

func publicClient() oidctest.Client {
	return oidctest.Client{ID: oidctest.CLIClientID, RedirectURIs: []string{oidctest.LoopbackRedirectURI}, Device: true}
}

func TestBrowserLogin(t *testing.T) {
	e := newEnv(t, webClient(), publicClient())
	want := oidctest.Alice()
	for _, id := range []string{webID, oidctest.CLIClientID} {
		t.Run(id, func(t *testing.T) {
			a := e.apps[id]
			c := browser(t, "")
			next := "/models/fraud-detector?tab=versions"
			res := readResult(t, login(t, e, a, c, next, alice()))
			if res.Status != http.StatusOK {
				t.Fatalf("callback: %d %s %q", res.Status, res.Code, res.Message)
			}
			got := res.Identity
			if got.Issuer != e.p.Issuer() || got.Subject != want.Subject || got.Email != want.Email ||
				!got.EmailVerified || got.Name != want.Name || !slices.Equal(got.Groups, want.Groups) {
				t.Errorf("identity = %+v, want %+v", got, want)
			}
			if res.Next != next {
				t.Errorf("next = %q, want %q", res.Next, next)
			}
			cb, _ := url.Parse(a.url(callbackPath))
			if left := jarCookies(c, cb); len(left) != 0 {
				t.Errorf("login-state cookie left after the callback: %v", left)
			}
		})
	}
}

// TestLoginRedirect looks at what Login hands the browser: a PKCE S256
// challenge, state and nonce in the URL, the verifier only inside the
// sealed, HttpOnly, SameSite=Lax, short-lived cookie scoped to the callback.
func TestLoginRedirect(t *testing.T) {
	e := newEnv(t, webClient())
	a := e.apps[webID]
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
		Get(a.url("/auth/login?next=/models"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %s, want 302", resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if !strings.HasPrefix(loc.String(), e.p.Issuer()) || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_verifier") != "" {
		t.Errorf("authorize URL = %s", loc)
	}
	if !strings.Contains(q.Get("scope"), "groups") {
		t.Errorf("scope = %q, want groups (GroupsClaim is set)", q.Get("scope"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v, want one", cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != callbackPath || ck.MaxAge != 600 {
		t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, Path=%s, Max-Age=600", ck, callbackPath)
	}
	for _, secret := range []string{q.Get("state"), q.Get("nonce"), "/models"} {
		if strings.Contains(ck.Value, secret) {
			t.Errorf("cookie value shows %q in the clear", secret)
		}
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestLoginRejectsOpenRedirect(t *testing.T) {
	e := newEnv(t, webClient())
	a := e.apps[webID]
	for _, next := range []string{
		"//evil.example", "//evil.example/path", "https://evil.example", "/\\evil.example",
		"\\\\evil.example", "javascript:alert(1)", "evil.example", "/ok\r\nSet-Cookie: x=y",
		"/" + strings.Repeat("a", 2000),
	} {
		t.Run(next[:min(len(next), 24)], func(t *testing.T) {
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(a.url("/auth/login?next=" + url.QueryEscape(next)))
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Cookies()) != 0 || resp.Header.Get("Location") != "" {
				t.Errorf("a bad next started a login: cookies %v, Location %q", resp.Cookies(), resp.Header.Get("Location"))
			}
			res := readResult(t, resp)
			if res.Status != http.StatusBadRequest || res.Code != steward.CodeInvalid {
				t.Fatalf("got %d %s, want 400 invalid_argument", res.Status, res.Code)
			}
		})
	}
}

// TestCallbackRejects is the table of bad callbacks. Each must end in a 4xx
// with a clear message, never a 500, and never in a login.
func TestCallbackRejects(t *testing.T) {
	const (
		wrongAud = "steward-web-wrong-aud"
		manyAud  = "steward-web-many-aud"
		expired  = "steward-web-expired"
		otherKey = "steward-web-other-key"
		otherApp = "another-app"
		secret   = "fault-client-secret"
	)
	e := newEnv(t,
		webClient(),
		oidctest.Client{ID: wrongAud, Secret: secret, IDTokenFault: oidctest.IDTokenFault{Claims: map[string]any{"aud": otherApp}}},
		oidctest.Client{ID: manyAud, Secret: secret, IDTokenFault: oidctest.IDTokenFault{Claims: map[string]any{"aud": []string{manyAud, otherApp}, "azp": otherApp}}},
		oidctest.Client{ID: expired, Secret: secret, IDTokenLifetime: -time.Minute},
		oidctest.Client{ID: otherKey, Secret: secret, IDTokenFault: oidctest.IDTokenFault{ForeignKey: true}},
	)
	web := e.apps[webID]

	tests := []struct {
		name string
		run  func(t *testing.T) result
		want string // part of the message
	}{
		{"state param changed", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			q := u.Query()
			q.Set("state", q.Get("state")+"x")
			u.RawQuery = q.Encode()
			return get(t, u.String(), jarCookies(c, u)...)
		}, "state mismatch"},
		{"state param missing", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			q := u.Query()
			q.Del("state")
			u.RawQuery = q.Encode()
			return get(t, u.String(), jarCookies(c, u)...)
		}, "state mismatch"},
		{"cookie missing", func(t *testing.T) result {
			u := callbackURL(t, e, web, browser(t, callbackPath), alice())
			return get(t, u.String())
		}, "no login is in progress"},
		{"cookie tampered", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			ck := jarCookies(c, u)[0]
			b := []byte(ck.Value)
			b[len(b)/2] ^= 'A' ^ 'B'
			if b[len(b)/2] == ck.Value[len(b)/2] {
				b[len(b)/2] = 'Q'
			}
			return get(t, u.String(), &http.Cookie{Name: ck.Name, Value: string(b)})
		}, "login state is invalid"},
		{"cookie from another login", func(t *testing.T) result {
			c1, c2 := browser(t, callbackPath), browser(t, callbackPath)
			u1 := callbackURL(t, e, web, c1, alice())
			u2 := callbackURL(t, e, web, c2, bob())
			return get(t, u1.String(), jarCookies(c2, u2)...)
		}, "state mismatch"},
		{"replayed callback", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			cookies := jarCookies(c, u)
			if first := get(t, u.String(), cookies...); first.Status != http.StatusOK {
				t.Fatalf("first callback: %d %q", first.Status, first.Message)
			}
			// Even with the cookie kept back, the code is single-use.
			return get(t, u.String(), cookies...)
		}, "rejected the authorization code"},
		{"wrong nonce: ID token of another login", func(t *testing.T) result {
			// The victim starts a login. The attacker, who saw the victim's
			// authorize URL, runs their own login with the same PKCE
			// challenge and state but their own nonce, and plants the code
			// in the victim's callback. PKCE passes; the nonce must not.
			victim := browser(t, "/authorize")
			resp, err := victim.Get(web.url("/auth/login"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			authz, err := resp.Location()
			if err != nil {
				t.Fatal(err)
			}
			q := authz.Query()
			q.Set("nonce", "attacker-nonce")
			authz.RawQuery = q.Encode()

			attacker := browser(t, callbackPath)
			page, err := attacker.Get(authz.String())
			if err != nil {
				t.Fatal(err)
			}
			page.Body.Close()
			resp, err = e.p.SubmitLogin(context.Background(), attacker, page, bob())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			planted, err := resp.Location()
			if err != nil {
				t.Fatal(err)
			}
			return get(t, planted.String(), jarCookies(victim, planted)...)
		}, "nonce mismatch"},
		{"ID token for another audience", func(t *testing.T) result {
			return readResult(t, login(t, e, e.apps[wrongAud], browser(t, ""), "/", alice()))
		}, "issued to another application"},
		{"ID token with our audience among others, another azp", func(t *testing.T) result {
			return readResult(t, login(t, e, e.apps[manyAud], browser(t, ""), "/", alice()))
		}, "issued to another application"},
		{"expired ID token", func(t *testing.T) result {
			return readResult(t, login(t, e, e.apps[expired], browser(t, ""), "/", alice()))
		}, "expired"},
		{"ID token signed by another key", func(t *testing.T) result {
			return readResult(t, login(t, e, e.apps[otherKey], browser(t, ""), "/", alice()))
		}, "could not be verified"},
		{"identity provider returns access_denied", func(t *testing.T) result {
			return readResult(t, login(t, e, web, browser(t, ""), "/", oidctest.LoginForm{Deny: true}))
		}, "refused the login (access_denied)"},
		{"provider error with a forged error code", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			q := u.Query()
			q.Del("code")
			q.Set("error", "<script>alert(1)</script>")
			u.RawQuery = q.Encode()
			return get(t, u.String(), jarCookies(c, u)...)
		}, "refused the login (unknown error)"},
		{"code missing", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			q := u.Query()
			q.Del("code")
			u.RawQuery = q.Encode()
			return get(t, u.String(), jarCookies(c, u)...)
		}, "no authorization code"},
		{"code forged", func(t *testing.T) result {
			c := browser(t, callbackPath)
			u := callbackURL(t, e, web, c, alice())
			q := u.Query()
			q.Set("code", "forged")
			u.RawQuery = q.Encode()
			return get(t, u.String(), jarCookies(c, u)...)
		}, "rejected the authorization code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertDenied(t, tt.run(t), steward.CodeUnauthenticated, tt.want)
		})
	}
}

func TestVerifyIDToken(t *testing.T) {
	e := newEnv(t, webClient(), publicClient())
	rp := e.apps[webID].rp
	ctx := context.Background()

	// A real ID token of the CLI client, by device login.
	raw, err := oidclogin.DeviceLogin(ctx, e.p.Issuer(), oidctest.CLIClientID, []string{"openid", "email", "profile", "groups"},
		func(_, userCode string) {
			if err := e.p.ApproveDevice(userCode, "bob"); err != nil {
				t.Error(err)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	got, err := rp.VerifyIDToken(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := oidctest.Bob(); got.Subject != want.Subject || got.Email != want.Email || !slices.Equal(got.Groups, want.Groups) {
		t.Errorf("identity = %+v, want bob's", got)
	}

	// The same token is refused by a relying party that does not accept the CLI's client.
	strict, err := oidclogin.New(ctx, oidclogin.Config{Issuer: e.p.Issuer(), ClientID: webID, ClientSecret: webSecret,
		RedirectURL: "http://127.0.0.1:1/auth/callback", CookieKey: []byte(testCookieKey)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.VerifyIDToken(ctx, raw)
	assertErr(t, err, steward.CodeUnauthenticated, "another application")

	mint := func(spec oidctest.TokenSpec) string {
		t.Helper()
		s, err := e.p.Mint(spec)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	aud := []string{webID}
	tests := []struct {
		name, raw, want string
	}{
		{"expired", mint(oidctest.TokenSpec{Subject: "u", Audience: aud, TTL: -time.Minute}), "expired"},
		{"signed by another key", mint(oidctest.TokenSpec{Subject: "u", Audience: aud, ForeignKey: true}), "could not be verified"},
		{"another issuer", mint(oidctest.TokenSpec{Subject: "u", Audience: aud, Issuer: "https://idp.example.invalid"}), "could not be verified"},
		{"wrong audience", mint(oidctest.TokenSpec{Subject: "u", Audience: []string{"other"}}), "another application"},
		{"no subject", mint(oidctest.TokenSpec{Audience: aud}), "no subject"},
		{"empty", "", "missing or malformed"},
		{"garbage", "not-a-jwt", "could not be verified"},
		{"three garbage parts", "a.b.c", "could not be verified"},
		{"huge", strings.Repeat("a", 1<<20), "missing or malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rp.VerifyIDToken(ctx, tt.raw)
			assertErr(t, err, steward.CodeUnauthenticated, tt.want)
		})
	}
	t.Run("minted good token", func(t *testing.T) {
		id, err := rp.VerifyIDToken(ctx, mint(oidctest.TokenSpec{Subject: "u-9", Audience: aud,
			Claims: map[string]any{"email": "x@example.test", "groups": "solo", "preferred_username": "xavier"}}))
		if err != nil {
			t.Fatal(err)
		}
		if id.Subject != "u-9" || id.Name != "xavier" || !slices.Equal(id.Groups, []string{"solo"}) || id.EmailVerified {
			t.Errorf("identity = %+v", id)
		}
	})
}

func assertErr(t *testing.T, err error, code steward.Code, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	assertDenied(t, result{Status: 401, Code: steward.ErrorCode(err), Message: steward.ErrorMessage(err)}, code, want)
}

func TestNewErrors(t *testing.T) {
	e := newEnv(t, webClient())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	good := oidclogin.Config{Issuer: e.p.Issuer(), ClientID: webID, ClientSecret: webSecret,
		RedirectURL: "http://127.0.0.1:1/auth/callback", CookieKey: []byte(testCookieKey)}
	tests := []struct {
		name   string
		change func(*oidclogin.Config)
		code   steward.Code
	}{
		{"issuer unreachable", func(c *oidclogin.Config) { c.Issuer = closed }, steward.CodeUnavailable},
		{"issuer not what it says", func(c *oidclogin.Config) { c.Issuer = e.p.Issuer() + "/" }, steward.CodeInvalid},
		{"no client id", func(c *oidclogin.Config) { c.ClientID = "" }, steward.CodeInvalid},
		{"short cookie key", func(c *oidclogin.Config) { c.CookieKey = []byte("short") }, steward.CodeInvalid},
		{"relative redirect", func(c *oidclogin.Config) { c.RedirectURL = "/auth/callback" }, steward.CodeInvalid},
		{"secure cookies over http", func(c *oidclogin.Config) { c.Secure = true }, steward.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := oidclogin.New(context.Background(), cfg)
			if got := steward.ErrorCode(err); got != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
		})
	}
}
