package oidclogin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth/oidclogin"
	"github.com/steward-registry/steward/internal/oidctest"
	"github.com/steward-registry/steward/internal/steward"
)

const (
	testCookieKey = "0123456789abcdef0123456789abcdef-test-only"
	callbackPath  = "/auth/callback"
)

// result is what the test app's callback answers: the identity and next on
// success, the error code and message on failure.
type result struct {
	Status   int                `json:"-"`
	Code     steward.Code       `json:"code"`
	Message  string             `json:"message"`
	Identity oidclogin.Identity `json:"identity"`
	Next     string             `json:"next"`
}

// app is a minimal Steward stand-in: Login at /auth/login and a callback
// that writes what rp.Callback returned as JSON.
type app struct {
	srv *httptest.Server
	rp  *oidclogin.RP
}

func (a *app) url(path string) string { return a.srv.URL + path }

type env struct {
	p    *oidctest.Provider
	apps map[string]*app // by client id
}

// newEnv starts the provider with clients, and one app per client acting as
// its relying party. A client with a secret gets its app's callback as its
// only redirect URI; a public one relies on loopback redirects.
func newEnv(t *testing.T, clients ...oidctest.Client) *env {
	t.Helper()
	servers := map[string]*httptest.Server{}
	var opts []oidctest.Option
	for _, c := range clients {
		srv := httptest.NewUnstartedServer(nil)
		t.Cleanup(srv.Close)
		servers[c.ID] = srv
		if len(c.RedirectURIs) == 0 {
			c.RedirectURIs = []string{"http://" + srv.Listener.Addr().String() + callbackPath}
		}
		opts = append(opts, oidctest.WithClient(c))
	}
	e := &env{p: oidctest.Start(t, opts...), apps: map[string]*app{}}
	for _, c := range clients {
		srv := servers[c.ID]
		rp, err := oidclogin.New(context.Background(), oidclogin.Config{
			Issuer:       e.p.Issuer(),
			ClientID:     c.ID,
			ClientSecret: c.Secret,
			CLIClientID:  oidctest.CLIClientID,
			RedirectURL:  "http://" + srv.Listener.Addr().String() + callbackPath,
			GroupsClaim:  "groups",
			CookieKey:    []byte(testCookieKey),
			Error: func(w http.ResponseWriter, _ *http.Request, err error) {
				writeResult(w, err, result{})
			},
		})
		if err != nil {
			t.Fatalf("oidclogin.New(%s): %v", c.ID, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /auth/login", rp.Login)
		mux.HandleFunc("GET "+callbackPath, func(w http.ResponseWriter, r *http.Request) {
			id, next, err := rp.Callback(w, r)
			writeResult(w, err, result{Identity: id, Next: next})
		})
		srv.Config.Handler = mux
		srv.Start()
		e.apps[c.ID] = &app{srv: srv, rp: rp}
	}
	return e
}

func writeResult(w http.ResponseWriter, err error, res result) {
	status := http.StatusOK
	if err != nil {
		res = result{Code: steward.ErrorCode(err), Message: steward.ErrorMessage(err)}
		switch res.Code {
		case steward.CodeInvalid:
			status = http.StatusBadRequest
		case steward.CodeUnauthenticated:
			status = http.StatusUnauthorized
		case steward.CodeUnavailable:
			status = http.StatusServiceUnavailable
		default:
			status = http.StatusInternalServerError
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(res)
}

func readResult(t *testing.T, resp *http.Response) result {
	t.Helper()
	defer resp.Body.Close()
	var res result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatalf("%s %s: %s, not a JSON result: %v", resp.Request.Method, resp.Request.URL, resp.Status, err)
	}
	res.Status = resp.StatusCode
	return res
}

// browser is an http.Client with a cookie jar. With stopAt set it does not
// follow a redirect to that path, so the test can look at (or tamper with)
// the request before sending it.
func browser(t *testing.T, stopAt string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if stopAt != "" && req.URL.Path == stopAt {
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// login drives a browser from the app's login URL through the provider's
// login form. It returns the last response: the callback's answer, or the
// redirect to it when c stops there.
func login(t *testing.T, e *env, a *app, c *http.Client, next string, form oidctest.LoginForm) *http.Response {
	t.Helper()
	page, err := c.Get(a.url("/auth/login?next=" + url.QueryEscape(next)))
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Fatalf("login: %s at %s, want the provider's login page", page.Status, page.Request.URL)
	}
	resp, err := e.p.SubmitLogin(context.Background(), c, page, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// callbackURL runs a login that stops before the callback and returns the
// callback URL the provider redirected to.
func callbackURL(t *testing.T, e *env, a *app, c *http.Client, form oidctest.LoginForm) *url.URL {
	t.Helper()
	resp := login(t, e, a, c, "/", form)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Path != callbackPath {
		t.Fatalf("login: %s, want a redirect to the callback (%v)", resp.Status, err)
	}
	return loc
}

// get sends a GET with exactly the given cookies, no jar.
func get(t *testing.T, u string, cookies ...*http.Cookie) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readResult(t, resp)
}

func jarCookies(c *http.Client, u *url.URL) []*http.Cookie { return c.Jar.Cookies(u) }

func alice() oidctest.LoginForm {
	a := oidctest.Alice()
	return oidctest.LoginForm{Username: a.Username, Password: a.Password}
}

func bob() oidctest.LoginForm {
	b := oidctest.Bob()
	return oidctest.LoginForm{Username: b.Username, Password: b.Password}
}

// assertDenied checks a failure is the wanted code with a message that says
// what happened (want) and leaks no internals.
func assertDenied(t *testing.T, res result, code steward.Code, want string) {
	t.Helper()
	if res.Code != code {
		t.Fatalf("code = %q (%d %q), want %q", res.Code, res.Status, res.Message, code)
	}
	if res.Status >= 500 && code != steward.CodeUnavailable {
		t.Fatalf("status = %d, want a 4xx", res.Status)
	}
	if !strings.Contains(res.Message, want) {
		t.Fatalf("message = %q, want it to mention %q", res.Message, want)
	}
	for _, leak := range []string{"oidc:", "oauth2:", "127.0.0.1", "eyJ"} {
		if strings.Contains(res.Message, leak) {
			t.Fatalf("message %q reveals %q", res.Message, leak)
		}
	}
}
