package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/steward"
)

// setupAuth builds the identity service and decides the access mode:
//
//   - accounts exist, or an identity provider is configured: every request
//     but health, login and the OpenAPI document must authenticate;
//   - no accounts and listening on loopback: single-user mode, the local
//     user is the administrator (like `mlflow server` on a laptop);
//   - no accounts on a routable address: refuse to start, unless
//     --insecure-no-auth says the operator means it.
func (s *Server) setupAuth(ctx context.Context) error {
	cfg := s.cfg
	for _, c := range cfg.TrustedProxies {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return fmt.Errorf("--trusted-proxies %q: want a CIDR such as 10.0.0.0/8 or an address", c)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		s.trusted = append(s.trusted, p)
	}
	s.auth = auth.NewService(s.db.Identity(), auth.Options{CacheTTL: cfg.AuthCacheTTL, SessionTTL: cfg.SessionTTL})
	sys := steward.WithPrincipal(ctx, steward.System)
	if cfg.BootstrapAdminPassword != "" {
		has, err := s.auth.HasAdmin(sys)
		if err != nil {
			return err
		}
		if !has {
			if _, err := s.auth.Bootstrap(sys, cfg.BootstrapAdmin, cfg.BootstrapAdminPassword, 0); err != nil {
				return fmt.Errorf("bootstrap administrator %q: %w", cfg.BootstrapAdmin, err)
			}
		}
	}
	n, err := s.db.Identity().CountAccounts(ctx)
	if err != nil {
		return err
	}
	sso := cfg.OIDCIssuer != ""
	switch {
	case n > 0 || sso:
		s.log.Info("access control on: requests must authenticate", "accounts", n, "oidc_issuer", cfg.OIDCIssuer)
	case cfg.IsLoopback():
		s.log.Info("single-user mode: no accounts and listening on loopback only, so every local request acts as the administrator; run `steward admin bootstrap` to turn on sign-in", "listen", cfg.Listen)
	case cfg.InsecureNoAuth:
		s.log.Warn("INSECURE: no authentication on a non-loopback address (--insecure-no-auth): anyone who can reach it is an administrator", "listen", cfg.Listen)
	default:
		return fmt.Errorf("refusing to listen on %s with no authentication: create the first administrator with `steward admin bootstrap` "+
			"(or --bootstrap-admin-password), configure --oidc-issuer, listen on 127.0.0.1, or pass --insecure-no-auth", cfg.Listen)
	}
	s.single = &singleUser{allowed: (cfg.IsLoopback() || cfg.InsecureNoAuth) && !sso, count: s.db.Identity().CountAccounts}
	return nil
}

// heldLog keeps log records to replay later, so a more important line can
// go first; after the replay it forwards.
type heldLog struct {
	mu   sync.Mutex
	recs []slog.Record
	to   slog.Handler
}

func (h *heldLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *heldLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.to != nil {
		return h.to.Handle(context.Background(), r)
	}
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *heldLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *heldLog) WithGroup(string) slog.Handler      { return h }

func (h *heldLog) replay(ctx context.Context, to slog.Handler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if to.Enabled(ctx, r.Level) {
			_ = to.Handle(ctx, r)
		}
	}
	h.recs, h.to = nil, to
}
