package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newTokensCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tokens",
		Aliases: []string{"token"},
		Short:   "Create, list and revoke API tokens",
		Long: `API tokens let scripts, CI jobs and MLflow clients act as you (or as a
service account). A token starts with "stw_", is shown once when created, and
is stored by the server only as a hash. Each has a scope that caps what it may
do whatever your roles allow: read, write (the default) or admin.

Use a token with --token, STEWARD_TOKEN, "steward login --with-token", or from
MLflow clients as MLFLOW_TRACKING_TOKEN.`,
		Example: `  steward tokens create --name laptop
  steward tokens create --name ci --for ci-bot --scope write --expires-in 720h
  steward tokens list
  steward tokens revoke k3v9x0q2m4a8z7c1`,
	}
	cmd.AddCommand(newTokensCreateCmd(g), newTokensListCmd(g), newTokensRevokeCmd(g))
	return cmd
}

func newTokensCreateCmd(g *globals) *cobra.Command {
	var in client.TokenCreate
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a token and print it once",
		Long: `Create an API token. The secret is printed once, on stdout, and cannot be
shown again: store it in your secret manager right away. Tokens for another
account (a service account) need the admin role.`,
		Example: `  steward tokens create --name laptop
  export MLFLOW_TRACKING_TOKEN=$(steward tokens create --name notebook -q)`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			t, err := c.CreateToken(cmd.Context(), in)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return g.emit(cmd, t, nil)
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.Secret)
			exp := "never"
			if t.Info.ExpiresAt != 0 {
				exp = when(t.Info.ExpiresAt)
			}
			g.hint(cmd, "Token %s for %s, scope %s, expires %s. It will not be shown again.", t.Info.ID, t.Info.PrincipalID, t.Info.Scope, exp)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Name, "name", "", "what the token is for (shown in lists)")
	f.StringVar(&in.Scope, "scope", "write", "read, write or admin: caps what the token may do")
	f.StringVar(&in.ExpiresIn, "expires-in", "", "lifetime such as 720h (default 90 days; 0 = never)")
	f.StringVar(&in.Principal, "for", "", "account the token acts as (default: you; others need admin)")
	return cmd
}

func newTokensListCmd(g *globals) *cobra.Command {
	var principal string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Long: `List your tokens (or, as an admin, another account's) with scope, expiry,
last use and whether they are revoked. Secrets are never shown again.`,
		Example: `  steward tokens list
  steward tokens list --for ci-bot -o json`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ts, err := c.ListTokens(cmd.Context(), principal)
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"tokens": ts}, func(w io.Writer) {
				row(w, "ID", "NAME", "KIND", "SCOPE", "CREATED", "EXPIRES", "LAST USED", "STATUS")
				for _, t := range ts {
					status := "active"
					if t.RevokedAt != 0 {
						status = "revoked"
					}
					row(w, t.ID, orDash(t.Name), t.Kind, t.Scope, when(t.CreatedAt), when(t.ExpiresAt), when(t.LastUsedAt), status)
				}
			})
		},
	}
	cmd.Flags().StringVar(&principal, "for", "", "list another account's tokens (admin)")
	return cmd
}

func newTokensRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke TOKEN_ID",
		Short: "Revoke a token at once",
		Long: `Revoke a token by its id (the part after "stw_" up to the next "_", as
shown by "tokens list"). Requests with it fail from now on.`,
		Example: `  steward tokens revoke k3v9x0q2m4a8z7c1`,
		Args:    exactArgs("TOKEN_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			g.hint(cmd, "Revoked token %s.", args[0])
			return nil
		},
	}
}
