package server

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/mlflowapi"
	"github.com/steward-registry/steward/internal/steward"
)

// routeEntry is one mux registration and the permission it was given.
type routeEntry struct {
	pattern string // ServeMux pattern: "METHOD /path" or a method-less "/prefix/"
	perm    steward.Permission
}

// recorder is a Wrap that notes what each surface registers.
func recorder(into *[]routeEntry) func(string, steward.Permission, http.Handler) http.Handler {
	return func(pattern string, perm steward.Permission, h http.Handler) http.Handler {
		*into = append(*into, routeEntry{pattern, perm})
		return h
	}
}

// serverOwnRoutes are the routes server.routes registers itself (not through
// a surface's route table), with the permission it gives them.
var serverOwnRoutes = []routeEntry{
	{"GET /healthz", steward.PermPublic},
	{"GET /readyz", steward.PermPublic},
	{"GET /auth/login", steward.PermPublic},
	{"GET /auth/callback", steward.PermPublic},
	{"POST /auth/logout", steward.PermAuthenticated},
	{"GET /metrics", steward.PermAuditRead},
	{"/", steward.PermPublic}, // the home page; anything else under / is a 404
}

// publicRoutes is every route anyone may call without credentials. A route
// that becomes public without being listed here fails the test.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /api/v1/openapi.json", "GET /auth/login", "GET /auth/callback",
	"POST /api/v1/auth/token", "GET /api/v1/auth/config", "/",
}

// allRoutes collects every route of every surface by registering them with
// a recording wrap, the way the server registers them with its middleware.
func allRoutes(t *testing.T) []routeEntry {
	t.Helper()
	var native, ml []routeEntry
	(&httpapi.API{}).Register(http.NewServeMux(), recorder(&native))
	(&mlflowapi.API{}).Register(http.NewServeMux(), recorder(&ml))

	// The recorded registrations cover each surface's route table.
	for _, rt := range (&httpapi.API{}).Routes() {
		want := routeEntry{rt.Method + " " + rt.Pattern, rt.Perm}
		if !slices.Contains(native, want) {
			t.Errorf("native route %s (%s) is in Routes() but was not registered", want.pattern, want.perm)
		}
	}
	for _, prefix := range []string{"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"} {
		for _, rt := range (&mlflowapi.API{}).Routes() {
			want := routeEntry{rt.Method + " " + prefix + rt.Path, rt.Perm}
			if !slices.Contains(ml, want) {
				t.Errorf("MLflow route %s (%s) was not registered", want.pattern, want.perm)
			}
		}
	}
	artifacts := 0
	for _, r := range ml {
		if strings.Contains(r.pattern, "/api/2.0/mlflow-artifacts/artifacts") {
			artifacts++
		}
	}
	if artifacts < 4 {
		t.Errorf("only %d artifact proxy routes recorded, want list, upload, download and delete", artifacts)
	}
	return slices.Concat(native, ml, serverOwnRoutes)
}

var pathParam = regexp.MustCompile(`\{[a-z_]+(\.\.\.)?\}`)

// requestFor builds a request that the mux routes to pattern: path
// parameters get dummy values, a catch-all prefix gets an unrouted tail.
func requestFor(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	path = pathParam.ReplaceAllStringFunc(path, func(p string) string {
		if strings.HasSuffix(p, "...}") {
			return "1/dummy/artifacts/x.bin"
		}
		return "dummy1"
	})
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "zz-unrouted"
	}
	return method, path
}

func TestEveryRouteHasAnAccessRule(t *testing.T) {
	routes := allRoutes(t)
	if len(routes) < 150 {
		t.Fatalf("only %d routes recorded; the walk is missing a surface", len(routes))
	}
	e := newAuthEnv(t, nil)
	e.enforce() // access control on: an administrator exists
	mux, ok := e.srv.Handler().(*http.ServeMux)
	if !ok {
		t.Fatalf("server handler is %T, want *http.ServeMux", e.srv.Handler())
	}
	known := slices.Concat(auth.Permissions, []steward.Permission{steward.PermAuthenticated, steward.PermPublic})
	seen := map[string]bool{}
	var public []string
	for _, rt := range routes {
		t.Run(rt.pattern, func(t *testing.T) {
			if seen[rt.pattern] {
				t.Fatalf("route registered twice")
			}
			seen[rt.pattern] = true
			if rt.perm == "" {
				t.Fatalf("route has no permission")
			}
			if !slices.Contains(known, rt.perm) {
				t.Fatalf("route needs %q, which is not a permission of the policy", rt.perm)
			}
			method, path := requestFor(rt.pattern)
			// The running server routes this request to this very pattern:
			// the walked table is the one it serves.
			probe := httptest.NewRequest(method, path, nil)
			if _, got := mux.Handler(probe); got != rt.pattern {
				t.Fatalf("server routes %s %s to %q, want %q", method, path, got, rt.pattern)
			}
			r := e.call(method, path, "", "")
			if rt.perm == steward.PermPublic {
				public = append(public, rt.pattern)
				if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden || r.status >= 500 {
					t.Fatalf("public route answered %d: %s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusUnauthorized {
				t.Fatalf("anonymous %s %s: status %d, want 401: %s", method, path, r.status, r.body)
			}
			if !strings.Contains(r.hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without a WWW-Authenticate challenge: %v", r.hdr)
			}
			switch {
			case method == http.MethodHead: // no body
			case strings.Contains(rt.pattern, "/2.0/mlflow"):
				// MLflow clients read error_code: refusals before the
				// handler answer in MLflow's shape too.
				if got := mlErr(t, r).ErrorCode; got != mlflowapi.Unauthenticated {
					t.Fatalf("MLflow route: error_code %q, want %s", got, mlflowapi.Unauthenticated)
				}
			default:
				if got := nativeErr(t, r).Error.Code; got != steward.CodeUnauthenticated {
					t.Fatalf("error code %q, want %s", got, steward.CodeUnauthenticated)
				}
			}
		})
	}
	slices.Sort(public)
	want := slices.Clone(publicRoutes)
	slices.Sort(want)
	if !slices.Equal(public, want) {
		t.Fatalf("public routes are %q, want exactly %q", public, want)
	}
}

func TestMetricsPublicOnlyWhenConfigured(t *testing.T) {
	for _, tc := range []struct {
		public bool
		status int
	}{{false, http.StatusUnauthorized}, {true, http.StatusOK}} {
		e := newAuthEnv(t, func(c *config.Config) { c.MetricsPublic = tc.public })
		e.enforce()
		e.call("GET", "/metrics", "", "").want(t, "anonymous /metrics", tc.status)
		// An auditor may always read them.
		e.call("GET", "/metrics", e.admin, "").want(t, "admin /metrics", http.StatusOK)
	}
}

// TestRouteWithoutPermissionIsRefused registers a route with no permission
// straight through the middleware: nobody reaches its handler, not even the
// single-user superuser or an administrator.
func TestRouteWithoutPermissionIsRefused(t *testing.T) {
	e := newAuthEnv(t, nil)
	called := false
	h := e.srv.middleware("GET /unlisted", "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		w.WriteHeader(http.StatusOK)
	}))
	try := func(who, token string) {
		t.Helper()
		req := httptest.NewRequest("GET", "/unlisted", nil)
		req.Host = "127.0.0.1"
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		r := reply{rec.Code, rec.Body.String(), rec.Header()}
		r.want(t, who, http.StatusForbidden)
		if got := nativeErr(t, r); got.Error.Code != steward.CodePermissionDenied || !strings.Contains(got.Error.Message, "no access rule") {
			t.Fatalf("%s: got %+v, want permission_denied naming the missing access rule", who, got.Error)
		}
		if called {
			t.Fatalf("%s: the handler of a route without a permission ran", who)
		}
	}
	try("single-user superuser", "")
	try("administrator", e.enforce())
}
