package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

func newLoginCmd(g *globals) *cobra.Command {
	var withToken bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to a server and save the token for later commands",
		Long: `Sign in and save a token for --server in your user configuration directory
(file mode 0600; override the path with STEWARD_CREDENTIALS). Later commands
use it when neither --token nor STEWARD_TOKEN is given.

With an identity provider configured on the server, "steward login" starts
the OAuth device flow: it prints a URL and a code, you approve in any browser,
and the server exchanges your identity for a Steward token. Without one, pass
a token you created (or were given) on standard input with --with-token.`,
		Example: `  steward login --server https://steward.example.com
  steward login --with-token < token.txt`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var token string
			if withToken {
				if token, err = readSecret(cmd); err != nil {
					return err
				}
			} else {
				if token, err = deviceLogin(cmd, g, c); err != nil {
					return err
				}
			}
			c, err = g.clientWithToken(token)
			if err != nil {
				return err
			}
			who, err := c.Me(cmd.Context())
			if err != nil {
				return fmt.Errorf("the server did not accept the token: %w", err)
			}
			creds, path, err := loadCredentials()
			if err != nil {
				return err
			}
			creds.Servers[serverKey(g.serverURL())] = savedLogin{Token: token, Principal: who.Principal.ID}
			if err := creds.save(path); err != nil {
				return fmt.Errorf("save the token to %s: %w", path, err)
			}
			g.hint(cmd, "Signed in to %s as %s (token saved in %s).", g.serverURL(), who.Principal.ID, path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&withToken, "with-token", false, "read a token from standard input instead of signing in through the identity provider")
	return cmd
}

func newLogoutCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the token saved for the server",
		Long: `Remove the token "steward login" saved for --server. The token itself stays
valid until it expires; revoke it with "steward tokens revoke" if needed.`,
		Example: `  steward logout --server https://steward.example.com`,
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			creds, path, err := loadCredentials()
			if err != nil {
				return err
			}
			key := serverKey(g.serverURL())
			if _, ok := creds.Servers[key]; !ok {
				g.hint(cmd, "No saved login for %s.", key)
				return nil
			}
			delete(creds.Servers, key)
			if err := creds.save(path); err != nil {
				return err
			}
			g.hint(cmd, "Forgot the login for %s. Revoke the token too with \"steward tokens revoke\" if it may have leaked.", key)
			return nil
		},
	}
}

func newWhoamiCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show who the server thinks you are, and your roles",
		Long: `Show the principal your credentials resolve to, how you signed in, the scope
of the credential, your groups, and every role bound to you or your groups.`,
		Example: `  steward whoami
  steward whoami -o json | jq .bindings`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			who, err := c.Me(cmd.Context())
			if err != nil {
				return err
			}
			return g.emit(cmd, who, func(w io.Writer) {
				row(w, "Principal:", who.Principal.ID+" ("+who.Principal.Kind+")")
				row(w, "Signed in with:", who.Principal.AuthMethod)
				row(w, "Scope:", who.Scope)
				row(w, "Groups:", orDash(strings.Join(who.Principal.Groups, ", ")))
				for _, b := range who.Bindings {
					where := b.Scope
					if b.Workspace != "" {
						where += " " + b.Workspace
					}
					if b.Name != "" {
						where += "/" + b.Name
					}
					row(w, "Role:", b.Role+" at "+where+" (via "+b.Subject+")")
				}
			})
		},
	}
}
