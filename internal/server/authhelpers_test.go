package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// sysCtx acts as the system: what an operator's tool would do.
var sysCtx = steward.WithPrincipal(context.Background(), steward.System)

// authEnv is a running server with access to its identity service, for the
// access-control tests.
type authEnv struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	auth  *auth.Service
	admin string // the bootstrap administrator's token, once enforce ran
}

func testConfig(t *testing.T) config.Config {
	return config.Config{Home: t.TempDir(), Listen: "127.0.0.1:0", MaxArtifactSize: 1 << 30, LogFormat: "text", LogLevel: "error",
		BootstrapAdmin: "admin"}
}

func newAuthEnv(t *testing.T, mutate func(*config.Config)) *authEnv {
	t.Helper()
	cfg := testConfig(t)
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &authEnv{t: t, srv: s, ts: ts, auth: s.AuthForTest()}
}

// enforce bootstraps the first administrator, which turns access control
// on, and keeps its token.
func (e *authEnv) enforce() string {
	e.t.Helper()
	tok, err := e.auth.Bootstrap(sysCtx, "admin", "", time.Hour)
	if err != nil {
		e.t.Fatalf("bootstrap: %v", err)
	}
	e.admin = tok
	return tok
}

// account creates a person (password "" = none).
func (e *authEnv) account(id, password string) {
	e.t.Helper()
	if _, err := e.auth.CreateAccount(sysCtx, auth.AccountCreate{ID: id, Password: password}); err != nil {
		e.t.Fatalf("create account %s: %v", id, err)
	}
}

// token issues an API token of scope for account id.
func (e *authEnv) token(id, scope string) string {
	e.t.Helper()
	raw, _, err := e.auth.CreateToken(sysCtx, auth.TokenCreate{Principal: id, Name: "test", Scope: scope, ExpiresIn: "1h"})
	if err != nil {
		e.t.Fatalf("token for %s: %v", id, err)
	}
	return raw
}

// bind gives subject role at scope (name: the project or model).
func (e *authEnv) bind(subject string, role auth.Role, scope, name string) *auth.Binding {
	e.t.Helper()
	b, err := e.auth.CreateBinding(sysCtx, auth.BindingCreate{Subject: subject, Role: string(role), ScopeKind: scope, ScopeName: name})
	if err != nil {
		e.t.Fatalf("bind %s %s at %s %s: %v", subject, role, scope, name, err)
	}
	return b
}

// user creates an account with role bound at workspace scope (none if role
// is empty) and returns an admin-scoped token of it, so that the role alone
// decides what the token may do.
func (e *authEnv) user(id string, role auth.Role) string {
	e.t.Helper()
	e.account(id, "")
	if role != "" {
		e.bind("user:"+id, role, auth.ScopeWorkspace, "")
	}
	return e.token(id, "admin")
}

// model creates a model as the system, with owner and project as given.
func (e *authEnv) model(name, owner, project string) {
	e.t.Helper()
	if _, err := e.srv.registry.CreateModel(sysCtx, registry.ModelCreate{Name: name, Owner: owner, Project: project}); err != nil {
		e.t.Fatalf("create model %s: %v", name, err)
	}
}

// version adds an empty version to a model as the system.
func (e *authEnv) version(model string) {
	e.t.Helper()
	if _, err := e.srv.registry.CreateVersion(sysCtx, model, registry.VersionCreate{}); err != nil {
		e.t.Fatalf("create version of %s: %v", model, err)
	}
}

type reply struct {
	status int
	body   string
	hdr    http.Header
}

// call sends one request. token "" sends none; hdr holds header pairs
// ("Authorization" overrides the bearer token).
func (e *authEnv) call(method, path, token, body string, hdr ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Cookie" {
			req.Header.Add("Cookie", hdr[i+1])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return reply{resp.StatusCode, string(b), resp.Header}
}

// want fails unless the reply has status.
func (r reply) want(t *testing.T, what string, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
	return r
}

// apiError is the native error body.
type apiError struct {
	Error struct {
		Code      steward.Code   `json:"code"`
		Message   string         `json:"message"`
		Details   map[string]any `json:"details"`
		RequestID string         `json:"request_id"`
	} `json:"error"`
}

// mlflowError is the MLflow error body.
type mlflowError struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// nativeErr decodes a native error body, failing on anything else.
func nativeErr(t *testing.T, r reply) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("status %d: body is not the native error shape: %q", r.status, r.body)
	}
	return e
}

// mlErr decodes an MLflow error body, failing on anything else.
func mlErr(t *testing.T, r reply) mlflowError {
	t.Helper()
	var e mlflowError
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.ErrorCode == "" {
		t.Fatalf("status %d: body is not MLflow's error shape: %q", r.status, r.body)
	}
	return e
}

// withoutRequestID is the body with its request id removed, for comparing
// two error answers.
func withoutRequestID(t *testing.T, body string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %q", body)
	}
	if inner, ok := m["error"].(map[string]any); ok {
		delete(inner, "request_id")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// eventsOf lists the default workspace's events with action.
func (e *authEnv) eventsOf(action string) []*events.Event {
	e.t.Helper()
	evs, err := e.srv.DBForTest().ListEvents(steward.WithWorkspace(context.Background(), steward.DefaultWorkspace), events.Filter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// eventFor returns the event with action written for the request with id
// reqID, failing if there is none.
func (e *authEnv) eventFor(action, reqID string) *events.Event {
	e.t.Helper()
	for _, ev := range e.eventsOf(action) {
		if ev.RequestID == reqID {
			return ev
		}
	}
	e.t.Fatalf("no %s event for request %s", action, reqID)
	return nil
}

// onBackends runs fn with the server's metadata on SQLite and on
// PostgreSQL (a fresh schema; skipped when the server is unreachable,
// except with CI=true, where it fails, as storetest decides).
func onBackends(t *testing.T, fn func(t *testing.T, db func(*config.Config))) {
	t.Run("sqlite", func(t *testing.T) { fn(t, func(*config.Config) {}) })
	t.Run("postgres", func(t *testing.T) {
		schema := storetest.NewSchema(t)
		dsn := storetest.PostgresDSN()
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "search_path=" + schema
		fn(t, func(c *config.Config) { c.DB = dsn })
	})
}
