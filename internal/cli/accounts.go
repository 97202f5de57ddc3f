package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newAccountsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "accounts",
		Aliases: []string{"account", "users"},
		Short:   "Manage people and service accounts (admin)",
		Long: `Accounts are the principals Steward knows: people (signing in with a
password or through your identity provider) and service accounts (tokens
only, for CI/CD and serving). People who sign in through OIDC get an account
on first sign-in; create local ones here when there is no identity provider.

Accounts have no rights until a role is bound to them or to one of their
groups: see "steward roles".`,
		Example: `  steward accounts create alice --email alice@example.com --password-stdin < pw.txt
  steward accounts create ci-bot --service-account
  steward accounts list
  steward accounts disable alice
  steward groups add-member risk-team alice`,
	}
	cmd.AddCommand(newAccountsCreateCmd(g), newAccountsListCmd(g), newAccountsSetDisabledCmd(g, true), newAccountsSetDisabledCmd(g, false),
		newAccountsPasswordCmd(g))
	return cmd
}

// readSecret reads one line from stdin: passwords never go on the command
// line, where other users can see them in the process list.
func readSecret(cmd *cobra.Command) (string, error) {
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageError{fmt.Errorf("no password on standard input")}
	}
	return line, nil
}

func newAccountsCreateCmd(g *globals) *cobra.Command {
	var in client.AccountCreate
	var service, pwStdin bool
	cmd := &cobra.Command{
		Use:   "create ID",
		Short: "Create a person or a service account",
		Long: `Create an account. People can get a password (read from standard input, never
from the command line); service accounts sign in with tokens only. New
accounts have no rights until a role is bound to them.`,
		Example: `  steward accounts create alice --email alice@example.com --password-stdin < pw.txt
  steward accounts create ci-bot --service-account`,
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.ID = args[0]
			if service {
				in.Kind = "service_account"
			}
			if pwStdin {
				if in.Password, err = readSecret(cmd); err != nil {
					return err
				}
			}
			a, err := c.CreateAccount(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.emit(cmd, a, func(w io.Writer) {
				row(w, "ID:", a.ID)
				row(w, "Kind:", a.Kind)
				row(w, "Email:", orDash(a.Email))
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&service, "service-account", false, "create a service account (tokens only)")
	f.StringVar(&in.Email, "email", "", "email address")
	f.StringVar(&in.DisplayName, "display-name", "", "name shown to people")
	f.BoolVar(&pwStdin, "password-stdin", false, "read a password (12+ characters) from standard input")
	return cmd
}

func newAccountsListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List accounts",
		Long: `List every account with how it signs in (local or an identity provider) and
whether it is disabled.`,
		Example: `  steward accounts list
  steward accounts list -o json | jq -r '.accounts[].id'`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			as, err := c.ListAccounts(cmd.Context())
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"accounts": as}, func(w io.Writer) {
				row(w, "ID", "KIND", "EMAIL", "SIGN-IN", "DISABLED", "CREATED")
				for _, a := range as {
					via := "local"
					if a.OIDCIssuer != "" {
						via = a.OIDCIssuer
					}
					row(w, a.ID, a.Kind, orDash(a.Email), via, a.Disabled, when(a.CreatedAt))
				}
			})
		},
	}
}

func newAccountsSetDisabledCmd(g *globals, disable bool) *cobra.Command {
	use, short := "enable ID", "Let a disabled account sign in again"
	if disable {
		use, short = "disable ID", "Stop an account from signing in (its tokens stop working)"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `. Disabling an account makes its tokens and sessions stop
working at once on this server (within the auth cache TTL on other replicas);
enabling lets them work again until they expire.`,
		Example: "  steward accounts " + strings.Fields(use)[0] + " alice",
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			a, err := c.UpdateAccount(cmd.Context(), args[0], client.AccountUpdate{Disabled: &disable})
			if err != nil {
				return err
			}
			g.hint(cmd, "Account %s disabled: %v.", a.ID, a.Disabled)
			return nil
		},
	}
}

func newAccountsPasswordCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-password ID",
		Short: "Set a local account's password, read from standard input",
		Long: `Set a password for a person's local account (12+ characters). Anyone may set
their own; admins may set anyone's.`,
		Example: `  steward accounts set-password alice < new-password.txt`,
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			pw, err := readSecret(cmd)
			if err != nil {
				return err
			}
			if _, err := c.UpdateAccount(cmd.Context(), args[0], client.AccountUpdate{Password: &pw}); err != nil {
				return err
			}
			g.hint(cmd, "Password of %s changed.", args[0])
			return nil
		},
	}
}

func newGroupsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Manage local group membership (admin)",
		Long: `Groups collect accounts so roles can be bound once ("group:risk-team").
Groups from your identity provider's "groups" claim work the same way without
being created here.`,
		Example: `  steward groups add-member risk-team alice
  steward roles bind group:risk-team developer --scope project --name credit`,
	}
	for _, add := range []bool{true, false} {
		use, short := "remove-member GROUP ACCOUNT", "Remove an account from a group"
		if add {
			use, short = "add-member GROUP ACCOUNT", "Add an account to a group"
		}
		cmd.AddCommand(&cobra.Command{
			Use:   use,
			Short: short,
			Long: short + `. Roles bound to the group apply to its members from
their next request (within the auth cache TTL on other replicas).`,
			Example: "  steward groups " + strings.Fields(use)[0] + " risk-team alice",
			Args:    exactArgs("GROUP", "ACCOUNT"),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := g.client()
				if err != nil {
					return err
				}
				return c.SetGroupMember(cmd.Context(), args[0], args[1], add)
			},
		})
	}
	return cmd
}
