package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newVersionsSetAliasCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-alias MODEL ALIAS VERSION",
		Short: "Point an alias such as \"champion\" at a version",
		Long: `Point ALIAS at VERSION, moving it if it pointed at another version. An
alias names a version by role ("champion", "challenger", "shadow"), so
serving code fetches by alias and a promotion is one command, without
redeploying the consumer.

Aliases cannot be "latest", a number or v<number>, since those already
name versions.`,
		Example: `  steward versions set-alias fraud-detector champion 3
  steward versions set-alias fraud-detector challenger 4`,
		Args: exactArgs("MODEL", "ALIAS", "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := resolveVersion(cmd.Context(), c, args[0], args[2])
			if err != nil {
				return err
			}
			v, err := c.SetAlias(cmd.Context(), args[0], args[1], n)
			if err != nil {
				return err
			}
			return g.emit(cmd, v, func(w io.Writer) {
				fmt.Fprintf(w, "Alias %q of %s now points at version %d.\n", clean(args[1]), clean(v.ModelName), v.Version)
			})
		},
	}
}
