package server

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// singleUser tracks whether the server runs without accounts: loopback-only
// and nobody created yet. It rechecks the account count every few seconds so
// `steward admin bootstrap` on a running server switches it to enforcing.
type singleUser struct {
	allowed bool // loopback (or --insecure-no-auth) with no identity provider
	count   func(context.Context) (int, error)
	mu      sync.Mutex
	active  bool
	checked time.Time
}

func (m *singleUser) on(ctx context.Context) (bool, error) {
	if !m.allowed {
		return false, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.active && !m.checked.IsZero() {
		return false, nil // once accounts exist, never back
	}
	if time.Since(m.checked) < 2*time.Second {
		return m.active, nil
	}
	n, err := m.count(ctx)
	if err != nil {
		return false, err
	}
	m.active, m.checked = n == 0, time.Now()
	return m.active, nil
}

// clientIP is the request's source: the peer address, or, when the peer is
// a trusted proxy, the nearest untrusted address in X-Forwarded-For.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.trusted) == 0 || !s.isTrusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(h); err != nil {
			break // a malformed hop ends what can be trusted
		}
		if !s.isTrusted(h) {
			return h
		}
		host = h
	}
	return host
}

func (s *Server) isTrusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// authenticate turns the request's credentials into a principal. ok is false
// when the request carried none.
func (s *Server) authenticate(r *http.Request, ip string) (p steward.Principal, ok bool, err error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		cred = strings.TrimSpace(cred)
		switch strings.ToLower(scheme) {
		case "bearer":
			if err := s.auth.Throttled(ip, ""); err != nil {
				return p, true, err
			}
			p, err = s.auth.AuthenticateToken(ctx, cred)
			if err != nil {
				s.auth.Failed(ip, "")
			}
			return p, true, err
		case "basic":
			raw, derr := base64.StdEncoding.DecodeString(cred)
			user, pass, found := strings.Cut(string(raw), ":")
			if derr != nil || !found {
				s.auth.Failed(ip, "")
				return p, true, steward.Errorf(steward.CodeUnauthenticated, "the Authorization header's Basic credentials must be base64 of user:password")
			}
			if err := s.auth.Throttled(ip, user); err != nil {
				return p, true, err
			}
			p, err = s.auth.AuthenticatePassword(ctx, user, pass)
			if err != nil {
				s.auth.Failed(ip, user)
			}
			return p, true, err
		default:
			return p, true, steward.Errorf(steward.CodeUnauthenticated, "unsupported Authorization scheme %q; use Bearer <token> or Basic", truncate(scheme, 20))
		}
	}
	if c, cerr := r.Cookie(auth.SessionCookie); cerr == nil && c.Value != "" {
		if err := s.auth.Throttled(ip, ""); err != nil {
			return p, true, err
		}
		p, err = s.auth.AuthenticateToken(ctx, c.Value)
		if err != nil {
			s.auth.Failed(ip, "")
			return p, true, steward.Errorf(steward.CodeUnauthenticated, "your session has ended or is not valid; sign in again at /auth/login")
		}
		if !safeMethod(r.Method) {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				got = r.PostFormValue("csrf_token")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(auth.CSRFToken(c.Value))) != 1 {
				return p, true, steward.Errorf(steward.CodePermissionDenied, "missing or wrong CSRF token: a form or script using the session cookie must send X-CSRF-Token (see GET /api/v1/me)")
			}
		}
		return p, true, nil
	}
	return p, false, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// recordDenial writes the audit record of a refused request in a transaction
// of its own: failed sign-ins and permission denials leave a trace even
// though nothing changed.
func (s *Server) recordDenial(ctx context.Context, p steward.Principal, action, route string, status int, reason string) {
	ri := steward.RequestInfoFrom(ctx)
	if p.ID == "" {
		p = steward.Principal{ID: "unknown", Kind: steward.PrincipalUser, AuthMethod: "none"}
	}
	detail := map[string]any{"route": route, "status": status, "reason": reason}
	// A denial that names a workspace that does not exist is kept in the
	// default workspace's log, with the name it gave: otherwise inventing
	// names would put attempts where no workspace's audit view shows them.
	ws := steward.WorkspaceFrom(ctx)
	if err := s.workspaces.check(ctx, ws); err != nil {
		detail["workspace"], ws = ws, steward.DefaultWorkspace
	}
	after, _ := json.Marshal(detail)
	e := &events.Event{
		Workspace: ws, Time: steward.Millis(time.Now()),
		ActorID: p.ID, ActorKind: string(p.Kind), AuthMethod: p.AuthMethod,
		RequestID: ri.RequestID, RemoteIP: ri.RemoteIP, UserAgent: ri.UserAgent,
		Action: action, ObjectType: "request", ObjectID: route, After: after,
		Outcome: events.OutcomeDenied,
	}
	if strings.HasPrefix(action, "auth.") { // a credential or sign-in that failed
		e.Outcome = events.OutcomeFailed
	}
	if err := s.db.RecordEvent(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("record denial", "request_id", ri.RequestID, "err", err)
	}
}

// routeGate checks the route's permission before the handler runs. Model and
// project permissions can be bound to single objects, so here only the
// credential's scope is checked and the service decides per object; every
// other permission is workspace-wide and is decided here and again below.
func (s *Server) routeGate(ctx context.Context, perm steward.Permission) error {
	p, _ := steward.PrincipalFrom(ctx)
	if need := auth.LevelOf(perm); need > p.Cap() {
		return steward.Errorf(steward.CodePermissionDenied, "this credential is limited to %s scope; this route needs %s (%s)", p.Cap(), need, perm)
	}
	if perm == steward.PermAuthenticated || auth.Scoped(perm) || strings.HasPrefix(string(perm), "workspace.") {
		return nil
	}
	return s.auth.Authorize(ctx, perm, steward.Resource{Type: strings.SplitN(string(perm), ".", 2)[0], Workspace: steward.WorkspaceFrom(ctx)})
}
