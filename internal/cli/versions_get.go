package cli

import (
	"github.com/spf13/cobra"
)

func newVersionsGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get MODEL VERSION",
		Short: "Show one version",
		Long: `Show a version's stage, aliases, file count and size, manifest digest,
source, run and tags. VERSION is a number (3 or v3) or an alias.`,
		Example: `  steward versions get fraud-detector 3
  steward versions get fraud-detector champion -o json | jq -r .manifest_digest`,
		Args: exactArgs("MODEL", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if n, ok := versionNumber(args[1]); ok {
				v, err := c.GetVersion(ctx, args[0], n)
				if err != nil {
					return err
				}
				return g.emitVersion(cmd, v)
			}
			v, err := c.GetVersionByAlias(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			return g.emitVersion(cmd, v)
		},
	}
}
