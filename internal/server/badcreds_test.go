package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/mlflowapi"
	"github.com/steward-registry/steward/internal/steward"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// tamper changes the last character of a credential.
func tamper(s string) string {
	last := s[len(s)-1]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return s[:len(s)-1] + string(repl)
}

// session signs a person in as an identity provider would and returns the
// session cookie's value.
func (e *authEnv) session(subject, email string) string {
	e.t.Helper()
	raw, _, err := e.auth.SignIn(sysCtx, auth.ExternalIdentity{Issuer: "https://idp.example", Subject: subject, Email: email, Name: subject},
		auth.TokenSession, "session")
	if err != nil {
		e.t.Fatalf("sign in %s: %v", subject, err)
	}
	return raw
}

// TestBadCredentials: every kind of bad credential is refused with a stable
// code and a message that does not echo the credential, never a 500, and
// leaves exactly one audit record naming the client's address (taken from
// X-Forwarded-For, since the peer is a trusted proxy here).
func TestBadCredentials(t *testing.T) {
	e := newAuthEnv(t, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	e.enforce()
	const password = "correct horse battery staple"
	e.account("alice", password)
	e.bind("user:alice", auth.RoleViewer, auth.ScopeWorkspace, "")
	good := e.token("alice", "admin")
	readOnly := e.token("alice", "read")

	expired, _, err := e.auth.CreateToken(sysCtx, auth.TokenCreate{Principal: "alice", Name: "short", ExpiresIn: "1ms"})
	if err != nil {
		t.Fatal(err)
	}
	revoked := e.token("alice", "admin")
	if err := e.auth.RevokeToken(sysCtx, revoked[4:20]); err != nil {
		t.Fatal(err)
	}
	e.account("gone", "")
	disabled := e.token("gone", "admin")
	yes := true
	if _, err := e.auth.UpdateAccount(sysCtx, "gone", auth.AccountUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	sam := e.session("sam-1", "sam@example.com")
	time.Sleep(5 * time.Millisecond) // let the 1ms token expire

	type tc struct {
		name          string
		method, path  string
		hdr           []string
		secret        string // must not appear in the answer
		status        int
		code          steward.Code
		action, actor string
		messageHas    string
	}
	cases := []tc{
		{"expired token", "GET", "/api/v1/models", []string{"Authorization", "Bearer " + expired}, expired,
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"revoked token", "GET", "/api/v1/models", []string{"Authorization", "Bearer " + revoked}, revoked,
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"tampered token", "GET", "/api/v1/models", []string{"Authorization", "Bearer " + tamper(good)}, tamper(good),
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"malformed token", "GET", "/api/v1/models", []string{"Authorization", "Bearer stw_notatoken_secretpart"}, "secretpart",
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "malformed"},
		{"token of a disabled account", "GET", "/api/v1/models", []string{"Authorization", "Bearer " + disabled}, disabled,
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"wrong-scope token", "POST", "/api/v1/models", []string{"Authorization", "Bearer " + readOnly}, readOnly,
			403, steward.CodePermissionDenied, "access.denied", "alice", "scope"},
		{"role does not allow", "POST", "/api/v1/models", []string{"Authorization", "Bearer " + good}, good,
			403, steward.CodePermissionDenied, "access.denied", "alice", "model.create"},
		{"tampered session cookie", "GET", "/api/v1/me", []string{"Cookie", auth.SessionCookie + "=" + tamper(sam)}, tamper(sam),
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "session"},
		{"session POST without CSRF token", "POST", "/api/v1/tokens", []string{"Cookie", auth.SessionCookie + "=" + sam}, sam,
			403, steward.CodePermissionDenied, "access.denied", "sam@example.com", "CSRF"},
		{"session POST with a wrong CSRF token", "POST", "/api/v1/tokens",
			[]string{"Cookie", auth.SessionCookie + "=" + sam, "X-CSRF-Token", auth.CSRFToken(tamper(sam))}, sam,
			403, steward.CodePermissionDenied, "access.denied", "sam@example.com", "CSRF"},
		{"Basic header that is not base64", "GET", "/api/v1/models", []string{"Authorization", "Basic %%%not-base64%%%"}, "not-base64",
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "base64"},
		{"Basic without a colon", "GET", "/api/v1/models", []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice"))}, "",
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "base64"},
		{"Basic with a wrong password", "GET", "/api/v1/models", []string{"Authorization", basic("alice", "wrong password here")}, "wrong password here",
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"Basic with an unknown account", "GET", "/api/v1/models", []string{"Authorization", basic("nobody", password)}, password,
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"Basic with another account's token", "GET", "/api/v1/models", []string{"Authorization", basic("admin", good)}, good,
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"unknown scheme", "GET", "/api/v1/models", []string{"Authorization", "Digest username=alice"}, "username=alice",
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "scheme"},
		{"MLflow surface, expired token", "GET", "/api/2.0/mlflow/registered-models/search", []string{"Authorization", "Bearer " + expired}, expired,
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
		{"MLflow surface, wrong password", "GET", "/api/2.0/mlflow/registered-models/search", []string{"Authorization", basic("alice", "wrong password here")}, "wrong password here",
			401, steward.CodeUnauthenticated, "auth.failed", "unknown", "not valid"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			source := fmt.Sprintf("198.51.100.%d", i+1)
			reqID := fmt.Sprintf("badcreds-%d", i)
			hdr := append([]string{"X-Forwarded-For", source, "X-Request-Id", reqID}, c.hdr...)
			body := ""
			if c.method == "POST" {
				body = `{"name":"x"}`
			}
			r := e.call(c.method, c.path, "", body, hdr...).want(t, c.name, c.status)
			msg := ""
			if strings.Contains(c.path, "/2.0/mlflow") {
				me := mlErr(t, r)
				want := map[steward.Code]string{steward.CodeUnauthenticated: mlflowapi.Unauthenticated, steward.CodePermissionDenied: mlflowapi.PermissionDenied}[c.code]
				if me.ErrorCode != want {
					t.Fatalf("error_code %q, want %q", me.ErrorCode, want)
				}
				msg = me.Message
			} else {
				ae := nativeErr(t, r)
				if ae.Error.Code != c.code {
					t.Fatalf("code %q, want %q", ae.Error.Code, c.code)
				}
				msg = ae.Error.Message
			}
			if !strings.Contains(msg, c.messageHas) {
				t.Fatalf("message %q does not mention %q", msg, c.messageHas)
			}
			for _, leak := range []string{c.secret, good, sam, password} {
				if leak != "" && strings.Contains(r.body, leak) {
					t.Fatalf("the answer echoes a credential: %s", r.body)
				}
			}
			var mine []string
			for _, action := range []string{"auth.failed", "access.denied", "auth.login_failed"} {
				for _, ev := range e.eventsOf(action) {
					if ev.RequestID == reqID {
						mine = append(mine, action)
					}
				}
			}
			if len(mine) != 1 || mine[0] != c.action {
				t.Fatalf("audit events of the request: %q, want exactly one %s", mine, c.action)
			}
			ev := e.eventFor(c.action, reqID)
			if ev.RemoteIP != source || ev.ActorID != c.actor || ev.ObjectType != "request" {
				t.Fatalf("audit event names %s from %s (object %s), want %s from %s", ev.ActorID, ev.RemoteIP, ev.ObjectType, c.actor, source)
			}
			wantOutcome := events.OutcomeDenied
			if c.action != "access.denied" {
				wantOutcome = events.OutcomeFailed
			}
			if ev.Outcome != wantOutcome || len(ev.Hash) != 32 {
				t.Fatalf("audit event outcome %q (hash %x), want %q in the chain", ev.Outcome, ev.Hash, wantOutcome)
			}
			for _, leak := range []string{c.secret, good, sam, password} {
				if leak != "" && (strings.Contains(string(ev.After), leak) || strings.Contains(ev.ObjectID, leak)) {
					t.Fatalf("the audit event holds a credential: %s", ev.After)
				}
			}
		})
	}

	// The good credentials of the same people still work.
	e.call("GET", "/api/v1/models", good, "").want(t, "good token", 200)
	e.call("GET", "/api/v1/models", "", "", "Authorization", basic("alice", password)).want(t, "good password", 200)
	e.call("GET", "/api/v1/models", "", "", "Authorization", basic("alice", good)).want(t, "token as the basic password", 200)
	e.call("GET", "/api/v1/models", "", "", "Authorization", basic("token", good)).want(t, "token as the basic password, user \"token\"", 200)
	e.call("POST", "/api/v1/tokens", "", `{"name":"from-browser","scope":"read"}`,
		"Cookie", auth.SessionCookie+"="+sam, "X-CSRF-Token", auth.CSRFToken(sam)).want(t, "session POST with the CSRF token", 201)

	// The audit log is readable through the API by an administrator.
	r := e.call("GET", "/api/v1/events?action=auth.failed", e.admin, "").want(t, "list auth.failed events", 200)
	if !strings.Contains(r.body, `"request_id":"badcreds-0"`) || !strings.Contains(r.body, `"remote_ip":"198.51.100.1"`) {
		t.Fatalf("GET /api/v1/events lacks the first denial: %s", r.body)
	}
	e.call("GET", "/api/v1/events", good, "").want(t, "a viewer reads the audit log", 403)
}

// TestWorkspaceHeaderCheckedBeforeAuth: a malformed Steward-Workspace
// header is refused with 400 invalid_argument before authentication, so
// nothing is recorded with it. Denials and sign-ins are audited in the
// request's workspace; an over-long one made the denial's insert fail on
// PostgreSQL's events_object index (entries hold 2,704 bytes), so a bad
// credential sent with a 4,000-byte header got its 401 and left no trace in
// the audit log. A well-formed header still leads to 401 and an audit
// record.
func TestWorkspaceHeaderCheckedBeforeAuth(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		e := newAuthEnv(t, db)
		e.enforce()
		sam := e.session("sam-1", "sam@example.com")
		long := randomText(t, 4000)
		for i, c := range []struct {
			name, method, path, ws string
			hdr                    []string
		}{
			{"4000-byte header, bad token", "GET", "/api/v1/models", long, []string{"Authorization", "Bearer stw_notatoken_secretpart"}},
			{"64-byte header, bad token", "GET", "/api/v1/models", "a" + strings.Repeat("b", 63), []string{"Authorization", "Bearer stw_notatoken_secretpart"}},
			{"uppercase header, bad password", "GET", "/api/v1/models", "Team-A", []string{"Authorization", basic("admin", "wrong password here")}},
			{"4000-byte header, no credentials", "GET", "/api/v1/models", long, nil},
			{"4000-byte header, session POST without CSRF token", "POST", "/api/v1/tokens", long, []string{"Cookie", auth.SessionCookie + "=" + sam}},
			{"4000-byte header, public token exchange", "POST", "/api/v1/auth/token", long, nil},
			{"4000-byte header, public health check", "GET", "/healthz", long, nil},
			{"4000-byte header, MLflow surface", "GET", "/api/2.0/mlflow/registered-models/search", long, []string{"Authorization", "Bearer stw_notatoken_secretpart"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				reqID := fmt.Sprintf("badws-%d", i)
				body := ""
				if c.method == "POST" {
					body = `{"name":"x"}`
				}
				r := e.call(c.method, c.path, "", body, append([]string{"Steward-Workspace", c.ws, "X-Request-Id", reqID}, c.hdr...)...).
					want(t, c.name, http.StatusBadRequest)
				if strings.Contains(c.path, "/2.0/mlflow") {
					if me := mlErr(t, r); me.ErrorCode != mlflowapi.InvalidParameterValue || !strings.Contains(me.Message, "Steward-Workspace") {
						t.Fatalf("MLflow error %s %q, want %s naming Steward-Workspace", me.ErrorCode, me.Message, mlflowapi.InvalidParameterValue)
					}
				} else {
					ae := nativeErr(t, r)
					if ae.Error.Code != steward.CodeInvalid || ae.Error.Details["field"] != "Steward-Workspace" ||
						!strings.Contains(ae.Error.Message, "1-63") && !strings.Contains(ae.Error.Message, "lowercase") {
						t.Fatalf("error %s %q (field %v), want invalid_argument naming Steward-Workspace and its rule", ae.Error.Code, ae.Error.Message, ae.Error.Details["field"])
					}
					if len(ae.Error.Message) > 300 {
						t.Fatalf("message quotes the header back: %.80s…", ae.Error.Message)
					}
				}
				if evs := e.requestEvents(reqID); len(evs) != 0 {
					t.Fatalf("%d audit events recorded for the refused request (workspace %.20q…)", len(evs), evs[0].Workspace)
				}
			})
		}

		// A well-formed header: authentication runs and the failure is
		// recorded in that workspace.
		e.call("GET", "/api/v1/models", "", "", "Steward-Workspace", "default", "X-Request-Id", "goodws",
			"Authorization", "Bearer stw_notatoken_secretpart").want(t, "valid header, bad token", http.StatusUnauthorized)
		if ev := e.eventFor("auth.failed", "goodws"); ev.Workspace != steward.DefaultWorkspace {
			t.Fatalf("auth.failed recorded in workspace %q", ev.Workspace)
		}
		// A well-formed name of no workspace: the denial is kept in the
		// default workspace's log, naming what was asked for.
		e.call("GET", "/api/v1/models", "", "", "Steward-Workspace", "ghost-team", "X-Request-Id", "ghostws",
			"Authorization", "Bearer stw_notatoken_secretpart").want(t, "unknown workspace, bad token", http.StatusUnauthorized)
		ev := e.eventFor("auth.failed", "ghostws")
		var after map[string]any
		if err := json.Unmarshal(ev.After, &after); err != nil || ev.Workspace != steward.DefaultWorkspace || after["workspace"] != "ghost-team" {
			t.Fatalf("auth.failed for an unknown workspace: recorded in %q with %s (%v), want default naming ghost-team", ev.Workspace, ev.After, err)
		}
	})
}

// requestEvents lists the audit events of the request with id reqID, in
// every workspace.
func (e *authEnv) requestEvents(reqID string) []*events.Event {
	e.t.Helper()
	var out []*events.Event
	for after := int64(0); ; {
		page, err := e.srv.DBForTest().ListAuditEvents(context.Background(), audit.Filter{AfterSeq: after})
		if err != nil {
			e.t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		for _, ev := range page {
			if ev.RequestID == reqID {
				out = append(out, ev)
			}
		}
		after = page[len(page)-1].Seq
	}
}

// TestFailedSignInsAreRateLimited: after ten failures from one source the
// source is refused (429, MLflow's REQUEST_LIMIT_EXCEEDED on its surface),
// even with good credentials and whatever X-Forwarded-For an untrusted
// client sends. Failures against one account from many sources block the
// account.
func TestFailedSignInsAreRateLimited(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.enforce()
	for i := range 10 {
		// A client that is not a trusted proxy cannot dodge the limit by
		// inventing addresses.
		e.call("GET", "/api/v1/models", "stw_bad", "", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)).want(t, "failure", 401)
	}
	r := e.call("GET", "/api/v1/models", "stw_bad", "", "X-Forwarded-For", "203.0.113.200").want(t, "11th failure", 429)
	if got := nativeErr(t, r).Error.Code; got != steward.CodeRateLimited {
		t.Fatalf("code %q, want %s", got, steward.CodeRateLimited)
	}
	if r.hdr.Get("Retry-After") == "" {
		t.Fatalf("429 without Retry-After")
	}
	e.call("GET", "/api/v1/models", e.admin, "").want(t, "good token from the blocked source", 429)
	r = e.call("GET", "/api/2.0/mlflow/registered-models/search", e.admin, "").want(t, "MLflow from the blocked source", 429)
	if got := mlErr(t, r).ErrorCode; got != mlflowapi.RequestLimitExceeded {
		t.Fatalf("MLflow error_code %q, want %s", got, mlflowapi.RequestLimitExceeded)
	}
	// Asking without credentials is not an attempt: still the plain 401.
	e.call("GET", "/api/v1/models", "", "").want(t, "no credentials", 401)
	if n := len(e.eventsOf("auth.failed")); n != 10 {
		t.Fatalf("%d auth.failed events, want one per failed attempt (10)", n)
	}

	// Per account: a trusted proxy forwards attempts from many sources.
	p := newAuthEnv(t, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	p.enforce()
	const password = "correct horse battery staple"
	p.account("victim", password)
	for i := range 10 {
		p.call("GET", "/api/v1/me", "", "", "Authorization", basic("victim", "guess number "+fmt.Sprint(i)),
			"X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1)).want(t, "guess", 401)
	}
	r = p.call("GET", "/api/v1/me", "", "", "Authorization", basic("victim", password), "X-Forwarded-For", "192.0.2.99").
		want(t, "right password for a blocked account", 429)
	if got := nativeErr(t, r).Error.Code; got != steward.CodeRateLimited {
		t.Fatalf("code %q, want %s", got, steward.CodeRateLimited)
	}
	// Other accounts from fresh sources are unaffected.
	p.call("GET", "/api/v1/me", p.admin, "", "X-Forwarded-For", "192.0.2.100").want(t, "another account", 200)
}

// TestForwardedForTrustedOnlyFromProxies: the audit record's address comes
// from X-Forwarded-For only when the peer is a configured proxy, and then
// it is the nearest address that is not a proxy.
func TestForwardedForTrustedOnlyFromProxies(t *testing.T) {
	for _, c := range []struct {
		name    string
		proxies []string
		xff     string
		want    string
	}{
		{"no proxies configured", nil, "203.0.113.9", "127.0.0.1"},
		{"peer is not a configured proxy", []string{"10.0.0.0/8"}, "203.0.113.9", "127.0.0.1"},
		{"peer is a proxy", []string{"127.0.0.1/32"}, "203.0.113.9", "203.0.113.9"},
		{"client-supplied hops before the proxy's are ignored", []string{"127.0.0.1/32"}, "198.51.100.1, 203.0.113.9", "203.0.113.9"},
		{"a chain of proxies", []string{"127.0.0.1", "10.0.0.0/8"}, "203.0.113.9, 10.1.2.3", "203.0.113.9"},
		{"a malformed hop ends the trust", []string{"127.0.0.1/32"}, "203.0.113.9, not-an-ip", "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newAuthEnv(t, func(cfg *config.Config) { cfg.TrustedProxies = c.proxies })
			e.enforce()
			e.call("GET", "/api/v1/models", "stw_bad", "", "X-Forwarded-For", c.xff, "X-Request-Id", "xff-1").want(t, "bad token", 401)
			if ev := e.eventFor("auth.failed", "xff-1"); ev.RemoteIP != c.want {
				t.Fatalf("recorded remote_ip %q, want %q", ev.RemoteIP, c.want)
			}
		})
	}
	// A proxy list that does not parse stops the server.
	cfg := testConfig(t)
	cfg.TrustedProxies = []string{"not-a-cidr"}
	if _, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "trusted-proxies") {
		t.Fatalf("New with a bad proxy list: %v, want an error naming --trusted-proxies", err)
	}
}
