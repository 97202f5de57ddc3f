package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

// deviceLogin signs in through the server's identity provider with the
// OAuth device flow and returns a Steward token.
func deviceLogin(cmd *cobra.Command, g *globals, c *client.Client) (string, error) {
	cfg, err := c.AuthConfig(cmd.Context())
	if err != nil {
		return "", err
	}
	if cfg.OIDC == nil {
		return "", usageError{fmt.Errorf("%s has no identity provider configured: create a token (steward tokens create, or ask an admin) and run \"steward login --with-token\"", g.serverURL())}
	}
	return "", fmt.Errorf("device login is not available in this build")
}
