// Package server wires configuration, stores, services and HTTP surfaces
// into one running Steward, and owns its lifecycle (listen, graceful stop).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/mlflowapi"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/tracking"
)

// Server is a configured Steward.
type Server struct {
	cfg        config.Config
	log        *slog.Logger
	db         *sqlstore.DB
	blobs      blob.Store
	uploads    *blob.Uploads
	registry   *registry.Service
	tracking   *tracking.Service
	lineage    *lineage.Service
	governance *governance.Service
	auth       *auth.Service
	single     *singleUser
	trusted    []netip.Prefix
	sso        *sso
	audit      *audit.Service
	metrics    *metrics
	hosts      *hostGuard
	workspaces *workspaceCache
	bodyIdle   time.Duration
	handler    http.Handler
}

// New opens the database (migrating it) and the artifact store.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Finish(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, metrics: newMetrics(), hosts: newHostGuard(cfg.IsLoopback(), cfg.AllowedHosts), bodyIdle: 60 * time.Second}
	var err error
	if !store.IsPostgres(cfg.DB) {
		if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	// The access mode is the first thing the log says; what opening the
	// database logs (migrations) is held back until then.
	held := &heldLog{}
	if s.db, err = store.Open(ctx, cfg.DB, slog.New(held)); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := s.setupAuth(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	held.replay(ctx, log.Handler())
	if s.sso, err = s.setupSSO(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.blobs, err = openBlobs(ctx, cfg.Artifacts); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open artifact store: %w", err)
	}
	if s.uploads, err = blob.NewUploads(cfg.UploadsDir(), s.blobs); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open uploads directory: %w", err)
	}
	s.metrics.pools["write"] = s.db.Write
	if s.db.Read != s.db.Write {
		s.metrics.pools["read"] = s.db.Read
	}
	s.registry = registry.NewService(s.db.Registry(), s.auth, nil)
	s.tracking = tracking.NewService(s.db.Tracking(), s.auth, nil)
	if err := s.openAudit(ctx, cfg); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	s.lineage = lineage.NewService(s.db.Lineage(), s.auth, nil)
	s.governance = governance.NewService(s.db.Governance(), s.registry, s.auth, nil)
	s.workspaces = &workspaceCache{reg: s.registry, seen: map[string]bool{}}
	s.handler = s.routes()
	return s, nil
}

func openBlobs(ctx context.Context, where string) (blob.Store, error) {
	if strings.HasPrefix(where, "s3://") {
		cfg, err := blob.S3ConfigFromURL(where, os.Getenv)
		if err != nil {
			return nil, err
		}
		return blob.NewS3(ctx, cfg)
	}
	return blob.NewLocal(where)
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := &httpapi.API{
		Registry: s.registry, Tracking: s.tracking, Lineage: s.lineage, Governance: s.governance, Audit: s.audit, Events: s.db, Blobs: s.blobs, Uploads: s.uploads, Auth: s.auth,
		Log: s.log, MaxArtifactSize: s.cfg.MaxArtifactSize, PresignTTL: s.cfg.PresignTTL,
	}
	if s.sso != nil {
		api.Exchanger = s.sso
	}
	api.Register(mux, s.middleware)
	ml := &mlflowapi.API{Registry: s.registry, Tracking: s.tracking, Blobs: s.blobs, Log: s.log, MaxArtifactSize: s.cfg.MaxArtifactSize}
	ml.Register(mux, s.middleware)
	ops := func(pattern string, perm steward.Permission, h http.HandlerFunc) {
		mux.Handle(pattern, s.middleware(pattern, perm, h))
	}
	ops("GET /healthz", steward.PermPublic, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	ops("GET /readyz", steward.PermPublic, s.ready)
	ops("GET /auth/login", steward.PermPublic, func(w http.ResponseWriter, r *http.Request) {
		if s.sso == nil || s.sso.rp == nil {
			httpapi.WriteError(w, r, s.log, steward.Errorf(steward.CodeNotFound, "single sign-on is not configured on this server (--oidc-issuer); use a token or a password"))
			return
		}
		s.sso.rp.Login(w, r)
	})
	ops("GET /auth/callback", steward.PermPublic, func(w http.ResponseWriter, r *http.Request) {
		if s.sso == nil || s.sso.rp == nil {
			httpapi.WriteError(w, r, s.log, steward.Errorf(steward.CodeNotFound, "single sign-on is not configured on this server"))
			return
		}
		s.sso.callback(w, r)
	})
	ops("POST /auth/logout", steward.PermAuthenticated, func(w http.ResponseWriter, r *http.Request) {
		(&sso{s: s, secure: strings.HasPrefix(s.cfg.PublicURL, "https://")}).logout(w, r)
	})
	ops("GET /metrics", steward.PermAuditRead, s.metrics.ServeHTTP)
	ops("/", steward.PermPublic, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.Method == http.MethodGet {
			s.home(w, r)
			return
		}
		httpapi.WriteError(w, r, s.log, steward.Errorf(steward.CodeNotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// ready answers 200 only when the database answers.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		httpapi.WriteError(w, r, s.log, &steward.Error{Code: steward.CodeUnavailable, Message: "database unreachable", Err: err})
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ready\n"))
}

// Run serves until ctx is cancelled, then drains requests for up to
// ShutdownTimeout. onListen is called with the bound address (useful with :0).
func (s *Server) Run(ctx context.Context, onListen func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if onListen != nil {
		onListen(ln.Addr())
	}
	// The checkpointer outlives the HTTP server by a moment: it stops after
	// the last request has drained, and signs a final checkpoint covering it.
	cpCtx, stopCheckpoints := context.WithCancel(context.WithoutCancel(ctx))
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		s.audit.RunCheckpoints(cpCtx, s.cfg.AuditCheckpointEvery, s.cfg.AuditCheckpointInterval)
	}()
	defer func() {
		stopCheckpoints()
		<-cpDone
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close releases the database and stores.
func (s *Server) Close() error {
	err := s.db.Close()
	if c, ok := s.blobs.(interface{ Close() error }); ok {
		err = errors.Join(err, c.Close())
	}
	return errors.Join(err, s.uploads.Close())
}
