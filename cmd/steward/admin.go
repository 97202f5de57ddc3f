package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store"
)

// newAdminCmd builds `steward admin`: operations on the server's own data
// that must work before anyone can sign in.
func newAdminCmd(stdout io.Writer, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Operate on the server's database directly (first administrator)",
		Long: `Commands that open the server's database directly, with the same --home,
--db and config-file settings as "steward serve", for the moments before
anyone can sign in.`,
		Example: `  steward admin bootstrap
  STEWARD_DB=postgres://steward@db/steward steward admin bootstrap --name alice`,
	}
	cmd.AddCommand(newBootstrapCmd(stdout, getenv))
	return cmd
}

func newBootstrapCmd(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var cfg config.Config
	var configPath, name string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Create the first administrator and print a one-time token",
		Long: `Create the first administrator account with a global admin role binding and
print an admin token for it, once. It refuses when an administrator already
exists, so it cannot be used to take over an installation.

After this the server requires authentication (a running server notices
within a few seconds). Use the token to sign in, create accounts, bind roles
and create a longer-lived personal token:

  steward login --with-token <<< "$TOKEN"
  steward accounts set-password admin < password.txt`,
		Example: `  steward admin bootstrap
  steward admin bootstrap --name alice --expires-in 1h --home /var/lib/steward`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveConfig(cmd, &cfg, configPath, getenv); err != nil {
				return err
			}
			if !store.IsPostgres(cfg.DB) {
				if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			db, err := store.Open(ctx, cfg.DB, slog.New(slog.DiscardHandler))
			if err != nil {
				return fmt.Errorf("open database: %w", err)
			}
			defer db.Close()
			svc := auth.NewService(db.Identity(), auth.Options{})
			ctx = steward.WithRequestInfo(ctx, steward.RequestInfo{UserAgent: "steward admin bootstrap"})
			tok, err := svc.Bootstrap(ctx, name, "", ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, tok)
			fmt.Fprintf(cmd.ErrOrStderr(), "Administrator %q created. The token above (admin scope, valid %s) is shown only once.\n", name, ttl)
			return nil
		},
	}
	cfg.Flags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "JSON config file (default <home>/steward.json if present)")
	f.StringVar(&name, "name", "admin", "account name of the administrator")
	f.DurationVar(&ttl, "expires-in", 24*time.Hour, "lifetime of the printed token")
	return cmd
}
