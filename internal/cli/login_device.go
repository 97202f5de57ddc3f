package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
	"github.com/steward-registry/steward/internal/auth/oidclogin"
)

// deviceLogin signs in through the server's identity provider with the
// OAuth device flow (RFC 8628) and exchanges the resulting ID token for a
// Steward token.
func deviceLogin(cmd *cobra.Command, g *globals, c *client.Client) (string, error) {
	cfg, err := c.AuthConfig(cmd.Context())
	if err != nil {
		return "", err
	}
	if cfg.OIDC == nil {
		return "", usageError{fmt.Errorf("%s has no identity provider configured: create a token (steward tokens create, or ask an admin) and run \"steward login --with-token\"", g.serverURL())}
	}
	idToken, err := oidclogin.DeviceLogin(cmd.Context(), cfg.OIDC.Issuer, cfg.OIDC.CLIClientID, cfg.OIDC.Scopes, func(uri, code string) {
		fmt.Fprintf(cmd.ErrOrStderr(), "To sign in, open %s and enter the code %s\nWaiting for you to approve…\n", uri, code)
	})
	if err != nil {
		return "", err
	}
	res, err := c.ExchangeToken(cmd.Context(), idToken, "urn:ietf:params:oauth:token-type:id_token")
	if err != nil {
		return "", err
	}
	return res.AccessToken, nil
}
