package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/mlflowapi"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newRequestID returns a short random id, or keeps a sane one from the client.
func newRequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && isToken(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// hostGuard rejects Host headers outside the allow-list. Without it, a web
// page on evil.example can resolve its own name to 127.0.0.1 (DNS rebinding)
// and drive a server that trusts loopback callers.
type hostGuard struct {
	allowAny bool
	allowed  map[string]bool
}

func newHostGuard(loopbackOnly bool, extra []string) *hostGuard {
	g := &hostGuard{allowed: map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}}
	for _, h := range extra {
		if h == "*" {
			g.allowAny = true
		}
		g.allowed[strings.ToLower(h)] = true
	}
	// Bound to a routable address with no list: the operator fronts it with
	// their own names; accept any Host (the guard matters on loopback).
	if !loopbackOnly && len(extra) == 0 {
		g.allowAny = true
	}
	return g
}

func (g *hostGuard) ok(host string) bool {
	if g.allowAny {
		return true
	}
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.Trim(strings.ToLower(h), "[]")
	return g.allowed[h]
}

// bodyDeadline extends the connection's read deadline whenever body bytes
// arrive: a slow-loris client that stops sending is cut off, a 50 GB upload
// that keeps moving is not.
type bodyDeadline struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
}

func (b *bodyDeadline) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	return b.ReadCloser.Read(p)
}

// workspaceCache remembers workspaces known to exist (they are never deleted).
type workspaceCache struct {
	reg  *registry.Service
	mu   sync.RWMutex
	seen map[string]bool
}

func (c *workspaceCache) check(ctx context.Context, ws string) error {
	c.mu.RLock()
	ok := c.seen[ws]
	c.mu.RUnlock()
	if ok {
		return nil
	}
	if err := steward.ValidateWorkspaceName(ws); err != nil {
		return err
	}
	// Existence only: whether the caller may use the workspace is decided
	// per permission, so the check runs as the system.
	if _, err := c.reg.GetWorkspace(steward.WithPrincipal(ctx, steward.System), ws); err != nil {
		return err
	}
	c.mu.Lock()
	c.seen[ws] = true
	c.mu.Unlock()
	return nil
}

// middleware wraps one route's handler. pattern is the route's mux pattern
// (the metrics label: bounded cardinality, unlike raw paths); perm is the
// permission the route table gives it. A route without one is refused: deny
// by default.
func (s *Server) middleware(pattern string, perm steward.Permission, next http.Handler) http.Handler {
	streaming := strings.Contains(pattern, "/blobs/") || strings.Contains(pattern, "/uploads") ||
		strings.Contains(pattern, "/files/") || strings.Contains(pattern, "mlflow-artifacts")
	if pattern == "GET /metrics" && s.cfg.MetricsPublic {
		perm = steward.PermPublic
	}
	writeError := httpapi.WriteError
	if strings.Contains(pattern, "/2.0/mlflow") {
		writeError = mlflowapi.WriteError
	}
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		if secs, ok := steward.ErrorDetails(err)["retry_after"].(int); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		writeError(w, r, s.log, err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		id := newRequestID(r)
		ip := s.clientIP(r)
		ctx := steward.WithRequestInfo(r.Context(), steward.RequestInfo{RequestID: id, RemoteIP: ip, UserAgent: truncate(r.UserAgent(), 256)})
		r = r.WithContext(ctx)
		h := sw.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		var principal steward.Principal
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "request_id", id, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					httpapi.WriteError(sw, r, s.log, fmt.Errorf("panic: %v", p))
				}
			}
			d := time.Since(start)
			s.metrics.observe(pattern, r.Method, sw.status, d)
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", id), slog.String("method", r.Method), slog.String("route", pattern),
				slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", d), slog.String("remote_ip", ip), slog.String("principal", principal.ID))
			if sw.status == http.StatusForbidden && principal.ID != "" {
				s.recordDenial(ctx, principal, "access.denied", pattern, sw.status, "")
			}
		}()
		if !s.hosts.ok(r.Host) {
			httpapi.WriteError(sw, r, s.log, steward.Errorf(steward.CodePermissionDenied,
				"Host %q is not allowed; start the server with --allowed-hosts %s to accept it", r.Host, hostOnly(r.Host)))
			return
		}
		rc := http.NewResponseController(sw)
		if streaming {
			r.Body = &bodyDeadline{ReadCloser: r.Body, rc: rc, idle: s.bodyIdle}
		} else {
			_ = rc.SetReadDeadline(time.Now().Add(s.bodyIdle))
			r.Body = http.MaxBytesReader(sw, r.Body, httpapi.MaxJSONBody+1)
		}
		// The header's syntax is checked before anything can be recorded
		// with it: denials and sign-ins are audited in the request's
		// workspace, and the insert of an event with an over-long one
		// failed (PostgreSQL's index entries hold 2,704 bytes), keeping
		// the attempt out of the audit log. Whether the workspace exists
		// is checked after authentication (workspaces.check).
		ws := r.Header.Get("Steward-Workspace")
		if ws == "" {
			ws = steward.DefaultWorkspace
		} else if err := steward.ValidateWorkspaceName(ws); err != nil {
			fail(sw, r, steward.Errorf(steward.CodeInvalid, "Steward-Workspace header: %s; send a workspace's name, or no header for %q",
				steward.ErrorMessage(err), steward.DefaultWorkspace).WithDetail("field", "Steward-Workspace"))
			return
		}
		ctx = steward.WithWorkspace(ctx, ws)
		r = r.WithContext(ctx)
		if perm == "" {
			fail(sw, r, steward.Errorf(steward.CodePermissionDenied, "route %s has no access rule; it is refused", pattern))
			return
		}
		if perm != steward.PermPublic {
			var err error
			var presented bool
			if principal, presented, err = s.principal(r, ip); err != nil {
				if steward.IsCode(err, steward.CodeUnauthenticated) {
					sw.Header().Set("WWW-Authenticate", `Bearer realm="steward", Basic realm="steward"`)
				}
				// A 403 here (a session without its CSRF token) is recorded
				// once, as access.denied, when the response is done.
				if presented && steward.IsCode(err, steward.CodeUnauthenticated) {
					s.recordDenial(ctx, principal, "auth.failed", pattern, http.StatusUnauthorized, steward.ErrorMessage(err))
				}
				fail(sw, r, err)
				return
			}
			ctx = steward.WithPrincipal(ctx, principal)
			if err := s.workspaces.check(ctx, ws); err != nil {
				fail(sw, r, err)
				return
			}
			if err := s.routeGate(ctx, perm); err != nil {
				fail(sw, r, err)
				return
			}
		}
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// principal authenticates the request, or, in single-user mode, lets a
// request without credentials act as the local superuser.
func (s *Server) principal(r *http.Request, ip string) (steward.Principal, bool, error) {
	p, presented, err := s.authenticate(r, ip)
	if presented {
		return p, true, err
	}
	on, err := s.single.on(r.Context())
	if err != nil {
		return p, false, err
	}
	if on {
		return steward.Anonymous, false, nil
	}
	return p, false, steward.Errorf(steward.CodeUnauthenticated, "sign in first: send Authorization: Bearer <token> (create one with `steward tokens create`), HTTP basic auth, or a session cookie from /auth/login")
}

func hostOnly(h string) string {
	if x, _, err := net.SplitHostPort(h); err == nil {
		return x
	}
	return h
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
