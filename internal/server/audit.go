package server

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/config"
)

// openAudit loads (or creates) the checkpoint signing key and the outside
// destinations, and builds the audit service over the database.
func (s *Server) openAudit(ctx context.Context, cfg config.Config) error {
	key, created, err := audit.LoadOrCreateKey(cfg.AuditKey, audit.DefaultKeyName)
	if err != nil {
		return err
	}
	if created {
		s.log.Info("created the audit checkpoint signing key; give verifiers its public key", "path", cfg.AuditKey, "verifier_key", key.VerifierKey)
	} else if fi, err := os.Stat(cfg.AuditKey); err == nil && fi.Mode().Perm()&0o077 != 0 {
		s.log.Warn("the audit signing key is readable by other users: chmod 600 it", "path", cfg.AuditKey, "mode", fmt.Sprintf("%o", fi.Mode().Perm()))
	}
	pubs, err := publishers(ctx, cfg)
	if err != nil {
		return err
	}
	if len(pubs) == 0 {
		s.log.Warn("audit checkpoints are kept only in the database (--audit-publish none): deleting the newest events together with their checkpoints would go unnoticed")
	}
	s.audit, err = audit.NewService(s.db, audit.Options{Key: key, Trusted: cfg.AuditTrustedKeys, Publishers: pubs, Authz: s.auth, Log: s.log})
	return err
}

// publishers turns --audit-publish entries into destinations.
func publishers(ctx context.Context, cfg config.Config) ([]audit.Publisher, error) {
	var out []audit.Publisher
	for _, dest := range cfg.AuditPublish {
		switch {
		case dest == "none":
			if len(cfg.AuditPublish) > 1 {
				return nil, fmt.Errorf("--audit-publish none cannot be combined with other destinations")
			}
		case strings.HasPrefix(dest, "s3://"):
			sc, err := blob.S3ConfigFromURL(dest, os.Getenv)
			if err != nil {
				return nil, fmt.Errorf("--audit-publish %s: %w", dest, err)
			}
			s3, err := blob.NewS3(ctx, sc)
			if err != nil {
				return nil, fmt.Errorf("--audit-publish %s: %w", dest, err)
			}
			out = append(out, audit.ObjectPublisher{Put: s3.PutNamed, Where: dest})
		case strings.HasPrefix(dest, "http://") || strings.HasPrefix(dest, "https://"):
			out = append(out, audit.NewWebhookPublisher(dest, cfg.AuditWebhookAllowPrivate))
		case strings.Contains(dest, "://"):
			return nil, fmt.Errorf("--audit-publish %q: want a directory, s3://bucket/prefix or an http(s) URL", dest)
		default:
			if err := os.MkdirAll(dest, 0o755); err != nil {
				return nil, fmt.Errorf("--audit-publish %s: %w", dest, err)
			}
			out = append(out, audit.DirPublisher{Dir: dest})
		}
	}
	return out, nil
}
