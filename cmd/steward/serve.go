package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/server"
)

// newServeCmd builds `steward serve`. Settings come from flags, then
// STEWARD_* variables, then the config file.
func newServeCmd(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var cfg config.Config
	var configPath string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Steward server (API, MLflow-compatible endpoints, metrics)",
		Long: `Run the Steward server.

With no configuration it keeps everything under ./steward-data (or $STEWARD_HOME):
a SQLite database (steward.db) and a content-addressed artifact directory
(artifacts/), and listens on 127.0.0.1:5000, the port MLflow clients expect.

Every flag can also be set by an environment variable named STEWARD_<FLAG>
(upper case, '-' becomes '_', e.g. STEWARD_DB, STEWARD_LISTEN) or by a JSON
config file ({"db": "...", "listen": "..."}; default <home>/steward.json).
Precedence: flag, then environment, then config file, then default.

S3 artifacts read the usual AWS variables: AWS_ENDPOINT_URL (or
AWS_ENDPOINT_URL_S3), AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN.

The server runs Go's garbage collector at GOGC=400 (a heap up to five times
what is live) unless GOGC is set: its live heap is a few MB, and at the
default of 100 it collected over a hundred times a second under ingestion
load. Set GOGC (and GOMEMLIMIT) to trade memory for CPU otherwise.`,
		Example: `  # Zero configuration: SQLite + local artifacts in ./steward-data
  steward serve

  # PostgreSQL and S3 (e.g. MinIO), reachable from other machines
  AWS_ENDPOINT_URL=http://minio:9000 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
  steward serve --db postgres://steward@db:5432/steward --artifacts s3://models/steward \
                --listen 0.0.0.0:5000 --allowed-hosts steward.example.com

  # Same settings from the environment
  STEWARD_DB=postgres://steward@db/steward STEWARD_LISTEN=:5000 steward serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveConfig(cmd, &cfg, configPath, getenv); err != nil {
				return err
			}
			log := newLogger(cfg, os.Stderr)
			tuneGC(getenv)
			ctx := cmd.Context()
			srv, err := server.New(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer srv.Close()
			return srv.Run(ctx, func(addr net.Addr) {
				log.Info("steward listening", "url", "http://"+addr.String(), "db", redactDSN(cfg.DB), "artifacts", cfg.Artifacts)
				fmt.Fprintf(stdout, "Steward listening on http://%s\n", addr)
			})
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringVar(&configPath, "config", "", "JSON config file (default <home>/steward.json if present)")
	return cmd
}

// serverGCPercent is the GOGC the server runs at unless GOGC is set. Its
// live heap is small (uploads and exports stream), so at Go's default of
// 100 the collector ran about 110 times a second under OpenLineage
// ingestion, and each cycle took one of the two cores from the SQLite
// writer; at 400, ingestion went from 2,005 to 2,152 events/s (bench/
// RESULTS.md, "Fourth pass").
const serverGCPercent = 400

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// resolveConfig fills cfg from flags, STEWARD_* variables and the config
// file (--config, else $STEWARD_CONFIG, else <home>/steward.json), then
// checks it.
func resolveConfig(cmd *cobra.Command, cfg *config.Config, configPath string, getenv func(string) string) error {
	if configPath == "" {
		configPath = getenv("STEWARD_CONFIG")
	}
	if err := config.Resolve(cmd.Flags(), getenv, configPath); err != nil {
		return err
	}
	return cfg.Finish()
}
